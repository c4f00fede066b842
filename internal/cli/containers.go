package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// addContainerCommands registers the container commands twice, as podman
// does: top-level (`pier ps`) and under `pier container` (`pier container
// ps`). Each registration gets its own command value and flag variables, so
// the two never share parsed state.
func addContainerCommands(root *cobra.Command, g *Globals) {
	ctr := &cobra.Command{
		Use:   "container",
		Short: "Manage containers",
		Long:  "Manage containers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	shared := sharedContainerCommands()
	addWanted(root, g, shared)
	// `container inspect` only knows containers; top-level `inspect`
	// tries every object type.
	if g.wants("inspect") {
		root.AddCommand(newInspectCommand(g, inspectAll))
	}
	root.AddCommand(ctr)
	if !g.wants("container") {
		return
	}
	for _, c := range shared {
		ctr.AddCommand(c.mk(g))
	}
	ctr.AddCommand(newInspectCommand(g, inspectContainer), containerCloneCmd(g))
	list := newPsCommand(g)
	list.Use = "list [options]"
	list.Aliases = []string{"ls"}
	ctr.AddCommand(list)
	ctr.AddCommand(newExistsCommand(g), newPruneCommand(g), newCleanupCommand(g), newRunlabelCommand(g))
}

// sharedContainerCommands are the commands podman has both at the top level
// and under `container`.
func sharedContainerCommands() []namedCommand {
	return []namedCommand{
		{[]string{"create"}, newCreateCommand}, {[]string{"run"}, newRunCommand},
		{[]string{"start"}, newStartCommand}, {[]string{"stop"}, newStopCommand},
		{[]string{"kill"}, newKillCommand}, {[]string{"restart"}, newRestartCommand},
		{[]string{"rm", "remove"}, newRmCommand}, {[]string{"ps"}, newPsCommand},
		{[]string{"logs"}, newLogsCommand}, {[]string{"wait"}, newWaitCommand},
		{[]string{"rename"}, newRenameCommand}, {[]string{"attach"}, newAttachCommand},
		{[]string{"port"}, newPortCommand}, {[]string{"exec"}, newExecCommand},
		{[]string{"pause"}, newPauseCommand}, {[]string{"unpause"}, newUnpauseCommand},
		{[]string{"cp"}, newCpCommand}, {[]string{"top"}, newTopCommand},
		{[]string{"stats"}, newStatsCommand}, {[]string{"init"}, newInitCommand},
		{[]string{"update"}, newUpdateCommand},
	}
}

// outputErrors prints all errors but the last, which it returns for the
// caller to print, as podman's OutputErrors.PrintErrors does.
func outputErrors(w io.Writer, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs[:len(errs)-1] {
		fmt.Fprintln(w, "Error:", e)
	}
	return errs[len(errs)-1]
}

// target is a container as the user named it; podman prints the user's
// spelling back (name, short ID...), or the full ID for --all.
type target struct {
	input string
	ctr   *define.Container
}

func (t target) String() string {
	if t.input != "" {
		return t.input
	}
	return t.ctr.Config.ID
}

// resolveTargets looks every name up before acting on any, as podman does:
// a typo fails the whole command instead of acting on half of it. With all,
// keep selects the containers to act on. skipMissing drops unknown names
// (rm --force, --ignore).
func resolveTargets(ctx context.Context, rt *engine.Runtime, args []string, all bool, keep func(*define.Container) bool, skipMissing bool) ([]target, error) {
	if all {
		cs, err := rt.Containers(ctx)
		if err != nil {
			return nil, err
		}
		var ts []target
		for _, c := range cs {
			if keep == nil || keep(c) {
				ts = append(ts, target{ctr: c})
			}
		}
		return ts, nil
	}
	ts := make([]target, 0, len(args))
	for _, a := range args {
		c, err := rt.Lookup(ctx, a)
		if err != nil {
			if skipMissing && errors.Is(err, define.ErrNoSuchCtr) {
				continue
			}
			return nil, err
		}
		ts = append(ts, target{input: a, ctr: c})
	}
	return ts, nil
}

// needNamesOrAll is podman's argument check for commands taking
// containers, --all or --latest (CheckAllLatestAndIDFile without --cidfile).
func needNamesOrAll(all *bool, latest *bool) cobra.PositionalArgs {
	if latest == nil {
		latest = new(bool)
	}
	return checkAllLatestCIDFile(all, latest, nil)
}

// latestTarget picks the most recently created container, for --latest.
func latestTarget(ctx context.Context, rt *engine.Runtime) ([]target, error) {
	cs, err := rt.Containers(ctx)
	if err != nil {
		return nil, err
	}
	latest := newest(cs)
	if latest == nil {
		return nil, fmt.Errorf("no containers to act on: %w", define.ErrNoSuchCtr)
	}
	return []target{{ctr: latest}}, nil
}

// newest is podman's --latest: the last created container, the later in
// the list on a tie; nil for none.
func newest(cs []*define.Container) *define.Container {
	var latest *define.Container
	for _, c := range cs {
		if latest == nil || !c.Config.Created.Before(latest.Config.Created) {
			latest = c
		}
	}
	return latest
}

func isActive(c *define.Container) bool { return c.State.Running() }

// forEach runs op on every target, prints each success as podman does and
// returns the errors.
func forEach(g *Globals, ts []target, op func(t target) error) []error {
	var errs []error
	for _, t := range ts {
		if err := op(t); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(g.Stdout, t)
	}
	return errs
}

// uintFlag is v when the flag name was given, else nil (the engine's
// default applies).
func uintFlag(cmd *cobra.Command, name string, v uint) *uint {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	return &v
}

// pickTargets resolves --all / --latest / names.
func pickTargets(ctx context.Context, rt *engine.Runtime, args []string, all, latest bool, keep func(*define.Container) bool, skipMissing bool) ([]target, error) {
	if latest {
		return latestTarget(ctx, rt)
	}
	return resolveTargets(ctx, rt, args, all, keep, skipMissing)
}

// openTargets opens the engine and picks the containers to act on.
func openTargets(ctx context.Context, g *Globals, args []string, all, latest bool, keep func(*define.Container) bool, skipMissing bool) (*engine.Runtime, []target, error) {
	rt, err := g.Engine(ctx)
	if err != nil {
		return nil, nil, err
	}
	ts, err := pickTargets(ctx, rt, args, all, latest, keep, skipMissing)
	if err != nil {
		return nil, nil, err
	}
	return rt, ts, nil
}

// ignoreMissing drops a "no such container" error: the container is gone,
// which is what rm -f, stop --ignore and cleanup want anyway.
func ignoreMissing(err error) error {
	if errors.Is(err, define.ErrNoSuchCtr) {
		return nil
	}
	return err
}

func newRmCommand(g *Globals) *cobra.Command {
	var all, latest, force, ignore, volumes, depend bool
	var timeout uint
	var cidfiles []string
	cmd := &cobra.Command{
		Use:   "rm [options] CONTAINER [CONTAINER...]",
		Short: "Remove one or more containers",
		Long:  "Removes one or more containers from the host. The container name or ID can be used.\n\n  Command does not remove images. Running or unusable containers will not be removed without the -f option.",
		Args:  checkAllLatestCIDFile(&all, &latest, &cidfiles),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if cmd.Flags().Changed("time") && !force {
				return errors.New("--force option must be specified to use the --time option")
			}
			args, err := readCIDFiles(args, cidfiles, ignore)
			if err != nil {
				return err
			}
			// Not openTargets: rm's exit codes are for the lookup's errors
			// only, never the engine's.
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			// rm --force of a missing container succeeds silently.
			ts, external, err := rmTargets(ctx, rt, args, all, latest, force || ignore)
			if err != nil {
				return rmExitCode(err)
			}
			// Other tools' containers go first and stop the command on
			// failure, as podman's rm.
			for _, name := range external {
				if err := rt.RemoveExternal(ctx, name, force); err != nil {
					return rmExitCode(err)
				}
				fmt.Fprintln(g.Stdout, name)
			}
			opts := engine.RemoveOptions{Force: force, Volumes: volumes, Timeout: uintFlag(cmd, "time", timeout)}
			errs := removeTargets(ctx, g, rt, ts, opts, all || depend, force || ignore)
			if all {
				// Also sweep what killed CLIs left behind (lock files of
				// containers that were never saved).
				if err := rt.CollectGarbage(ctx); err != nil {
					errs = append(errs, err)
				}
			}
			return rmExitCode(outputErrors(g.Stderr, errs))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all containers")
	f.StringArrayVar(&cidfiles, "cidfile", nil, "Read the container ID from the file")
	f.BoolVar(&depend, "depend", false, "Remove container and all containers that depend on the selected container")
	f.BoolVarP(&force, "force", "f", false, "Force removal of a running or unusable container")
	f.BoolVarP(&ignore, "ignore", "i", false, "Ignore errors when a specified container is missing")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.UintVarP(&timeout, "time", "t", 10, "Seconds to wait for stop before killing the container")
	f.BoolVarP(&volumes, "volumes", "v", false, "Remove anonymous volumes associated with the container")
	return cmd
}

// rmTargets resolves rm's arguments; names only storage knows (buildah's
// containers) come back apart, to be removed from storage.
func rmTargets(ctx context.Context, rt *engine.Runtime, args []string, all, latest, skipMissing bool) ([]target, []string, error) {
	if all || latest {
		ts, err := pickTargets(ctx, rt, args, all, latest, nil, skipMissing)
		return ts, nil, err
	}
	var ts []target
	var external []string
	for _, a := range args {
		c, err := rt.Lookup(ctx, a)
		if err == nil {
			ts = append(ts, target{input: a, ctr: c})
			continue
		}
		if !errors.Is(err, define.ErrNoSuchCtr) {
			return nil, nil, err
		}
		ok, xerr := rt.ExternalExists(ctx, a)
		switch {
		case xerr != nil:
			return nil, nil, xerr
		case ok:
			external = append(external, a)
		case !skipMissing:
			return nil, nil, err
		}
	}
	return ts, external, nil
}

// removeTargets removes each target, with depend (rm --depend, and rm
// --all as podman) the containers depending on it first; every removed
// container is printed once.
func removeTargets(ctx context.Context, g *Globals, rt *engine.Runtime, ts []target, opts engine.RemoveOptions, depend, ignoreGone bool) []error {
	var errs []error
	done := map[string]bool{}
	for _, tg := range ts {
		id := tg.ctr.Config.ID
		if done[id] {
			continue // removed as a dependent of an earlier target
		}
		var err error
		if depend {
			var deps []string
			deps, err = rt.RemoveDepend(ctx, id, opts)
			for _, d := range deps {
				if !done[d] {
					done[d] = true
					fmt.Fprintln(g.Stdout, d)
				}
			}
		} else {
			err = rt.Remove(ctx, id, opts)
		}
		if ignoreGone {
			err = ignoreMissing(err) // removed meanwhile by another pier
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		done[id] = true
		fmt.Fprintln(g.Stdout, tg)
	}
	return errs
}

// rmExitCode applies podman-rm's exit codes: 1 when a container did not
// exist, 2 when one was running without --force.
func rmExitCode(err error) error {
	return exitCodeFor(err, err, exitCode{define.ErrNoSuchCtr, 1}, exitCode{define.ErrCtrStateInvalid, 2})
}

// exitCode is a command's exit code for errors that wrap sentinel.
type exitCode struct {
	sentinel error
	code     int
}

// exitCodeFor returns last with the code of the first of codes whose
// sentinel err wraps. err may be all of a command's errors joined, so that
// the code tells of any of them while only the last is printed.
func exitCodeFor(err, last error, codes ...exitCode) error {
	for _, c := range codes {
		if errors.Is(err, c.sentinel) {
			return errdefs.WithExitCode(c.code, last)
		}
	}
	return last
}

// existsExit is podman's `exists` contract: exit code 1, and no message,
// when the object is not there.
func existsExit(ok bool, err error) error {
	if err == nil && !ok {
		return &errdefs.ExitError{Code: 1}
	}
	return err
}

func newRenameCommand(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "rename CONTAINER NAME",
		Short: "Rename an existing container",
		Long:  "The podman rename command allows you to rename an existing container",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			c, err := rt.Lookup(ctx, args[0])
			if err != nil {
				return err
			}
			return rt.Rename(ctx, c.Config.ID, args[1])
		},
	}
}

func newExistsCommand(g *Globals) *cobra.Command {
	var external bool
	cmd := &cobra.Command{
		Use:   "exists [options] CONTAINER",
		Short: "Check if a container exists in local storage",
		Long:  "If the named container exists in local storage, pier container exists exits with 0, otherwise the exit code will be 1.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			_, err = rt.Lookup(ctx, args[0])
			if external && errors.Is(err, define.ErrNoSuchCtr) {
				ok, err := rt.ExternalExists(ctx, args[0])
				return existsExit(ok, err)
			}
			return existsExit(err == nil, ignoreMissing(err))
		},
	}
	cmd.Flags().BoolVar(&external, "external", false, "Check external containers as well as Podman containers")
	return cmd
}

