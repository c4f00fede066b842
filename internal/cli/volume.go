package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

func addVolumeCommands(root *cobra.Command, g *Globals) {
	v := &cobra.Command{Use: "volume", Short: "Manage volumes", RunE: func(c *cobra.Command, _ []string) error { return c.Help() }}
	root.AddCommand(v)
	if !g.wants("volume") {
		return
	}
	v.AddCommand(volumeCreateCmd(g), volumeLsCmd(g), volumeInspectCmd(g), volumeRmCmd(g),
		volumePruneCmd(g), volumeExistsCmd(g), volumeMountCmd(g, true), volumeMountCmd(g, false),
		volumeExportCmd(g), volumeImportCmd(g), volumeReloadCmd(g))
}

func volumeCreateCmd(g *Globals) *cobra.Command {
	var req engine.VolumeCreateRequest
	var labels, opts []string
	var uid, gid int
	cmd := &cobra.Command{
		Use:   "create [options] [NAME]",
		Short: "Create a new volume",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				req.Name = args[0]
			}
			var err error
			if req.Labels, req.Options, err = labelsAndOptions(labels, opts); err != nil {
				return err
			}
			if cmd.Flags().Changed("uid") {
				req.UID = &uid
			}
			if cmd.Flags().Changed("gid") {
				req.GID = &gid
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			v, err := rt.VolumeCreate(cmd.Context(), req)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, v.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&req.Driver, "driver", "d", "local", "Specify volume driver name")
	f.StringArrayVarP(&labels, "label", "l", nil, "Set metadata for a volume (default [])")
	f.StringArrayVarP(&opts, "opt", "o", nil, "Set driver specific options (default [])")
	f.BoolVar(&req.Ignore, "ignore", false, "Don't fail if volume already exists")
	f.IntVar(&uid, "uid", 0, "Set the UID of the volume owner")
	f.IntVar(&gid, "gid", 0, "Set the GID of the volume owner")
	return cmd
}

func volumeLsCmd(g *Globals) *cobra.Command {
	return objectLsCmd(g, lsText{
		short:          "List volumes",
		format:         "Format volume output using Go template",
		filter:         "Filter volume output",
		quiet:          "Print volume output in quiet mode",
		noHeadingShort: "n",
	}, (*engine.Runtime).VolumeList, printVolumes)
}

func printVolumes(g *Globals, vols []*engine.VolumeReport, o *lsOpts) error {
	tmpl, quiet, noHeading := o.format, o.quiet, o.noHeading
	if format.IsJSON(tmpl) {
		return format.JSON(g.Stdout, vols, "  ")
	}
	if quiet {
		for _, v := range vols {
			fmt.Fprintln(g.Stdout, v.Name)
		}
		return nil
	}
	if tmpl == "" {
		tmpl = "table {{.Driver}}\t{{.Name}}"
	}
	rows := make([]any, 0, len(vols))
	for _, v := range vols {
		rows = append(rows, v)
	}
	headers := format.Headers(engine.VolumeReport{}, map[string]string{"Name": "VOLUME NAME"})
	return format.Template(g.Stdout, tmpl, headers, rows, noHeading)
}

func volumeInspectCmd(g *Globals) *cobra.Command {
	var tmpl string
	var all bool
	cmd := &cobra.Command{
		Use:   "inspect [options] VOLUME [VOLUME...]",
		Short: "Display detailed information on one or more volumes",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "provide one or more volume names or use --all")
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			var reps []any
			var errs []error
			if all {
				vols, err := rt.VolumeList(cmd.Context(), nil)
				if err != nil {
					return err
				}
				for _, v := range vols {
					args = append(args, v.Name)
				}
			}
			for _, a := range args {
				rep, err := rt.VolumeInspect(cmd.Context(), a)
				if err != nil {
					errs = append(errs, noSuchVolume(a, err))
					continue
				}
				reps = append(reps, rep)
			}
			if err := printNetworkInspect(g, reps, tmpl); err != nil {
				return err
			}
			return joinErrs(g, errs)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "json", "Format volume output using Go template")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Inspect all volumes")
	return cmd
}

