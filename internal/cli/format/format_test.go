package format

import (
	"bytes"
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
	if b.String() != "localhost/x  ABCDEF0123456789\n" {
		t.Errorf("plain: %q", b.String())
	}
	b.Reset()
	if err := JSON(&b, []int{1}, "    "); err != nil || b.String() != "[\n    1\n]\n" {
		t.Errorf("json: %q %v", b.String(), err)
	}
}
