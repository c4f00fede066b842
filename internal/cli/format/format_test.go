package format

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{1987693: "1.99 MB", 999: "999 B", 4_260_000: "4.26 MB", 1_500_000_000: "1.5 GB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
	if got := HumanSince(time.Now().Add(-2 * time.Hour)); got != "2 hours ago" {
		t.Errorf("HumanSince = %q", got)
	}
}

type row struct {
	ID, Repository string
	CreatedAt      string
}

func TestTemplateTable(t *testing.T) {
	h := Headers(row{}, map[string]string{"ID": "image id"})
	if h["CreatedAt"] != "CREATED AT" || h["ID"] != "IMAGE ID" || h["Repository"] != "REPOSITORY" {
		t.Fatalf("headers %v", h)
	}
	var b bytes.Buffer
	rows := []any{row{ID: "abcdef0123456789", Repository: "localhost/x"}}
	if err := Template(&b, `table {{.Repository}} {{.ID|truncate 12}}`, h, rows, false); err != nil {
		t.Fatal(err)
	}
	want := "REPOSITORY   IMAGE ID\nlocalhost/x  abcdef012345\n"
	if b.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := Template(&b, `{{.Repository}}\t{{upper .ID}}`, h, rows, false); err != nil {
		t.Fatal(err)
	}
	// Without "table" podman writes the tab itself, not aligned columns.
	if b.String() != "localhost/x\tABCDEF0123456789\n" {
		t.Errorf("plain: %q", b.String())
	}
	b.Reset()
	if err := JSON(&b, []int{1}, "    "); err != nil || b.String() != "[\n    1\n]\n" {
		t.Errorf("json: %q %v", b.String(), err)
	}
}

func TestIsJSON(t *testing.T) {
	for in, want := range map[string]bool{
		"json": true, " json ": true, "{{json .}}": true, "{{ json . }}": true, "{{json}}": true,
		"{{json .Labels}}": false, "table": false, "": false, "table {{json .}}": false,
	} {
		if got := IsJSON(in); got != want {
			t.Errorf("IsJSON(%q) = %v", in, got)
		}
	}
}

func TestSingle(t *testing.T) {
	var b bytes.Buffer
	v := struct{ A, B string }{"x", "yy"}
	if err := Single(&b, `{{.A}}\t{{.B}}`, v); err != nil || b.String() != "x           yy\n" {
		t.Errorf("Single = %q, %v", b.String(), err)
	}
	// "table" means nothing to a single object: it is printed as written.
	b.Reset()
	if err := Single(&b, "table {{.A}}\n", v); err != nil || b.String() != "table x\n" {
		t.Errorf("Single(table) = %q, %v", b.String(), err)
	}
	if err := Single(&b, "{{.A", v); err == nil || !strings.HasPrefix(err.Error(), "template parsing error: ") {
		t.Errorf("parse error = %v", err)
	}
	if err := Single(&b, "{{.C}}", v); err == nil || !strings.HasPrefix(err.Error(), "executing template: ") {
		t.Errorf("exec error = %v", err)
	}
}

func TestHumanCompactAndAgo(t *testing.T) {
	for n, want := range map[int64]string{1234: "1.23kB", 999: "999B", 4_260_000: "4.26MB"} {
		if got := HumanSizeCompact(n); got != want {
			t.Errorf("HumanSizeCompact(%d) = %q, want %q", n, got, want)
		}
	}
	now := time.Now()
	if got := HumanAgo(now, now.Add(-3*time.Second)); got != "3 seconds ago" {
		t.Errorf("HumanAgo = %q", got)
	}
}

// A "\n" inside a template string stays an escape of the template (podman
// PR 15673): {{"\n"}} prints a newline instead of failing to parse.
func TestEscapeInsideAction(t *testing.T) {
	var b bytes.Buffer
	if err := Template(&b, `{{"\n"}}`, nil, []any{1, 2}, false); err != nil || b.String() != "\n\n" {
		t.Errorf("Template: %q %v", b.String(), err)
	}
	b.Reset()
	if err := Single(&b, `{{"\n"}}`, 1); err != nil || strings.TrimSpace(b.String()) != "" {
		t.Errorf("Single: %q %v", b.String(), err)
	}
}
