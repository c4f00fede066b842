package format

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"text/template"
	"time"
)

type fastInner struct{ Size int64 }

func (fastInner) Human() string { return "inner" }

type fastRow struct {
	fastInner
	ID      string
	Created time.Time
	Up      bool
	Ptr     *int
}

func (r fastRow) Short() string { return r.ID[:3] }

func (r fastRow) Fails() (string, error) {
	if r.ID == "bad" {
		return "", errors.New("no short form")
	}
	return "ok", nil
}

// The field renderer must print exactly what text/template prints.
func TestFieldRowMatchesTemplate(t *testing.T) {
	when := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	rows := []any{
		fastRow{fastInner{42}, "abcdef", when, true, nil},
		fastRow{fastInner{0}, "xyz123", time.Time{}, false, nil},
	}
	h := Headers(fastRow{}, nil)
	for _, f := range []string{
		"table {{.ID}}\t{{.Short}}\t{{.Size}}\t{{.Human}}\t{{.Created}}\t{{.Up}}",
		`{{.ID}} -- {{.Fails}}\n`,
		"table {{.ID}} {{.Ptr}}",        // a pointer: the template's job
		"table {{.ID}} {{.ID | upper}}", // a pipeline: the template's job
		"{{if .Up}}up{{end}}{{.Short}}", // not a plain action
	} {
		var got bytes.Buffer
		if err := Template(&got, f, h, rows, false); err != nil {
			t.Fatalf("%q: %v", f, err)
		}
		var want bytes.Buffer
		tmpl := template.Must(parse(normalize(f)))
		var out io.Writer = &want
		tw := NewTabWriter(&want)
		if IsTable(f) {
			out = tw
			_ = tmpl.Execute(tw, h)
		}
		for _, r := range rows {
			if err := tmpl.Execute(out, r); err != nil {
				t.Fatal(err)
			}
		}
		_ = tw.Flush()
		if got.String() != want.String() {
			t.Errorf("%q:\n%q\nwant\n%q", f, got.String(), want.String())
		}
	}
	if newFieldRow(template.Must(parse(normalize("table {{.ID}}\t{{.Short}}")))) == nil {
		t.Error("plain field actions did not take the fast path")
	}
	var b bytes.Buffer
	if err := Template(&b, "{{.Fails}}", h, []any{fastRow{ID: "bad"}}, false); err == nil {
		t.Error("a method's error was not reported")
	}
}
