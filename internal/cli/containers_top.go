package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/psinfo"
)

func newTopCommand(g *Globals) *cobra.Command {
	var latest, listDescriptors bool
	cmd := &cobra.Command{
		Use:   "top [options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]",
		Short: "Display the running processes of a container",
		Long:  "Display the running processes of a container.\n\n  The top command extends the ps(1) compatible AIX format descriptors with container-specific ones, such as the host user and host PID (huser, hpid).",
		RunE: func(cmd *cobra.Command, args []string) error {
			if listDescriptors {
				fmt.Fprintln(g.Stdout, strings.Join(psinfo.ListDescriptors(), "\n"))
				return nil
			}
			if len(args) < 1 && !latest {
				return errors.New("you must provide the name or id of a running container")
			}
			var names []string
			if !latest {
				names, args = []string{strings.TrimPrefix(args[0], "/")}, args[1:]
			}
			rt, ts, err := openTargets(cmd.Context(), g, names, false, latest, nil, false)
			if err != nil {
				return err
			}
			rows, err := rt.ContainerTop(cmd.Context(), ts[0].ctr, args)
			if err != nil {
				return err
			}
			return format.Table(g.Stdout, nil, rows, true)
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false) // `top CTR -ef`: ps(1)'s options
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.BoolVar(&listDescriptors, "list-descriptors", false, "")
	_ = f.MarkHidden("list-descriptors")
	return cmd
}
