package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// waitStates are the --condition values podman 5's StringToContainerStatus
// accepts (not "configured", not "stopping").
var waitStates = map[string]define.Status{
	"created":  define.StatusCreated,
	"exited":   define.StatusExited,
	"paused":   define.StatusPaused,
	"removing": define.StatusRemoving,
	"running":  define.StatusRunning,
	"stopped":  define.StatusStopped,
	"unknown":  define.Status("unknown"),
	// The health statuses: the engine waits for the healthcheck's.
	"healthy":   define.Status(define.HealthHealthy),
	"unhealthy": define.Status(define.HealthUnhealthy),
}

// parseWaitConditions returns the states to wait for (healthy and
// unhealthy are the healthcheck's; the engine refuses them for a
// container without one).
func parseWaitConditions(in []string) (engine.WaitConditions, func(id string) error) {
	var conds engine.WaitConditions
	for _, c := range in {
		st, ok := waitStates[c]
		if !ok {
			err := fmt.Errorf("unknown container state: %s: %w", c, errdefs.ErrInvalidArgument)
			return nil, func(string) error { return err }
		}
		if !slices.Contains(conds, st) {
			conds = append(conds, st)
		}
	}
	return conds, nil
}

// parseInterval is podman's --interval: a bare number is milliseconds.
func parseInterval(s string) (time.Duration, error) {
	if _, err := strconv.Atoi(s); err == nil {
		s += "ms"
	}
	return time.ParseDuration(s)
}

// waitArgs is podman's check for wait: names or --latest, not both.
func waitArgs(latest *bool) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 && !*latest {
			return fmt.Errorf("%q requires a name, id, or the \"--latest\" flag", cmd.CommandPath())
		}
		if len(args) > 0 && *latest {
			return errors.New("--latest and containers cannot be used together")
		}
		return nil
	}
}

func newWaitCommand(g *Globals) *cobra.Command {
	var conditions []string
	var ignore, latest, exitFirst bool
	var interval string
	cmd := &cobra.Command{
		Use:   "wait [options] CONTAINER [CONTAINER...]",
		Short: "Block on one or more containers",
		Long:  "Block until one or more containers stop and then print their exit codes.",
		Args:  waitArgs(&latest),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			every, err := parseInterval(interval)
			if err != nil {
				return err
			}
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			ts, err := waitTargets(cmd, rt, args, latest, ignore)
			if err != nil {
				return err
			}
			conds, condErr := parseWaitConditions(conditions)
			if exitFirst && condErr == nil {
				return waitFirst(ctx, g, rt, ts, conds, every)
			}
			var errs []error
			for _, t := range ts {
				if t.ctr == nil {
					fmt.Fprintln(g.Stdout, -1) // --ignore: podman prints -1
					continue
				}
				if condErr != nil {
					errs = append(errs, condErr(t.ctr.Config.ID))
					continue
				}
				code, err := rt.Wait(ctx, t.String(), conds, every) // errors name it as the user did
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
	f.BoolVar(&exitFirst, "exit-first-match", false, "Wait for exit of first container which matches conditions, ignore other ones")
	f.BoolVarP(&ignore, "ignore", "", false, "Ignore if a container does not exist")
	f.StringVarP(&interval, "interval", "i", "250ms", "Time Interval to wait before polling for completion")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}

// waitTargets looks every name up first: one unknown name fails the
// command before anything is waited for, unless --ignore.
func waitTargets(cmd *cobra.Command, rt *engine.Runtime, args []string, latest, ignore bool) ([]target, error) {
	ctx := cmd.Context()
	if latest {
		return latestTarget(ctx, rt)
	}
	var ts []target
	for _, a := range args {
		c, err := rt.Lookup(ctx, a)
		if err != nil {
			if ignore && errors.Is(err, define.ErrNoSuchCtr) {
				ts = append(ts, target{input: a})
				continue
			}
			return nil, err
		}
		ts = append(ts, target{input: a, ctr: c})
	}
	return ts, nil
}

// waitFirst is --exit-first-match: wait on all at once, print the code of
// the first to meet the condition, stop waiting on the others.
func waitFirst(ctx context.Context, g *Globals, rt *engine.Runtime, ts []target, conds engine.WaitConditions, every time.Duration) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		code int32
		err  error
	}
	results := make(chan result, len(ts))
	n := 0
	for _, t := range ts {
		if t.ctr == nil {
			continue // --ignore of a missing container
		}
		n++
		go func(name string) {
			code, err := rt.Wait(ctx, name, conds, every)
			results <- result{code, err}
		}(t.String())
	}
	var errs []error
	for range n {
		r := <-results
		if r.err == nil {
			fmt.Fprintln(g.Stdout, r.code)
			return nil
		}
		errs = append(errs, r.err)
	}
	return outputErrors(g.Stderr, errs)
}
