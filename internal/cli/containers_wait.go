package cli

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// waitStates are the --condition values pier can wait for; podman's
// health conditions come with healthchecks.
var waitStates = map[string]define.Status{
	"configured": define.StatusConfigured,
	"created":    define.StatusCreated,
	"exited":     define.StatusExited,
	"paused":     define.StatusPaused,
	"removing":   define.StatusRemoving,
	"running":    define.StatusRunning,
	"stopped":    define.StatusStopped,
}

func parseWaitConditions(in []string) (engine.WaitConditions, error) {
	var conds engine.WaitConditions
	for _, c := range in {
		st, ok := waitStates[c]
		if !ok {
			return nil, fmt.Errorf("unknown condition %q: %w", c, errdefs.ErrInvalidArgument)
		}
		if !slices.Contains(conds, st) {
			conds = append(conds, st)
		}
	}
	return conds, nil
}

func newWaitCommand(g *Globals) *cobra.Command {
	var conditions []string
	var ignore, latest bool
	var interval string
	cmd := &cobra.Command{
		Use:   "wait [options] CONTAINER [CONTAINER...]",
		Short: "Block on one or more containers",
		Long:  "Block until one or more containers stop and then print their exit codes.",
		Args: func(cmd *cobra.Command, args []string) error {
			f := false
			return needNamesOrAll(&f, &latest)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			conds, err := parseWaitConditions(conditions)
			if err != nil {
				return err
			}
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			var ts []target
			if latest {
				if ts, err = latestTarget(ctx, rt); err != nil {
					return err
				}
			}
			for _, a := range args {
				c, err := rt.Lookup(ctx, a)
				if err != nil {
					if ignore && errors.Is(err, define.ErrNoSuchCtr) {
						ts = append(ts, target{input: a}) // podman prints -1
						continue
					}
					return err
				}
				ts = append(ts, target{input: a, ctr: c})
			}
			var errs []error
			for _, t := range ts {
				if t.ctr == nil {
					fmt.Fprintln(g.Stdout, -1)
					continue
				}
				code, err := rt.Wait(ctx, t.ctr.Config.ID, conds)
				if err != nil {
					if ignore && errors.Is(err, define.ErrNoSuchCtr) {
						fmt.Fprintln(g.Stdout, -1)
						continue
					}
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(g.Stdout, code)
			}
			return outputErrors(g.Stderr, errs)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&conditions, "condition", []string{"stopped"}, "Condition to wait on")
	f.BoolVarP(&ignore, "ignore", "", false, "Ignore if a container does not exist")
	f.StringVarP(&interval, "interval", "i", "250ms", "Time Interval to wait before polling for completion")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}
