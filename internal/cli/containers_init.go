package cli

import (
	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

// newInitCommand is podman's init: create containers in the runtime
// without starting them; `start` then only starts their process.
func newInitCommand(g *Globals) *cobra.Command {
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   "init [options] CONTAINER [CONTAINER...]",
		Short: "Initialize one or more containers",
		Long:  "Initialize one or more containers, creating the OCI spec and mounts for inspection. Container names or IDs can be used.",
		Args:  tf.check(),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// --all initializes those that can be: never run, or exited.
			canInit := func(c *define.Container) bool {
				s := c.State.Status
				return s == define.StatusConfigured || s == define.StatusStopped || s == define.StatusExited
			}
			return tf.act(ctx, g, args, canInit, false, func(rt *engine.Runtime, id string) error {
				return rt.Init(ctx, id)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&tf.all, "all", "a", false, "Initialize all containers")
	f.BoolVarP(&tf.latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}
