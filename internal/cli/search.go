//go:build !pierslim

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// searchCmd is podman 5's `search`: NAME and DESCRIPTION columns (INDEX,
// STARS, OFFICIAL and AUTOMATED stay available to --format), or NAME and
// TAG with --list-tags.
func searchCmd(g *Globals) *cobra.Command {
	var o image.SearchOptions
	var rf registryFlags
	var tmpl string
	cmd := &cobra.Command{
		Use:   "search [options] TERM",
		Short: "Search registry for image",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Registry, err = rf.finish(cmd, g); err != nil {
				return err
			}
			if o.ListTags && len(o.Filters) > 0 {
				return fmt.Errorf("filters are not applicable to list tags result: %w", errdefs.ErrInvalidArgument)
			}
			st, err := g.Images(cmd.Context())
			if err != nil {
				return err
			}
			res, err := st.Search(cmd.Context(), args[0], o)
			if err != nil {
				return err
			}
			if format.IsJSON(tmpl) {
				return format.JSON(g.Stdout, res, "    ")
			}
			if tmpl == "" {
				tmpl = "table {{.Name}}\t{{.Description}}"
				if o.ListTags {
					tmpl = "table {{.Name}}\t{{.Tag}}"
				}
			}
			if len(res) == 0 {
				return nil // podman prints no header for no result
			}
			rows := make([]any, 0, len(res))
			for _, r := range res {
				rows = append(rows, r)
			}
			return format.Template(g.Stdout, tmpl, format.Headers(image.SearchResult{}, nil), rows, false)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Limit, "limit", 0, "Limit the number of results")
	f.BoolVar(&o.NoTrunc, "no-trunc", false, "Do not truncate the output")
	f.BoolVar(&o.ListTags, "list-tags", false, "List the tags of the input registry")
	f.StringSliceVarP(&o.Filters, "filter", "f", nil, "Filter output based on conditions provided (default [])")
	f.StringVar(&tmpl, "format", "", "Change the output format to JSON or a Go template")
	rf.add(f, true)
	return cmd
}