// noSuchVolume words a missing volume as podman's inspect and rm do.
func noSuchVolume(name string, err error) error {
	if errors.Is(err, define.ErrNoSuchVolume) {
		return errdefs.Errorf(errdefs.ErrNotFound, "no such volume %s", name)
	}
	return err
}

func volumeRmCmd(g *Globals) *cobra.Command {
	var force, all bool
	var timeout uint
	cmd := &cobra.Command{
		Use:     "rm [options] VOLUME [VOLUME...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more volumes",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "choose either one or more volumes or all")
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			if all {
				vols, err := rt.VolumeList(cmd.Context(), nil)
				if err != nil {
					return err
				}
				for _, v := range vols {
					args = append(args, v.Name)
				}
			}
			var t *uint
			if cmd.Flags().Changed("time") {
				t = &timeout
			}
			var errs []error
			for _, a := range args {
				err := rt.VolumeRemove(cmd.Context(), a, force, t)
				switch {
				case err == nil:
					fmt.Fprintln(g.Stdout, a)
				case force && errors.Is(err, define.ErrNoSuchVolume):
				default:
					errs = append(errs, err)
				}
			}
			return volumeRmExit(joinErrs(g, errs))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all volumes")
	f.BoolVarP(&force, "force", "f", false, "Remove a volume by force, even if it is being used by a container")
	f.UintVarP(&timeout, "time", "t", 10, "Seconds to wait for running containers to stop before killing the container")
	return cmd
}

// volumeRmExit is podman's: 1 for a missing volume, 2 for one in use.
func volumeRmExit(err error) error {
	switch {
	case errors.Is(err, define.ErrVolumeBeingUsed):
		return errdefs.WithExitCode(2, err)
	case errors.Is(err, errdefs.ErrNotFound):
		return errdefs.WithExitCode(1, err)
	}
	return err
}

func volumePruneCmd(g *Globals) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove all unused volumes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, fm, err := g.engineWithFilters(cmd.Context(), filters)
			if err != nil {
				return err
			}
			if !force {
				ok, err := confirmVolumePrune(cmd.Context(), g, rt, fm)
				if err != nil || !ok {
					return err
				}
			}
			names, err := rt.VolumePrune(cmd.Context(), fm)
			for _, n := range names {
				fmt.Fprintln(g.Stdout, n)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	f.StringArrayVar(&filters, "filter", nil, "Provide filter values (e.g. 'label=<key>=<value>')")
	return cmd
}

// confirmVolumePrune lists the unused volumes and asks, as podman does.
func confirmVolumePrune(ctx context.Context, g *Globals, rt *engine.Runtime, fm map[string][]string) (bool, error) {
	withUnused := map[string][]string{"dangling": {"true"}}
	for k, v := range fm {
		withUnused[k] = v
	}
	vols, err := rt.VolumeList(ctx, withUnused)
	if err != nil {
		return false, err
	}
	var b strings.Builder
	b.WriteString("WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n")
	for _, v := range vols {
		b.WriteString(v.Name + "\n")
	}
	b.WriteString("Are you sure you want to continue? [y/N] ")
	return confirm(g, b.String())
}

func volumeExistsCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists VOLUME",
		Short: "Check if volume exists",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			return existsExit(rt.VolumeExists(cmd.Context(), args[0]))
		},
	}
}

// volumeMountCmd is `volume mount` (prints the data directory: a local
// volume's data is always there) and `volume unmount` (nothing to undo).
func volumeMountCmd(g *Globals, mount bool) *cobra.Command {
	use, short := "mount VOLUME [VOLUME...]", "Mount volume"
	if !mount {
		use, short = "unmount VOLUME [VOLUME...]", "Unmount volume"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			var errs []error
			for _, a := range args {
				rep, err := rt.VolumeInspect(cmd.Context(), a)
				switch {
				case err != nil:
					errs = append(errs, err)
				case mount:
					fmt.Fprintln(g.Stdout, rep.Mountpoint)
				default:
					fmt.Fprintln(g.Stdout, rep.Name)
				}
			}
			return joinErrs(g, errs)
		},
	}
	if !mount {
		cmd.Aliases = []string{"umount"}
	}
	return cmd
}
