package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/errdefs"
)

// addHealthcheckCommands registers `healthcheck run`.
func addHealthcheckCommands(root *cobra.Command, g *Globals) {
	hc := &cobra.Command{
		Use:   "healthcheck",
		Short: "Manage health checks on containers",
		Long:  "Run health checks on containers",
	}
	run := &cobra.Command{
		Use:   "run CONTAINER",
		Short: "Run the health check of a container",
		Long:  "Run the health check of a container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			failed, err := rt.HealthCheckRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if failed {
				// podman's answer to a failed check: the word, exit 1.
				fmt.Fprintln(g.Stdout, "unhealthy")
				return &errdefs.ExitError{Code: 1}
			}
			return nil
		},
	}
	root.AddCommand(hc)
	if g.wants("healthcheck") {
		hc.AddCommand(run)
	}
}
