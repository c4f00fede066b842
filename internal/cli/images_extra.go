package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// historyRow carries podman's template field names for `history --format`.
type historyRow struct {
	ID, Created, CreatedAt, CreatedSince, CreatedBy, Size, Comment string
	Tags                                                           []string
}

// historyJSON is podman's `history --format json` element: the layer
// fields, and "Created" again as RFC 3339 text.
type historyJSON struct {
	ID         string    `json:"id"`
	Created    time.Time `json:"created"`
	CreatedBy  string    `json:",omitempty"`
	Tags       []string  `json:"tags,omitempty"`
	Size       int64     `json:"size"`
	Comment    string    `json:"comment,omitempty"`
	CreatedStr string    `json:"Created"`
}

const defaultHistoryFormat = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"

func historyCmd(g *Globals) *cobra.Command {
	var human, noTrunc, quiet bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "history [options] IMAGE",
		Short: "Show history of a specified image",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			h, err := st.History(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printHistory(g.Stdout, h, tmpl, human, noTrunc || cmd.Flags().Changed("notruncate"), quiet)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&human, "human", "H", true, "Display sizes and dates in human readable format")
	f.BoolVar(&noTrunc, "no-trunc", false, "Do not truncate the output")
	f.Bool("notruncate", false, "Do not truncate the output")
	_ = f.MarkHidden("notruncate")
	f.BoolVarP(&quiet, "quiet", "q", false, "Display the numeric IDs only")
	f.StringVar(&tmpl, "format", "", "Change the output to JSON or a Go template")
	return cmd
}

func printHistory(w io.Writer, h []image.HistoryEntry, tmpl string, human, noTrunc, quiet bool) error {
	if format.IsJSON(tmpl) {
		out := make([]historyJSON, 0, len(h))
		for _, e := range h {
			out = append(out, historyJSON{ID: e.ID, Created: e.Created, CreatedBy: e.CreatedBy, Tags: e.Tags,
				Size: e.Size, Comment: e.Comment, CreatedStr: e.Created.Format(time.RFC3339)})
		}
		// podman prints the list on one line here, HTML-escaped ("\u003cmissing\u003e").
		return json.NewEncoder(w).Encode(out)
	}
	switch {
	case quiet:
		tmpl = "{{.ID}}"
	case tmpl == "":
		tmpl = defaultHistoryFormat
	}
	rows := make([]any, 0, len(h))
	for _, e := range h {
		r := historyRow{
			ID: e.ID, CreatedBy: e.CreatedBy, Size: format.HumanSizeCompact(e.Size), Comment: e.Comment, Tags: e.Tags,
			CreatedAt: e.Created.Format(time.RFC3339), CreatedSince: format.HumanSince(e.Created),
		}
		r.Created = r.CreatedSince
		if !human {
			r.Created = r.CreatedAt
		}
		if !noTrunc {
			if len(r.ID) == 64 {
				r.ID = r.ID[:12]
			}
			if len(r.CreatedBy) > 45 {
				r.CreatedBy = r.CreatedBy[:42] + "..."
			}
		}
		rows = append(rows, r)
	}
	// CreatedAt and CreatedSince are methods in podman: no header of their own.
	headers := format.Headers(historyRow{}, nil)
	delete(headers, "CreatedAt")
	delete(headers, "CreatedSince")
	return format.Template(w, tmpl, headers, rows, false)
}

func imageTreeCmd(g *Globals) *cobra.Command {
	var whatRequires bool
	cmd := &cobra.Command{
		Use:   "tree [options] IMAGE",
		Short: "Print layer hierarchy of an image in a tree format",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			t, err := st.Tree(cmd.Context(), args[0], whatRequires)
			if err != nil {
				return err
			}
			// The tree ends in a newline and podman prints it with Println.
			fmt.Fprintln(g.Stdout, t)
			return nil
		},
	}
	cmd.Flags().BoolVar(&whatRequires, "whatrequires", false, "Show all child images and layers of the specified image")
	return cmd
}

// mountJSON is podman's `image mount --format json` element.
type mountJSON struct {
	ID           string   `json:"id"`
	Names        []string `json:"Names"`
	Repositories []string `json:"Repositories"`
	Mountpoint   string   `json:"mountpoint"`
}

func imageMountCmd(g *Globals) *cobra.Command {
	var all bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "mount [options] [IMAGE...]",
		Short: "Mount an image's root filesystem",
		Long:  "Mounts the specified images (read-only) and prints their mount points.\nWithout an image, lists the mounted images.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all && len(args) > 0 {
				return fmt.Errorf("when using the --all switch, you may not pass any image names or IDs: %w", errdefs.ErrInvalidArgument)
			}
			if tmpl != "" && !format.IsJSON(tmpl) {
				return fmt.Errorf("unknown --format argument: %q", tmpl)
			}
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if len(args) == 0 && !all {
				mounted, err := st.MountedImages(ctx)
				if err != nil {
					return err
				}
				return printMounts(g.Stdout, mounted, tmpl)
			}
			refs := args
			if all {
				imgs, err := st.List(ctx, image.ListOptions{All: true})
				if err != nil {
					return err
				}
				for _, i := range imgs {
					refs = append(refs, i.ID)
				}
			}
			// Every name is resolved before anything is mounted, as
			// podman: a typo mounts nothing.
			for _, r := range refs {
				if _, err := st.Lookup(ctx, r); err != nil {
					return err
				}
			}
			mounted := make([]*image.MountedImage, 0, len(refs))
			for _, r := range refs {
				m, err := st.MountImage(ctx, r)
				if err != nil {
					return err
				}
				mounted = append(mounted, m)
			}
			// One named image prints its path alone; --all, several
			// images or --format print the table.
			if len(args) == 1 && tmpl == "" {
				fmt.Fprintln(g.Stdout, mounted[0].Path)
				return nil
			}
			return printMounts(g.Stdout, mounted, tmpl)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Mount all images")
	cmd.Flags().StringVar(&tmpl, "format", "", "Print the mounted images in specified format (json)")
	return cmd
}

