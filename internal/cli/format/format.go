// Package format owns pier's output shapes, shared by every command:
// podman's tables (tabwriter settings, headers from field names), Go
// templates with podman's extra functions and its "table " prefix, the
// "json" keyword, and human sizes and durations. It must not know any
// command or engine type.
package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"text/tabwriter"
	"text/template"
	"time"
	"unicode"

	units "github.com/docker/go-units"
	"golang.org/x/term"
)

// NewTabWriter has podman's table settings (containers/common report):
// minimum width 12, padding 2, spaces.
func NewTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 12, 2, 2, ' ', 0)
}

// Table writes rows of cells under headers, aligned as podman's tables.
func Table(w io.Writer, headers []string, rows [][]string, noHeading bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	tw := NewTabWriter(bw)
	if !noHeading && len(headers) > 0 {
		fmt.Fprintln(tw, strings.Join(headers, "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// Funcs are the template functions podman adds to Go templates.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"json": func(v any) (string, error) {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				return "", err
			}
			return strings.TrimSpace(b.String()), nil
		},
		"lower": strings.ToLower,
		"upper": strings.ToUpper,
		"title": func(s string) string {
			if s == "" {
				return s
			}
			r := []rune(s)
			r[0] = unicode.ToUpper(r[0])
			return string(r)
		},
		"join":  strings.Join,
		"split": strings.Split,
		// truncate works both as {{truncate .ID 12}} and {{.ID | truncate 12}}.
		"truncate": func(a, b any) (string, error) {
			if n, ok := a.(int); ok {
				a, b = b, n
			}
			s, ok1 := a.(string)
			n, ok2 := b.(int)
			if !ok1 || !ok2 {
				return "", fmt.Errorf("truncate wants a string and a length")
			}
			if len(s) > n {
				return s[:n], nil
			}
			return s, nil
		},
		"pad": func(s string, left, right int) string {
			return strings.Repeat(" ", left) + s + strings.Repeat(" ", right)
		},
	}
}

var jsonFormat = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*(json|{{\s*json\s*(\.)?\s*}})\s*$`) })

// IsJSON reports whether --format asks for JSON output. As podman's
// report.IsJSON, "{{json .}}" counts too: it means the whole object as
// JSON, which the JSON output gives in podman's shape.
func IsJSON(f string) bool { return jsonFormat().MatchString(f) }

// IsTable reports a "table ..." format (which prints a header row).
func IsTable(f string) bool { return strings.HasPrefix(strings.TrimSpace(f), "table") }

var betweenFields = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\}\}[ \t]+\{\{`) })

// normalize turns a user format into a template body as podman does:
// literal "\t" and "\n" become characters, a table's fields are separated
// by tabs, and every row ends in a newline.
func normalize(f string) string {
	f = escapes.Replace(f)
	if IsTable(f) {
		f = strings.TrimPrefix(strings.TrimSpace(f), "table")
		f = strings.TrimLeft(f, " ")
		f = betweenFields().ReplaceAllString(f, "}}\t{{")
	}
	return withNewline(f)
}

// escapes are the backslash sequences users type in a shell-quoted format.
var escapes = strings.NewReplacer(`\t`, "\t", `\n`, "\n")

func withNewline(f string) string {
	if !strings.HasSuffix(f, "\n") {
		return f + "\n"
	}
	return f
}

func parse(body string) (*template.Template, error) {
	return template.New("format").Funcs(Funcs()).Parse(body)
}

// parseEscaped parses the normalized body; if turning "\n" into newlines
// broke it (a "\n" inside a quoted string of an action, as in
// {{"\n"}}), it parses the user's text unchanged, as podman's
// report.Formatter does.
func parseEscaped(body, raw string) (*template.Template, error) {
	t, err := parse(body)
	if err != nil {
		if t, rawErr := parse(raw); rawErr == nil {
			return t, nil
		}
	}
	return t, err
}

