package cli

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.podman.io/image/v5/docker/reference"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/report"
)

// ImageSummary is podman's entities.ImageSummary (report's).
type ImageSummary = report.ImageSummary

// imageRow is one row of `images`: one per tagged name, as podman's
// imageReporter. Its methods shadow the summary's fields in templates.
type imageRow struct {
	Repository string `json:"repository,omitempty"`
	Tag        string `json:"tag,omitempty"`
	ImageSummary
	noTrunc bool
	now     time.Time
}

func (r imageRow) ID() string {
	if !r.noTrunc && len(r.ImageSummary.ID) >= 12 {
		return r.ImageSummary.ID[:12]
	}
	return "sha256:" + r.ImageSummary.ID
}
func (r imageRow) created() time.Time   { return time.Unix(r.ImageSummary.Created, 0).UTC() }
func (r imageRow) Created() string      { return format.HumanAgo(r.now, r.created()) }
func (r imageRow) CreatedSince() string { return r.Created() }
func (r imageRow) CreatedAt() string    { return r.created().String() }
func (r imageRow) CreatedTime() string  { return r.CreatedAt() }
func (r imageRow) Size() string         { return format.HumanSize(r.ImageSummary.Size) }
func (r imageRow) History() string      { return strings.Join(r.ImageSummary.History, ", ") }

// imagesOpts are the output flags of `images`.
type imagesOpts struct {
	list                                        image.ListOptions
	tmpl                                        string
	sort                                        choice
	quiet, noTrunc, noHeading, digests, history bool
}

func imagesCmd(g *Globals) *cobra.Command {
	o := imagesOpts{sort: choice{value: "created", choices: []string{"created", "id", "repository", "size", "tag"}}}
	cmd := &cobra.Command{
		Use:   "images [options] [IMAGE]",
		Short: "List images in local storage",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if len(o.list.Filters) > 0 {
					return errors.New("cannot specify an image and a filter(s)")
				}
				o.list.Filters = append(o.list.Filters, "reference="+args[0])
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			imgs, err := rt.ListImages(cmd.Context(), o.list)
			if err != nil {
				return err
			}
			return printImages(g.Stdout, imgs, &o, cmd.Flags().Changed("format"))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.list.All, "all", "a", false, "Show all images (default hides intermediate images)")
	f.StringArrayVarP(&o.list.Filters, "filter", "f", nil, "Filter output based on conditions provided (default [])")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Display only image IDs")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Do not truncate output")
	f.BoolVarP(&o.noHeading, "noheading", "n", false, "Do not print column headings")
	f.BoolVar(&o.digests, "digests", false, "Show digests")
	f.BoolVar(&o.history, "history", false, "Display the image name history")
	f.StringVar(&o.tmpl, "format", "", "Change the output format to JSON or a Go template")
	f.Var(&o.sort, "sort", "Sort by "+o.sort.Choices())
	return cmd
}

// choice is a flag value limited to a set, with podman's (validate.Value)
// error text.
type choice struct {
	value   string
	choices []string
}

func (c *choice) String() string  { return c.value }
func (c *choice) Type() string    { return "choice" }
func (c *choice) Choices() string { return strings.Join(c.choices, ", ") }
func (c *choice) Set(v string) error {
	if !slices.Contains(c.choices, v) {
		return fmt.Errorf("%q is not a valid value.  Choose from: %q", v, c.Choices())
	}
	c.value = v
	return nil
}

