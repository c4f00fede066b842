//go:build !pierslim

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// addImageCommands adds the image commands at the top level (images, rmi,
// tag, ...) and under `image`, as podman.
func addImageCommands(root *cobra.Command, g *Globals) {
	img := &cobra.Command{Use: "image", Short: "Manage images", RunE: func(c *cobra.Command, _ []string) error { return c.Help() }}
	root.AddCommand(img)
	addWanted(root, g, []namedCommand{
		{[]string{"images"}, imagesCmd}, {[]string{"rmi"}, rmiCmd}, {[]string{"import"}, importCmd},
		{[]string{"load"}, loadCmd}, {[]string{"save"}, saveCmd}, {[]string{"tag"}, tagCmd},
		{[]string{"untag"}, untagCmd},
	})
	addBuildCommands(root, img, g)
	if !g.wants("image") {
		return
	}
	ls := imagesCmd(g)
	ls.Use, ls.Aliases = "list [options] [IMAGE]", []string{"ls"}
	rm := rmiCmd(g)
	rm.Use = "rm [options] IMAGE [IMAGE...]"
	img.AddCommand(ls, rm, importCmd(g), loadCmd(g), saveCmd(g), tagCmd(g), untagCmd(g),
		imageInspectCmd(g), imageExistsCmd(g), imagePruneCmd(g), imageTrustCmd(g))
}

func importCmd(g *Globals) *cobra.Command {
	var changes []string
	var message string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "import [options] PATH [REFERENCE]",
		Short: "Import a tarball to create a filesystem image",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, closeSrc, err := openImportSource(g, args[0])
			if err != nil {
				return err
			}
			defer closeSrc()
			ref := ""
			if len(args) == 2 {
				ref = args[1]
			}
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			img, err := st.Import(progressCtx(cmd.Context(), g, quiet), src, ref, changes, message)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, "sha256:"+img.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&changes, "change", "c", nil, "Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR")
	f.StringVarP(&message, "message", "m", "", "Set commit message for imported image")
	f.BoolVarP(&quiet, "quiet", "q", false, "Suppress output")
	return cmd
}