func printMounts(w io.Writer, mounted []*image.MountedImage, tmpl string) error {
	if format.IsJSON(tmpl) {
		out := make([]mountJSON, 0, len(mounted))
		for _, m := range mounted {
			out = append(out, mountJSON{ID: m.ID, Names: []string{m.Digest}, Repositories: m.RepoTags, Mountpoint: m.Path})
		}
		return format.JSON(w, out, " ")
	}
	rows := make([][]string, 0, len(mounted))
	for _, m := range mounted {
		name := m.ID
		if len(m.RepoTags) > 0 {
			name = m.RepoTags[0]
		}
		rows = append(rows, []string{name, m.Path})
	}
	return format.Table(w, nil, rows, true)
}

func imageUnmountCmd(g *Globals) *cobra.Command {
	var all, force bool
	cmd := &cobra.Command{
		Use:     "unmount [options] IMAGE [IMAGE...]",
		Aliases: []string{"umount"},
		Short:   "Unmount an image's root filesystem",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				if all {
					return fmt.Errorf("when using the --all switch, you may not pass any image names or IDs: %w", errdefs.ErrInvalidArgument)
				}
				return fmt.Errorf("image name or ID must be specified: %w", errdefs.ErrInvalidArgument)
			}
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if all {
				mounted, err := st.MountedImages(ctx)
				if err != nil {
					return err
				}
				for _, m := range mounted {
					args = append(args, m.ID)
				}
			}
			var errs []error
			for _, a := range args {
				id, ok, err := st.UnmountImage(ctx, a, force)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if ok {
					fmt.Fprintln(g.Stdout, id)
				}
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Unmount all of the currently mounted images")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force the complete unmount of the specified mounted images")
	return cmd
}

// diffJSON is podman's `diff --format json`.
type diffJSON struct {
	Changed []string `json:"changed,omitempty"`
	Added   []string `json:"added,omitempty"`
	Deleted []string `json:"deleted,omitempty"`
}

// imageDiffCmd is `image diff`, or with topLevel the `diff` command that
// also takes a container (compared to its image) or a layer ID.
func imageDiffCmd(g *Globals, topLevel bool) *cobra.Command {
	kind := image.DiffImage
	if topLevel {
		kind = image.DiffAll
	}
	cmd := diffCmd(g, kind)
	if topLevel {
		cmd.Use = "diff [options] {CONTAINER|IMAGE} [IMAGE]"
		cmd.Short = "Display the changes to the object's file system"
	}
	return cmd
}

// containerDiffCmd is `container diff`: containers in storage only,
// buildah's included.
func containerDiffCmd(g *Globals) *cobra.Command {
	cmd := diffCmd(g, image.DiffContainer)
	cmd.Use = "diff [options] CONTAINER [CONTAINER]"
	cmd.Short = "Inspect changes to the container's file systems"
	return cmd
}

func diffCmd(g *Globals, kind image.DiffKind) *cobra.Command {
	var tmpl string
	var latest bool
	withLatest := kind&image.DiffContainer != 0
	cmd := &cobra.Command{
		Use:   "diff [options] IMAGE [IMAGE]",
		Short: "Inspect changes to the image's file systems",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if tmpl != "" && !format.IsJSON(tmpl) {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "only supported value for '--format' is 'json'")
			}
			ctx := cmd.Context()
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			if latest {
				ts, err := latestTarget(ctx, rt)
				if err != nil {
					return err
				}
				args = []string{ts[0].ctr.Config.ID}
			}
			other := ""
			if len(args) == 2 {
				other = args[1]
			}
			changes, err := rt.Diff(ctx, strings.TrimPrefix(args[0], "/"), other, kind)
			if err != nil {
				return err
			}
			return printChanges(g.Stdout, changes, tmpl)
		},
	}
	if withLatest {
		// podman's check for commands that take a container or --latest.
		cmd.Args = func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 0 && latest:
				return errors.New("--latest and containers cannot be used together")
			case len(args) == 0 && !latest:
				return fmt.Errorf("%q requires a name, id, or the \"--latest\" flag", cmd.CommandPath())
			case latest:
				return nil
			}
			return cobra.RangeArgs(1, 2)(cmd, args)
		}
		cmd.Flags().BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	}
	cmd.Flags().StringVar(&tmpl, "format", "", "Change the output format (json)")
	return cmd
}

func printChanges(w io.Writer, changes []image.Change, tmpl string) error {
	if format.IsJSON(tmpl) {
		var out diffJSON
		for _, c := range changes {
			switch c.Kind {
			case "A":
				out.Added = append(out.Added, c.Path)
			case "D":
				out.Deleted = append(out.Deleted, c.Path)
			default:
				out.Changed = append(out.Changed, c.Path)
			}
		}
		return format.JSON(w, out, "     ")
	}
	var b strings.Builder
	for _, c := range changes {
		b.WriteString(c.Kind + " " + c.Path + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
