package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// Without --tmpdir or tmp_dir the events log goes under the run root's
// pier dir, not into an "events" directory in the caller's cwd.
func TestEventsLogNotInCwd(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	roots := []string{"--root", p.Root, "--runroot", p.RunRoot}
	if r := p.RunWith(RunOpts{NoRoots: true}, append(roots, "volume", "create", "evcwd")...); r.ExitCode != 0 {
		t.Fatalf("volume create: %s", r)
	}
	defer p.RunWith(RunOpts{NoRoots: true}, append(roots, "volume", "rm", "evcwd")...)
	if _, err := os.Stat(filepath.Join(p.Dir, "events")); err == nil {
		t.Errorf("an events log was written in the cwd %s", p.Dir)
	}
	if _, err := os.Stat(filepath.Join(p.RunRoot, "pier", "events", "events.log")); err != nil {
		t.Errorf("the events log should be under the run root: %v", err)
	}
}
