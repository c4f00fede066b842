package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/signal"
)

// checkAllLatestCIDFile is podman's CheckAllLatestAndIDFile: the argument
// rules of commands taking containers, --all, --latest or --cidfile.
// A --filter selects containers too.
func checkAllLatestCIDFile(all, latest *bool, cidfiles *[]string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		cid := cidfiles != nil && len(*cidfiles) > 0
		filtered := cmd.Flags().Changed("filter")
		switch {
		case cid && (*all || *latest):
			return errors.New("--all, --latest and --cidfile cannot be used together")
		case *all && *latest:
			return errors.New("--all and --latest cannot be used together")
		case len(args) > 0 && *all:
			return errors.New("no arguments are needed with --all")
		case len(args) > 0 && *latest:
			return errors.New("--latest and containers cannot be used together")
		case len(args) > 0 && cid:
			return errors.New("no arguments are needed with --latest or --cidfile")
		case len(args) == 0 && !*all && !*latest && !cid && !filtered:
			return errors.New("you must provide at least one name or id")
		}
		return nil
	}
}

// readCIDFiles appends the container ID on the first line of each file, as
// podman's --cidfile does; with ignore, a missing file is skipped.
func readCIDFiles(args, files []string, ignore bool) ([]string, error) {
	for _, f := range files {
		content, err := os.ReadFile(f)
		if err != nil {
			if ignore && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("reading CIDFile: %w", err)
		}
		args = append(args, strings.Split(string(content), "\n")[0])
	}
	return args, nil
}

// filterTargets are the containers matching filters, all of them (by ID)
// unless names are given: then those among them named exactly by full ID or
// name, as podman's start does.
func filterTargets(ctx context.Context, rt *engine.Runtime, filters map[string][]string, names []string) ([]target, error) {
	for _, n := range names {
		if _, err := rt.Lookup(ctx, n); err != nil {
			return nil, err
		}
	}
	cs, err := rt.Containers(ctx)
	if err != nil {
		return nil, err
	}
	match, err := newCtrFilterRT(ctx, rt, filters, cs)
	if err != nil {
		return nil, err
	}
	var ts []target
	for _, c := range cs {
		if !match(c) {
			continue
		}
		if len(names) == 0 {
			ts = append(ts, target{ctr: c})
			continue
		}
		for _, n := range names {
			if n == c.Config.ID || n == c.Config.Name {
				ts = append(ts, target{input: n, ctr: c})
			}
		}
	}
	return ts, nil
}

// validateStart is podman's argument check of start, in podman's order.
func validateStart(all, latest, attach *bool, filters *[]string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0 && !*latest && !*all && len(*filters) == 0:
			return errors.New("start requires at least one argument")
		case *all && *latest:
			return errors.New("--all and --latest cannot be used together")
		case len(args) > 0 && *latest:
			return errors.New("--latest and containers cannot be used together")
		case len(args) > 1 && *attach:
			return errors.New("you cannot start and attach multiple containers at once")
		case (len(args) > 0 || *latest) && *all:
			return errors.New("either start all containers or the container(s) provided in the arguments")
		case *attach && *all:
			return errors.New("you cannot start and attach all containers at once")
		}
		return nil
	}
}

