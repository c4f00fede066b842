package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/engine"
)

func systemDfCmd(g *Globals) *cobra.Command {
	var verbose bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   "df [options]",
		Short: "Show pier disk usage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tmpl != "" && verbose {
				return errors.New("cannot combine --format and --verbose flags")
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			du, err := rt.DiskUsage(cmd.Context())
			if err != nil {
				return err
			}
			if verbose {
				return printDfVerbose(g.Stdout, du, time.Now())
			}
			return printDfSummary(g.Stdout, du, tmpl)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "Show detailed information on disk usage")
	cmd.Flags().StringVar(&tmpl, "format", "", "Pretty-print images using a Go template")
	return cmd
}

// dfSummary is a line of `system df`, with podman's JSON fields.
type dfSummary struct {
	Type           string
	Total          int
	Active         int
	RawSize        int64
	RawReclaimable int64
}

func (d dfSummary) Size() string { return format.HumanSizeDefault(d.RawSize) }

func (d dfSummary) Reclaimable() string {
	percent := 0
	if d.RawSize > 0 {
		percent = int(math.Round(float64(d.RawReclaimable) / float64(d.RawSize) * 100))
	}
	return fmt.Sprintf("%s (%d%%)", format.HumanSizeDefault(d.RawReclaimable), percent)
}

func (d dfSummary) MarshalJSON() ([]byte, error) {
	type raw dfSummary
	return json.Marshal(struct {
		raw
		TotalCount  int
		Size        string
		Reclaimable string
	}{raw(d), d.Total, d.Size(), d.Reclaimable()})
}

// dfSummaries adds up as podman: an image is active when a container
// uses it, and only its unique size is then not reclaimable; a running
// container is active, the others' writable layers reclaimable.
func dfSummaries(du *engine.DiskUsage) []dfSummary {
	img := dfSummary{Type: "Images", Total: len(du.Images), RawSize: du.ImagesSize}
	seen := map[string]bool{}
	var used int64
	for _, i := range du.Images {
		if seen[i.ID] {
			continue
		}
		seen[i.ID] = true
		if i.Containers > 0 {
			img.Active++
			used += i.UniqueSize
		}
	}
	img.RawReclaimable = img.RawSize - used
	ctr := dfSummary{Type: "Containers", Total: len(du.Containers)}
	for _, c := range du.Containers {
		if c.Status == "running" {
			ctr.Active++
		} else {
			ctr.RawReclaimable += c.RWSize
		}
		ctr.RawSize += c.RWSize
	}
	vol := dfSummary{Type: "Local Volumes", Total: len(du.Volumes)}
	for _, v := range du.Volumes {
		vol.Active += v.Links
		vol.RawSize += v.Size
		vol.RawReclaimable += v.Reclaimable
	}
	return []dfSummary{img, ctr, vol}
}

func printDfSummary(w io.Writer, du *engine.DiskUsage, tmpl string) error {
	sums := dfSummaries(du)
	if format.IsJSON(tmpl) {
		// podman's JSON library keeps a custom marshaller's output compact
		// inside the indented list.
		lines := make([]string, 0, len(sums))
		for _, s := range sums {
			b, err := json.Marshal(s)
			if err != nil {
				return err
			}
			lines = append(lines, "    "+string(b))
		}
		_, err := fmt.Fprintf(w, "[\n%s\n]\n", strings.Join(lines, ",\n"))
		return err
	}
	if tmpl == "" {
		tmpl = "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
	}
	rows := make([]any, 0, len(sums))
	for _, s := range sums {
		rows = append(rows, s)
	}
	headers := format.Headers(dfSummary{}, map[string]string{"Size": "SIZE", "Reclaimable": "RECLAIMABLE"})
	return format.Template(w, tmpl, headers, rows, false)
}

func printDfVerbose(w io.Writer, du *engine.DiskUsage, now time.Time) error {
	var rows [][]string
	for _, i := range du.Images {
		rows = append(rows, []string{i.Repository, i.Tag, i.ID[:12], format.HumanDuration(now.Sub(i.Created)),
			format.HumanSizeDefault(i.Size), format.HumanSizeDefault(i.SharedSize), format.HumanSizeDefault(i.UniqueSize), fmt.Sprint(i.Containers)})
	}
	fmt.Fprint(w, "Images space usage:\n\n")
	if err := format.Table(w, []string{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"}, rows, false); err != nil {
		return err
	}
	rows = rows[:0]
	for _, c := range du.Containers {
		img := ""
		if len(c.ImageID) >= 12 {
			img = c.ImageID[:12]
		}
		rows = append(rows, []string{c.ID[:12], img, strings.Join(c.Command, " "), fmt.Sprint(c.LocalVolumes),
			format.HumanSizeDefault(c.RWSize), format.HumanDuration(now.Sub(c.Created)), c.Status, c.Name})
	}
	fmt.Fprint(w, "\nContainers space usage:\n\n")
	if err := format.Table(w, []string{"CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"}, rows, false); err != nil {
		return err
	}
	rows = rows[:0]
	for _, v := range du.Volumes {
		rows = append(rows, []string{v.Name, fmt.Sprint(v.Links), format.HumanSizeDefault(v.Size)})
	}
	fmt.Fprint(w, "\nLocal Volumes space usage:\n\n")
	return format.Table(w, []string{"VOLUME NAME", "LINKS", "SIZE"}, rows, false)
}