// imageRows expands images into podman's rows (one per tagged name; an
// image with only digested names is one "<none>"-tagged row, one without
// names a "<none>" row) and sorts them by key.
func imageRows(imgs []*image.Image, key string, noTrunc bool, now time.Time) []imageRow {
	var rows []imageRow
	for _, img := range imgs {
		base := imageRow{ImageSummary: summarize(img), noTrunc: noTrunc, now: now}
		var tagged, untagged []imageRow
		for _, n := range img.Names {
			r := base
			r.Repository, r.Tag = repoTag(n)
			if r.Tag == "<none>" {
				untagged = append(untagged, r)
			} else {
				tagged = append(tagged, r)
			}
		}
		switch {
		case len(tagged) > 0:
			rows = append(rows, tagged...)
		case len(untagged) > 0:
			rows = append(rows, untagged[0])
		default:
			base.Repository, base.Tag = "<none>", "<none>"
			rows = append(rows, base)
		}
	}
	slices.SortStableFunc(rows, func(a, b imageRow) int {
		switch key {
		case "id":
			return cmp.Compare(a.ID(), b.ID())
		case "repository":
			return cmp.Or(cmp.Compare(a.Repository, b.Repository), cmp.Compare(a.Tag, b.Tag))
		case "size":
			return cmp.Compare(a.ImageSummary.Size, b.ImageSummary.Size)
		case "tag":
			return cmp.Compare(a.Tag, b.Tag)
		}
		return cmp.Compare(b.ImageSummary.Created, a.ImageSummary.Created)
	})
	return rows
}

// repoTag splits a stored name into repository and tag ("<none>" for a
// digested name), as podman's tokenRepoTag.
func repoTag(name string) (string, string) {
	ref, err := reference.Parse(name)
	if err != nil {
		return "<none>", "<none>"
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return name, "<none>"
	}
	tag := "<none>"
	if t, ok := ref.(reference.Tagged); ok && t.Tag() != "" {
		tag = t.Tag()
	}
	return cmp.Or(named.Name(), "<none>"), tag
}

func summarize(img *image.Image) ImageSummary { return report.SummarizeImage(img) }

func printImages(w io.Writer, imgs []*image.Image, o *imagesOpts, userFormat bool) error {
	rows := imageRows(imgs, o.sort.value, o.noTrunc, time.Now())
	switch {
	case format.IsJSON(o.tmpl):
		type jsonImage struct {
			ImageSummary
			Created   int64
			CreatedAt string
		}
		out := make([]jsonImage, 0, len(rows))
		for _, r := range rows {
			s := r.ImageSummary
			s.RepoTags, s.IsManifestList = nil, nil
			out = append(out, jsonImage{s, s.Created, r.created().Format(time.RFC3339Nano)})
		}
		return format.JSON(w, out, "    ")
	case o.quiet:
		var seen []string
		for _, r := range rows {
			if !slices.Contains(seen, r.ID()) {
				seen = append(seen, r.ID())
				fmt.Fprintln(w, r.ID())
			}
		}
		return nil
	}
	tmpl := o.tmpl
	if !userFormat {
		tmpl = defaultImagesFormat(o, len(imgs) > 0 && imgs[len(imgs)-1].ReadOnly)
	}
	anyRows := make([]any, 0, len(rows))
	for _, r := range rows {
		anyRows = append(anyRows, r)
	}
	headers := format.Headers(ImageSummary{}, map[string]string{"ID": "IMAGE ID", "ReadOnly": "R/O"})
	headers["Repository"], headers["Tag"] = "REPOSITORY", "TAG"
	return format.Template(w, tmpl, headers, anyRows, o.noHeading || !format.IsTable(tmpl))
}

// defaultImagesFormat is podman's column set; as podman, an R/O column
// shows when the last image listed is read-only.
func defaultImagesFormat(o *imagesOpts, readOnly bool) string {
	cols := []string{"{{.Repository}}", "{{.Tag}}"}
	if o.digests {
		cols = append(cols, "{{.Digest}}")
	}
	cols = append(cols, "{{.ID}}", "{{.Created}}", "{{.Size}}")
	if o.history {
		cols = append(cols, "{{if .History}}{{.History}}{{else}}<none>{{end}}")
	}
	if readOnly {
		cols = append(cols, "{{.ReadOnly}}")
	}
	return "table " + strings.Join(cols, "\t")
}