func newStartCommand(g *Globals) *cobra.Command {
	var attach, interactive, sigProxy, all, latest bool
	var filterFlags []string
	var keysFlag string
	cmd := &cobra.Command{
		Use:   "start [options] CONTAINER [CONTAINER...]",
		Short: "Start one or more containers",
		Long:  "Starts one or more containers.  The container name or ID can be used.",
		Args:  validateStart(&all, &latest, &attach, &filterFlags),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// podman 5: -i only adds stdin to -a; alone it starts detached.
			attached := attach
			if !attached && cmd.Flags().Changed("sig-proxy") && sigProxy {
				return fmt.Errorf("you cannot use sig-proxy without --attach: %w", errdefs.ErrInvalidArgument)
			}
			rt, filters, err := g.engineWithFilters(ctx, filterFlags)
			if err != nil {
				return err
			}
			var ts []target
			if len(filters) > 0 {
				ts, err = filterTargets(ctx, rt, filters, args)
			} else {
				// --all starts what is not running; a named running
				// container is a no-op that still prints its name.
				ts, err = pickTargets(ctx, rt, args, all, latest, func(c *define.Container) bool { return !c.State.Running() }, false)
			}
			if err != nil {
				return err
			}
			if attached && len(ts) == 1 {
				keys, err := resolveDetachKeys(cmd, g, keysFlag)
				if err != nil {
					return fmt.Errorf("unable to start container %s: %w", ts[0].ctr.Config.ID, err)
				}
				code, err := startAttached(ctx, g, rt, ts[0].ctr, attachSet{stdin: interactive, stdout: true, stderr: true, keys: keys}, sigProxy)
				if errors.Is(err, errDetached) {
					return nil
				}
				if err != nil {
					return err
				}
				return exitWith(code)
			}
			return outputErrors(g.Stderr, forEach(g, ts, func(t target) error {
				_, err := rt.Start(ctx, t.ctr.Config.ID, engine.StartOptions{})
				return err
			}))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&attach, "attach", "a", false, "Attach container's STDOUT and STDERR")
	f.BoolVarP(&interactive, "interactive", "i", false, "Make STDIN available to the contained process")
	f.BoolVar(&sigProxy, "sig-proxy", true, "Proxy received signals to the process (default true if attaching, false otherwise)")
	addDetachKeysFlag(f, &keysFlag)
	f.BoolVar(&all, "all", false, "Start all containers regardless of their state or configuration")
	f.StringSliceVarP(&filterFlags, "filter", "f", nil, "Filter output based on conditions given")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}

