package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// addStorageCommands adds the commands on a container's filesystem (mount,
// unmount, export, commit, `container diff`) at the top level and under
// `container`, as podman.
func addStorageCommands(root *cobra.Command, g *Globals) {
	cmds := []namedCommand{
		{[]string{"mount"}, newMountCommand}, {[]string{"unmount", "umount"}, newUnmountCommand},
		{[]string{"export"}, newExportCommand}, {[]string{"commit"}, newCommitCommand},
	}
	addWanted(root, g, cmds)
	ctr := subcommand(root, "container")
	if ctr == nil || !g.wants("container") {
		return
	}
	for _, c := range cmds {
		ctr.AddCommand(c.mk(g))
	}
	ctr.AddCommand(containerDiffCmd(g))
}

// checkAllLatest is podman's CheckAllLatestAndIDFile for commands without
// an ID file; anyArgs allows no arguments at all (mount lists mounts).
func checkAllLatest(anyArgs bool) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		all, _ := cmd.Flags().GetBool("all")
		latest, _ := cmd.Flags().GetBool("latest")
		if anyArgs && len(args) == 0 && !all && !latest {
			return nil
		}
		return checkAllLatestCIDFile(&all, &latest, nil)(cmd, args)
	}
}

// aliasNoTrunc accepts podman's --notruncate spelling of --no-trunc.
func aliasNoTrunc(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "notruncate" {
		name = "no-trunc"
	}
	return pflag.NormalizedName(name)
}

