package lock

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestGCRemovesOnlyUnheldUnknownLocks(t *testing.T) {
	dir := t.TempDir()
	m, err := NewManager(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, n := range []string{"orphan", "kept", "held"} {
		l, err := m.Lock(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if n != "held" {
			l.Unlock()
		} else {
			defer l.Unlock()
		}
	}
	if err := m.GC(func(n string) bool { return n == "kept" }); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{"orphan": false, "kept": true, "held": true} {
		_, err := os.Stat(filepath.Join(dir, n+".lock"))
		if got := err == nil; got != want {
			t.Errorf("%s.lock exists=%v, want %v", n, got, want)
		}
	}
}