func newStopCommand(g *Globals) *cobra.Command {
	var tf targetFlags
	var ignore bool
	var timeout int
	cmd := &cobra.Command{
		Use:   "stop [options] CONTAINER [CONTAINER...]",
		Short: "Stop one or more containers",
		Long:  "Stops one or more running containers.  The container name or ID can be used.\n\n  A timeout to forcibly stop the container can also be set but defaults to 10 seconds otherwise.",
		Args:  tf.check(),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			t := timeFlag(cmd, timeout)
			return tf.act(ctx, g, args, nil, ignore, func(rt *engine.Runtime, id string) error {
				err := rt.Stop(ctx, id, t)
				if ignore {
					return ignoreMissing(err)
				}
				return err
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&tf.all, "all", "a", false, "Stop all running containers")
	f.StringArrayVar(&tf.cidfiles, "cidfile", nil, "Read the container ID from the file")
	f.StringArrayVarP(&tf.filters, "filter", "f", nil, "Filter output based on conditions given")
	f.BoolVarP(&ignore, "ignore", "i", false, "Ignore errors when a specified container is missing")
	f.BoolVarP(&tf.latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.IntVarP(&timeout, "time", "t", 10, "Seconds to wait for stop before killing the container")
	f.SetNormalizeFunc(timeoutAlias)
	return cmd
}

// targetFlags are the selection flags of stop, restart, pause and unpause:
// names or --cidfile, --filter, --all, --latest.
type targetFlags struct {
	all, latest       bool
	cidfiles, filters []string
}

func (tf *targetFlags) check() cobra.PositionalArgs {
	return checkAllLatestCIDFile(&tf.all, &tf.latest, &tf.cidfiles)
}

// act runs op on each selected container (keep narrows --all), printing
// each as it is done; with ignore, missing names and ID files are skipped.
func (tf *targetFlags) act(ctx context.Context, g *Globals, args []string, keep func(*define.Container) bool, ignore bool, op func(rt *engine.Runtime, id string) error) error {
	args, err := readCIDFiles(args, tf.cidfiles, ignore)
	if err != nil {
		return err
	}
	rt, ts, err := selectTargets(ctx, g, args, tf.filters, tf.all, tf.latest, keep, ignore)
	if err != nil {
		return err
	}
	return outputErrors(g.Stderr, forEach(g, ts, func(t target) error {
		return op(rt, t.ctr.Config.ID)
	}))
}

// selectTargets picks the containers of stop and restart: by --filter
// (no names then), or names, --all (those keep selects), --latest.
func selectTargets(ctx context.Context, g *Globals, args, filterFlags []string, all, latest bool, keep func(*define.Container) bool, ignore bool) (*engine.Runtime, []target, error) {
	filters, err := parseFilters(filterFlags)
	if err != nil {
		return nil, nil, err
	}
	if len(filters) > 0 && len(args) > 0 {
		return nil, nil, errors.New("--filter takes no arguments")
	}
	rt, err := g.Engine(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ts []target
	switch {
	case len(filters) > 0:
		ts, err = filterTargets(ctx, rt, filters, nil) // podman: keep is for --all
	case len(args) > 0 || all || latest:
		ts, err = pickTargets(ctx, rt, args, all, latest, keep, ignore)
	}
	return rt, ts, err
}

// timeFlag is --time for the engine: nil when not given (the container's
// own stop timeout); a negative time becomes a huge uint, podman's "wait
// forever".
func timeFlag(cmd *cobra.Command, seconds int) *uint {
	return uintFlag(cmd, "time", uint(seconds))
}

func newRestartCommand(g *Globals) *cobra.Command {
	var tf targetFlags
	var running bool
	var timeout int
	cmd := &cobra.Command{
		Use:   "restart [options] CONTAINER [CONTAINER...]",
		Short: "Restart one or more containers",
		Long:  "Restarts one or more running containers. The container ID or name can be used.\n\nA timeout before forcibly stopping can be set, but defaults to 10 seconds.",
		Args:  tf.check(),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var keep func(*define.Container) bool
			if running {
				keep = isActive
			}
			t := timeFlag(cmd, timeout)
			return tf.act(ctx, g, args, keep, false, func(rt *engine.Runtime, id string) error {
				return rt.Restart(ctx, id, t)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&tf.all, "all", "a", false, "Restart all non-running containers")
	f.StringArrayVar(&tf.cidfiles, "cidfile", nil, "Read the container ID from the file")
	f.StringArrayVarP(&tf.filters, "filter", "f", nil, "Filter output based on conditions given")
	f.BoolVarP(&tf.latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.BoolVar(&running, "running", false, "Restart only running containers")
	f.IntVarP(&timeout, "time", "t", 10, "Seconds to wait for stop before killing the container")
	return cmd
}

func newKillCommand(g *Globals) *cobra.Command {
	var all, latest bool
	var sigSpec string
	var cidfiles []string
	cmd := &cobra.Command{
		Use:   "kill [options] CONTAINER [CONTAINER...]",
		Short: "Kill one or more running containers with a specific signal",
		Long:  "The main process inside each container specified will be sent SIGKILL, or any signal specified with option --signal.",
		Args:  checkAllLatestCIDFile(&all, &latest, &cidfiles),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// The signal is checked before any container is looked up.
			sig, err := signal.ParseKill(sigSpec)
			if err != nil {
				return err
			}
			if args, err = readCIDFiles(args, cidfiles, false); err != nil {
				return err
			}
			rt, ts, err := openTargets(ctx, g, args, all, latest, isActive, false)
			if err != nil {
				return err
			}
			return outputErrors(g.Stderr, forEach(g, ts, func(tg target) error {
				return rt.Kill(ctx, tg.ctr.Config.ID, sig)
			}))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Signal all running containers")
	f.StringArrayVar(&cidfiles, "cidfile", nil, "Read the container ID from the file")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.StringVarP(&sigSpec, "signal", "s", "KILL", "Signal to send to the container")
	return cmd
}

// timeoutAlias makes --timeout another spelling of --time, as podman's
// TimeoutAliasFlags does.
func timeoutAlias(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "timeout" {
		name = "time"
	}
	return pflag.NormalizedName(name)
}
