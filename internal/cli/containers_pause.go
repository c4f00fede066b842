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
	var all, latest bool
	var cidfiles, filterFlags []string
	cmd := &cobra.Command{
		Use:   name + " [options] CONTAINER [CONTAINER...]",
		Short: short,
		Long:  long,
		Args:  checkAllLatestCIDFile(&all, &latest, &cidfiles),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			args, err := readCIDFiles(args, cidfiles, false)
			if err != nil {
				return err
			}
			rt, ts, err := selectTargets(ctx, g, args, filterFlags, all, latest, inState, false)
			if err != nil {
				return err
			}
			return outputErrors(g.Stderr, forEach(g, ts, func(tg target) error {
				return op(rt, ctx, tg.ctr.Config.ID)
			}))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Act on all containers")
	f.StringArrayVar(&cidfiles, "cidfile", nil, "Read the container ID from the file")
	f.StringArrayVarP(&filterFlags, "filter", "f", nil, "Filter output based on conditions given")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}
