package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

func newPauseCommand(g *Globals) *cobra.Command {
	return pauseCommand(g, "pause", "Pause all the processes in one or more containers",
		"Pauses one or more running containers.  The container name or ID can be used.",
		func(c *define.Container) bool { return c.State.Status == define.StatusRunning },
		func(rt *engine.Runtime, ctx context.Context, id string) error { return rt.Pause(ctx, id) })
}

func newUnpauseCommand(g *Globals) *cobra.Command {
	return pauseCommand(g, "unpause", "Unpause the processes in one or more containers",
		"Unpauses one or more previously paused containers.  The container name or ID can be used.",
		func(c *define.Container) bool { return c.State.Status == define.StatusPaused },
		func(rt *engine.Runtime, ctx context.Context, id string) error { return rt.Unpause(ctx, id) })
}

// pauseCommand is pause or unpause: -a acts on the containers in the
// state the command leaves (running ones for pause, paused for unpause).
func pauseCommand(g *Globals, name, short, long string, inState func(*define.Container) bool,
	op func(*engine.Runtime, context.Context, string) error) *cobra.Command {
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   name + " [options] CONTAINER [CONTAINER...]",
		Short: short,
		Long:  long,
		Args:  tf.check(),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return tf.act(ctx, g, args, inState, false, func(rt *engine.Runtime, id string) error {
				return op(rt, ctx, id)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&tf.all, "all", "a", false, "Act on all containers")
	f.StringArrayVar(&tf.cidfiles, "cidfile", nil, "Read the container ID from the file")
	f.StringArrayVarP(&tf.filters, "filter", "f", nil, "Filter output based on conditions given")
	f.BoolVarP(&tf.latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}