// openImportSource opens a file, "-" (stdin) or an http(s) URL.
func openImportSource(g *Globals, arg string) (io.Reader, func(), error) {
	switch {
	case arg == "-":
		return g.Stdin, func() {}, nil
	case strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://"):
		resp, err := http.Get(arg) //nolint:gosec // the user asked for this URL
		if err != nil {
			return nil, nil, fmt.Errorf("downloading %s: %w", arg, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, nil, fmt.Errorf("downloading %s: %s", arg, resp.Status)
		}
		return resp.Body, func() { resp.Body.Close() }, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, nil, fmt.Errorf("opening %s: %w", arg, errors.Join(errdefs.ErrInvalidArgument, err))
	}
	return f, func() { f.Close() }, nil
}

// progressCtx sends image-copy progress to stderr unless quiet, as podman.
func progressCtx(ctx context.Context, g *Globals, quiet bool) context.Context {
	if quiet {
		return ctx
	}
	return image.WithProgress(ctx, g.Stderr)
}

func loadCmd(g *Globals) *cobra.Command {
	var input string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "load [options]",
		Short: "Load image(s) from a tar archive",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var src io.Reader = g.Stdin
			if input != "" {
				f, err := os.Open(input)
				if err != nil {
					// podman checks access first, and says so.
					if pe, ok := err.(*os.PathError); ok {
						pe.Op = "faccessat"
					}
					return err
				}
				defer f.Close()
				src = f
				if fi, err := f.Stat(); err == nil && fi.IsDir() {
					return loadDir(cmd.Context(), g, input, quiet)
				}
			} else if format.IsTerminal(g.Stdin) {
				return errors.New("cannot read from terminal, use command-line redirection or the --input flag")
			}
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			names, err := st.Load(progressCtx(cmd.Context(), g, quiet), src)
			for _, n := range names {
				fmt.Fprintln(g.Stdout, "Loaded image: "+n)
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "", "Read from specified archive file (default: stdin)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress the output")
	return cmd
}

// loadDir is `load -i DIR` of an oci-dir or docker-dir.
func loadDir(ctx context.Context, g *Globals, dir string, quiet bool) error {
	st, err := g.Images(ctx)
	if err != nil {
		return err
	}
	names, err := st.LoadDir(progressCtx(ctx, g, quiet), dir)
	for _, n := range names {
		fmt.Fprintln(g.Stdout, "Loaded image: "+n)
	}
	return err
}

func saveCmd(g *Globals) *cobra.Command {
	var output string
	var opts image.SaveOptions
	var quiet, multi bool
	cmd := &cobra.Command{
		Use:   "save [options] IMAGE [IMAGE...]",
		Short: "Save image(s) to an archive",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("need at least 1 argument")
			}
			valid := []string{image.FormatOCIDir, image.FormatOCIArchive, image.FormatDockerDir, image.FormatDockerArchive}
			if !slices.Contains(valid, opts.Format) {
				return fmt.Errorf("format value must be one of %s", strings.Join(valid, " "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("compress") && opts.Format != image.FormatDockerDir {
				return errors.New("--compress can only be set when --format is 'docker-dir'")
			}
			if output == "" {
				// podman is quiet when the archive goes to stdout.
				quiet = true
				if format.IsTerminal(g.Stdout) {
					return errors.New("refusing to save to terminal. Use -o flag or redirect")
				}
			}
			// Without -m, the arguments after the first are more tags for
			// the first image, as podman reads them.
			refs := args
			if !multi {
				refs, opts.AdditionalTags = args[:1], args[1:]
			}
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			ctx := progressCtx(cmd.Context(), g, quiet)
			if output != "" {
				return st.SaveFile(ctx, refs, output, opts)
			}
			return st.Save(ctx, refs, g.Stdout, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "", "Write to a specified file (default: stdout, which must be redirected)")
	f.StringVar(&opts.Format, "format", image.FormatDockerArchive, "Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive, docker-dir (directory with v2s2 manifest type)")
	f.BoolVarP(&quiet, "quiet", "q", false, "Suppress the output")
	f.BoolVarP(&multi, "multi-image-archive", "m", false, "Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)")
	f.BoolVar(&opts.OCIAcceptUncompressedLayers, "uncompressed", false, "Accept uncompressed layers when copying OCI images")
	f.BoolVar(&opts.DirCompress, "compress", false, "Compress tarball image layers when saving to a directory using the 'dir' transport. (default is same compression type as source)")
	return cmd
}

func rmiCmd(g *Globals) *cobra.Command {
	var opts image.RemoveOptions
	cmd := &cobra.Command{
		Use:   "rmi [options] IMAGE [IMAGE...]",
		Short: "Remove one or more images from local storage",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !opts.All {
				return errors.New("image name or ID must be specified")
			}
			if len(args) > 0 && opts.All {
				return errors.New("when using the --all switch, you may not pass any images names or IDs")
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			// As podman: --force implies --ignore.
			opts.Ignore = opts.Ignore || opts.Force
			untagged, deleted, err := rt.RemoveImages(cmd.Context(), args, opts)
			return rmiReport(g, untagged, deleted, err)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Force Removal of the image")
	cmd.Flags().BoolVarP(&opts.All, "all", "a", false, "Remove all images")
	cmd.Flags().BoolVarP(&opts.Ignore, "ignore", "i", false, "Ignore errors if a specified image does not exist")
	cmd.Flags().BoolVar(&opts.NoPrune, "no-prune", false, "Do not remove dangling images")
	return cmd
}

// rmiReport prints what `rmi` and `manifest rm` did as podman does, then
// returns the errors as one (podman's "N errors occurred:" list when there
// are several) with podman's rmi exit code: 2 if an image is in use, 1 if
// the only failures are images that do not exist, else 125.
func rmiReport(g *Globals, untagged, deleted []string, err error) error {
	for _, u := range untagged {
		fmt.Fprintln(g.Stdout, "Untagged: "+u)
	}
	for _, d := range deleted {
		fmt.Fprintln(g.Stdout, "Deleted: "+d)
	}
	errs := unjoin(err)
	if len(errs) == 0 {
		return nil
	}
	joined := errs[0]
	if len(errs) > 1 {
		var b strings.Builder
		fmt.Fprintf(&b, "%d errors occurred:", len(errs))
		for _, e := range errs {
			b.WriteString("\n\t* " + e.Error())
		}
		joined = errors.New(b.String())
	}
	missing := 0
	for _, e := range errs {
		if errors.Is(e, define.ErrImageInUse) {
			return errdefs.WithExitCode(2, joined)
		}
		if errors.Is(e, define.ErrNoSuchImage) {
			missing++
		}
	}
	if missing == len(errs) {
		return errdefs.WithExitCode(1, joined)
	}
	return joined
}

// unjoin is the errors that errors.Join put together, or err alone.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func tagCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "tag IMAGE TARGET_NAME [TARGET_NAME...]",
		Short: "Add an additional name to a local image",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			return st.Tag(cmd.Context(), args[0], args[1:]...)
		},
	}
}

func untagCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "untag IMAGE [IMAGE...]",
		Short: "Remove a name from a local image",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			return st.Untag(cmd.Context(), args[0], args[1:]...)
		},
	}
}

func imageExistsCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists IMAGE",
		Short: "Check if an image exists in local storage",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			return existsExit(st.Exists(cmd.Context(), args[0]))
		},
	}
}

func imageInspectCmd(g *Globals) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "inspect [options] IMAGE [IMAGE...]",
		Short: "Display the configuration of an image",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := inspectImages(cmd.Context(), g, args)
			if perr := printInspect(g.Stdout, data, tmpl); perr != nil {
				return perr
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "json", "Format the output to a Go template or json")
	return cmd
}

func imagePruneCmd(g *Globals) *cobra.Command {
	var all, force, external bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove unused images",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !force {
				what := "all dangling images"
				if all {
					what = "all images without at least one container associated with them"
				}
				ok, err := confirm(g, fmt.Sprintf("WARNING! This command removes %s.\nAre you sure you want to continue? [y/N] ", what))
				if err != nil {
					return err // podman 5: no answer at all is "Error: EOF"
				}
				if !ok {
					return nil
				}
			}
			if err := checkFilterSyntax(filters); err != nil {
				return err
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			pruned, err := rt.PruneImages(cmd.Context(), image.PruneOptions{All: all, Filters: filters, External: external})
			for _, p := range pruned {
				fmt.Fprintln(g.Stdout, p.ID)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all images not in use by containers, not just dangling ones")
	f.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	f.BoolVar(&external, "external", false, "Remove images even when they are used by external containers (e.g., by build containers)")
	f.StringArrayVar(&filters, "filter", nil, "Provide filter values (e.g. 'label=<key>=<value>')")
	return cmd
}