func newPruneCommand(g *Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove all non running containers",
		Long:  "pier container prune\n\n\tRemoves all non running containers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !force {
				ok, err := confirm(g, "WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ")
				if err != nil || !ok {
					return err
				}
			}
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			ids, err := rt.PruneContainers(ctx)
			for _, id := range ids {
				fmt.Fprintln(g.Stdout, id)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation.  The default is false")
	return cmd
}

// confirm asks a yes/no question on stdin; only "y"/"Y" (and "yes") say
// yes, as podman's prompts. End of input is an error, as in podman.
func confirm(g *Globals, question string) (bool, error) {
	fmt.Fprint(g.Stdout, question)
	var line strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := g.Stdin.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			line.WriteByte(buf[0])
			continue
		}
		if err != nil {
			if err == io.EOF && line.Len() > 0 {
				break
			}
			return false, err
		}
	}
	ans := strings.ToLower(strings.TrimSpace(line.String()))
	return ans == "y" || ans == "yes", nil
}

func newCleanupCommand(g *Globals) *cobra.Command {
	var all, latest, rm bool
	cmd := &cobra.Command{
		Use:   "cleanup [options] CONTAINER [CONTAINER...]",
		Short: "Clean up network and mountpoints of one or more containers",
		Long:  "pier container cleanup\n\n   Cleans up mount points and network stacks on one or more containers from the host. The container name or ID can be used. This command is used internally when running containers, but can also be used if container cleanup has failed when a container exits.",
		Args:  needNamesOrAll(&all, &latest),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// A container already removed (run --rm, rm -f) needs no
			// cleanup: the monitor's exit command must not fail on it.
			rt, ts, err := openTargets(ctx, g, args, all, latest, nil, true)
			if err != nil {
				return err
			}
			return outputErrors(g.Stderr, forEach(g, ts, func(tg target) error {
				id := tg.ctr.Config.ID
				err := rt.Cleanup(ctx, id)
				if err == nil && rm {
					err = rt.Remove(ctx, id, engine.RemoveOptions{Force: true})
				}
				return ignoreMissing(err)
			}))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Cleans up all containers")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.BoolVar(&rm, "rm", false, "After cleanup, remove the container entirely")
	return cmd
}
