package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Readiness for more kinds of objects (issue #8, item 4).

// Lock files carry the object's kind; rm -a's lock GC removes orphans and
// the bare-ID lock files of an older pier, and keeps the live container's.
func TestLockNamesCarryKind(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("run", "-d", "--name", "live", Image, "sleep", "100").Out()
	dir := filepath.Join(p.RunRoot, "pier", "locks")
	want := "container-" + id + ".lock"
	if locks := p.LockFiles(); !slices.Equal(locks, []string{want}) {
		t.Fatalf("lock files %v, want [%s]", locks, want)
	}
	old := id + ".lock" // what an older pier named it
	orphan := "container-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.lock"
	for _, n := range []string{old, orphan} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// rm -a refuses the running container, and still sweeps the locks.
	p.Expect(2, "rm", "-a")
	if locks := p.LockFiles(); !slices.Equal(locks, []string{want}) {
		t.Errorf("after rm -a: lock files %v, want only [%s]", locks, want)
	}
}