func newMountCommand(g *Globals) *cobra.Command {
	var all, latest, noTrunc bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "mount [options] [CONTAINER...]",
		Short: "Mount a working container's root filesystem",
		Long:  "pier mount\n    Lists all mounted containers mount points if no container is specified\n\n  pier mount CONTAINER-NAME-OR-ID\n    Mounts the specified container and outputs the mountpoint",
		Args:  checkAllLatest(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			listing := len(args) == 0 && !all && !latest
			if listing && tmpl != "" && !format.IsJSON(tmpl) {
				return fmt.Errorf("unknown --format argument: %q", tmpl)
			}
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			if listing {
				mounted, err := rt.MountedContainers(ctx)
				if err != nil {
					return err
				}
				return printContainerMounts(g, mounted, tmpl, noTrunc)
			}
			ts, err := pickTargets(ctx, rt, nil, all, latest, nil, false)
			if err != nil {
				return err
			}
			var errs []error
			for _, t := range ts {
				args = append(args, t.ctr.Config.ID)
			}
			for _, a := range args {
				p, err := rt.Mount(ctx, a)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintln(g.Stdout, p)
			}
			return outputErrors(g.Stderr, errs)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Mount all containers")
	f.StringVar(&tmpl, "format", "", "Print the mounted containers in specified format (json)")
	f.BoolVar(&noTrunc, "no-trunc", false, "Do not truncate output")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.SetNormalizeFunc(aliasNoTrunc)
	return cmd
}

// mountJSONCtr is podman's `mount --format json` element.
type mountJSONCtr struct {
	ID         string `json:"id"`
	Names      []string
	Mountpoint string `json:"mountpoint"`
}

func printContainerMounts(g *Globals, mounted []engine.MountReport, tmpl string, noTrunc bool) error {
	if format.IsJSON(tmpl) {
		out := make([]mountJSONCtr, 0, len(mounted))
		for _, m := range mounted {
			out = append(out, mountJSONCtr{ID: m.ID, Names: []string{m.Name}, Mountpoint: m.Path})
		}
		return format.JSON(g.Stdout, out, " ")
	}
	rows := make([][]string, 0, len(mounted))
	for _, m := range mounted {
		id := m.ID
		if !noTrunc && len(id) > 12 {
			id = id[:12]
		}
		rows = append(rows, []string{id, m.Path})
	}
	return format.Table(g.Stdout, nil, rows, true)
}

func newUnmountCommand(g *Globals) *cobra.Command {
	var all, latest, force bool
	cmd := &cobra.Command{
		Use:     "unmount [options] CONTAINER [CONTAINER...]",
		Aliases: []string{"umount"},
		Short:   "Unmount working container's root filesystem",
		Long:    "Container storage increments a mount counter each time a container is mounted.\n  When a container is unmounted, the mount counter is decremented. The container's root filesystem is physically unmounted only when the mount counter reaches zero indicating no other processes are using the mount.\n  An unmount can be forced with the --force flag.",
		Args:    checkAllLatest(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			if all {
				ids, err := rt.UnmountAll(ctx, force)
				for _, id := range ids {
					fmt.Fprintln(g.Stdout, id)
				}
				return err
			}
			if latest {
				ts, err := latestTarget(ctx, rt)
				if err != nil {
					return err
				}
				args = []string{ts[0].ctr.Config.ID}
			}
			var errs []error
			for _, a := range args {
				ok, err := rt.Unmount(ctx, a, force)
				if err != nil {
					errs = append(errs, err)
				} else if ok {
					fmt.Fprintln(g.Stdout, a)
				}
			}
			return outputErrors(g.Stderr, errs)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Unmount all of the currently mounted containers")
	f.BoolVarP(&force, "force", "f", false, "Force the complete unmount of the specified mounted containers")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}

func newExportCommand(g *Globals) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [options] CONTAINER",
		Short: "Export container's filesystem contents as a tar archive",
		Long:  "Exports container's filesystem contents as a tar archive and saves it on the local machine.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if output == "" && format.IsTerminal(g.Stdout) {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "refusing to export to terminal. Use -o flag or redirect")
			}
			if strings.Contains(output, ":") {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid filename (should not contain ':') %q", output)
			}
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			name := strings.TrimPrefix(args[0], "/")
			if output == "" {
				return rt.Export(ctx, name, g.Stdout)
			}
			// A missing container must not leave an empty file behind.
			if _, err := rt.Lookup(ctx, name); err != nil {
				return err
			}
			f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			err = rt.Export(ctx, name, f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to a specified file (default: stdout, which must be redirected)")
	return cmd
}

func newCommitCommand(g *Globals) *cobra.Command {
	var req engine.CommitRequest
	var iidFile, configFile string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "commit [options] CONTAINER [IMAGE]",
		Short: "Create new image based on the changed container",
		Long:  "Create an image from a container's changes. Optionally tag the image created, set the author with the --author flag, set the commit message with the --message flag, and make changes to the instructions with the --change flag.",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 2 {
				req.Image = args[1]
			}
			if !quiet {
				req.Report = g.Stderr
			}
			if configFile != "" {
				b, err := os.ReadFile(configFile)
				if err != nil {
					return fmt.Errorf("--config: %w", err)
				}
				req.Config = b
			}
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			id, err := rt.Commit(ctx, strings.TrimPrefix(args[0], "/"), req)
			if err != nil {
				return err
			}
			if iidFile != "" {
				if err := os.WriteFile(iidFile, []byte(id), 0o644); err != nil {
					return fmt.Errorf("failed to write image ID: %w", err)
				}
			}
			fmt.Fprintln(g.Stdout, id)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&req.Changes, "change", "c", nil, "Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR")
	f.StringVar(&configFile, "config", "", "`file` containing a container configuration to merge into the image")
	f.StringVarP(&req.Format, "format", "f", "oci", "`Format` of the image manifest and metadata")
	f.StringVar(&iidFile, "iidfile", "", "`file` to write the image ID to")
	f.StringVarP(&req.Message, "message", "m", "", "Set commit message for imported image")
	f.StringVarP(&req.Author, "author", "a", "", "Set the author for the image committed")
	f.BoolVarP(&req.Pause, "pause", "p", false, "Pause container during commit")
	f.BoolVarP(&quiet, "quiet", "q", false, "Suppress output")
	f.BoolVarP(&req.Squash, "squash", "s", false, "squash newly built layers into a single new layer")
	f.BoolVar(&req.IncludeVolumes, "include-volumes", false, "Include container volumes as image volumes")
	return cmd
}
