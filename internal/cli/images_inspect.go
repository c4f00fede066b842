package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/pier-engine/pier/internal/cli/format"
)

// inspectImages inspects each name, going on past failures as podman does
// (the found ones are printed, the errors joined). `pier inspect` reuses it.
func inspectImages(ctx context.Context, g *Globals, names []string) ([]any, error) {
	st, err := g.Images(ctx)
	if err != nil {
		return nil, err
	}
	var out []any
	var errs []error
	for _, n := range names {
		d, err := st.Inspect(ctx, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, d)
	}
	return out, errors.Join(errs...)
}

// printInspect prints inspect results as podman: a JSON array indented by
// five spaces, or a template per item.
func printInspect(w io.Writer, data []any, tmpl string) error {
	return printInspectIndent(w, data, tmpl, "     ")
}

// printInspectIndent is printInspect with another JSON indent (podman's
// secret inspect uses four spaces).
func printInspectIndent(w io.Writer, data []any, tmpl, indent string) error {
	if tmpl == "" || format.IsJSON(tmpl) {
		if data == nil {
			data = []any{}
		}
		return format.JSON(w, data, indent)
	}
	// Docker's templates say .Id where the Go field is ID; podman accepts both.
	tmpl = inspectIDRe().ReplaceAllString(tmpl, "{{.ID}}")
	return format.Template(w, tmpl, nil, data, true)
}

var inspectIDRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{\{\s*\.Id\s*\}\}`) })

// checkFilterSyntax is podman's first check of prune filters (parse.FilterArgumentsIntoFilters).
func checkFilterSyntax(filters []string) error {
	for _, f := range filters {
		if !strings.Contains(f, "=") {
			return fmt.Errorf("filter input must be in the form of filter=value: %s is invalid", f)
		}
	}
	return nil
}
