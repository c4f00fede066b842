package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/image"
)

// TestHistoryOutputPodman5: sizes without a space, HTML-escaped JSON on
// one line, raw tabs without "table", RFC 3339 CreatedAt.
func TestHistoryOutputPodman5(t *testing.T) {
	when := time.Date(2022, 6, 15, 0, 0, 0, 0, time.UTC)
	h := []image.HistoryEntry{
		{ID: strings.Repeat("ab", 32), Created: when, CreatedBy: "/bin/sh -c #(nop) CMD", Size: 0},
		{ID: "<missing>", Created: when, CreatedBy: "/bin/sh -c #(nop) ADD file:x in /", Size: 10240},
	}
	var b bytes.Buffer
	if err := printHistory(&b, h, "", true, false, false); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(b.String(), "\n"); !strings.HasPrefix(lines[0], "ID            CREATED") ||
		!strings.Contains(lines[1], "  0B  ") || !strings.Contains(lines[2], "10.2kB") {
		t.Errorf("default table:\n%s", b.String())
	}
	b.Reset()
	if err := printHistory(&b, h, "json", true, false, false); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `[{"id":"abab`) || !strings.Contains(b.String(), `"id":"\u003cmissing\u003e"`) || strings.Count(b.String(), "\n") != 1 {
		t.Errorf("json: %s", b.String())
	}
	b.Reset()
	if err := printHistory(&b, h, `{{.ID}}\t{{.CreatedAt}}`, true, false, false); err != nil {
		t.Fatal(err)
	}
	if want := "abababababab\t2022-06-15T00:00:00Z\n<missing>\t2022-06-15T00:00:00Z\n"; b.String() != want {
		t.Errorf("custom format: %q", b.String())
	}
}