// Template renders rows with a Go template. A "table " format prints a
// header row first (the template run on the header map, as podman does),
// unless noHeading, and goes through podman's tabwriter; any other format
// is written as is, tabs included (podman's report.Formatter).
func Template(w io.Writer, format string, headers map[string]string, rows []any, noHeading bool) error {
	tmpl, err := parseEscaped(normalize(format), strings.TrimPrefix(format, "table "))
	if err != nil {
		return fmt.Errorf("invalid format %q: %w", format, err)
	}
	// One write per screenful rather than per cell (tabwriter writes
	// cells and padding one by one).
	bw := bufio.NewWriterSize(w, 64<<10)
	exec := tmpl.Execute
	if fr := newFieldRow(tmpl); fr != nil && len(rows) > 0 && fr.bind(reflect.TypeOf(rows[0])) {
		exec = fr.execute
	}
	out := io.Writer(bw)
	var tw *tabwriter.Writer
	if IsTable(format) {
		tw = NewTabWriter(bw)
		out = tw
		if !noHeading {
			if err := tmpl.Execute(tw, headers); err != nil {
				return fmt.Errorf("rendering headers: %w", err)
			}
		}
	}
	for _, r := range rows {
		if err := exec(out, r); err != nil {
			return fmt.Errorf("rendering format %q: %w", format, err)
		}
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Single runs a user template once over v, as podman does for one object
// (version, info): no "table" handling and no header, but the same escapes,
// final newline and tabwriter as Template.
func Single(w io.Writer, f string, v any) error {
	t, err := parseEscaped(withNewline(escapes.Replace(f)), f)
	if err != nil {
		return fmt.Errorf("template parsing error: %w", err)
	}
	tw := NewTabWriter(w)
	if err := t.Execute(tw, v); err != nil {
		return fmt.Errorf("executing template: %w", err)
	}
	return tw.Flush()
}

// JSON writes v indented by indent, without HTML escaping, and a newline.
// podman uses four spaces for lists and five for inspect.
func JSON(w io.Writer, v any, indent string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	return enc.Encode(v)
}

// Headers maps a struct's field names to podman's column titles: camel
// case split into upper-case words ("CreatedAt" -> "CREATED AT"), then
// overrides.
func Headers(v any, overrides map[string]string) map[string]string {
	h := map[string]string{}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		h[f.Name] = strings.ToUpper(splitCamel(f.Name))
	}
	for k, v := range overrides {
		h[k] = strings.ToUpper(v)
	}
	return h
}

func splitCamel(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) && (unicode.IsLower(r[i-1]) || i+1 < len(r) && unicode.IsLower(r[i+1])) {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

var decimalUnits = []string{"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}

// HumanSize is podman's size column: three significant digits, decimal
// units, a space ("1.99 MB").
func HumanSize(n int64) string {
	return units.CustomSize("%.3g %s", float64(n), 1000.0, decimalUnits)
}

// HumanSizeCompact is ps's size rendering: as HumanSize but without the
// space ("1.23kB"), podman's units.HumanSizeWithPrecision(n, 3).
func HumanSizeCompact(n int64) string {
	return units.HumanSizeWithPrecision(float64(n), 3)
}

// HumanSizeDefault is go-units' default rendering, four significant
// digits and no space ("3.658MB"): podman's `system df`.
func HumanSizeDefault(n int64) string { return units.HumanSize(float64(n)) }

// HumanDuration is docker's and podman's rendering of an age ("Less than
// a second", "2 seconds", "About a minute", "3 hours").
func HumanDuration(d time.Duration) string { return units.HumanDuration(d) }

// HumanSince is podman's "CREATED" column ("2 hours ago").
func HumanSince(t time.Time) string { return HumanAgo(time.Now(), t) }

// HumanAgo is HumanSince at a fixed now, so that every row of one listing
// is aged from the same instant.
func HumanAgo(now, t time.Time) string { return HumanDuration(now.Sub(t)) + " ago" }

// IsTerminal reports whether w is a terminal (save refuses to write an
// archive there; load refuses to read one from there).
func IsTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// Compile parses a user template to run once per object as it comes
// (podman's report.OriginUnknown: `events --format`), ending in a newline.
// name is the template's in error messages (podman names it after the
// command: "template: events:1:2: ...").
func Compile(name, f string) (*template.Template, error) {
	newT := func() *template.Template { return template.New(name).Funcs(Funcs()) }
	t, err := newT().Parse(withNewline(escapes.Replace(f)))
	if err != nil {
		// As parseEscaped: a "\n" inside an action was the template's own.
		if t, rawErr := newT().Parse(f); rawErr == nil {
			return t, nil
		}
		return nil, err
	}
	return t, nil
}
