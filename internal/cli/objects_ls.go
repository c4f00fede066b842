package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/engine"
)

// lsOpts are what an object's ls command was given.
type lsOpts struct {
	format           string
	filters          []string
	quiet, noHeading bool
	noTrunc          bool
}

// lsText is an object's words for its ls command and flags: podman's
// differ from object to object, and --noheading has -n on some only.
type lsText struct {
	short, format, filter, quiet string
	noHeadingShort               string
	noTrunc                      string // --no-trunc's help, for objects that have it
}

// objectLsCmd is `<object> ls` for networks, volumes and secrets: the
// filters parsed, the objects listed by the engine, printed by the
// object's printer.
func objectLsCmd[T any](g *Globals, txt lsText,
	list func(*engine.Runtime, context.Context, map[string][]string) ([]T, error),
	print func(*Globals, []T, *lsOpts) error) *cobra.Command {
	var o lsOpts
	cmd := &cobra.Command{
		Use:     "ls [options]",
		Aliases: []string{"list"},
		Short:   txt.short,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, fm, err := g.engineWithFilters(cmd.Context(), o.filters)
			if err != nil {
				return err
			}
			items, err := list(rt, cmd.Context(), fm)
			if err != nil {
				return err
			}
			return print(g, items, &o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", txt.format)
	f.StringArrayVarP(&o.filters, "filter", "f", nil, txt.filter)
	f.BoolVarP(&o.quiet, "quiet", "q", false, txt.quiet)
	f.BoolVarP(&o.noHeading, "noheading", txt.noHeadingShort, false, "Do not print headers")
	if txt.noTrunc != "" {
		f.BoolVar(&o.noTrunc, "no-trunc", false, txt.noTrunc)
	}
	return cmd
}
