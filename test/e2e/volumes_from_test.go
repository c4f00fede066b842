package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --volumes-from mounts another container's volumes (anonymous ones
// included) and bind mounts at the same places; :ro makes them read-only.
func TestRunVolumesFrom(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	host := filepath.Join(p.WorkDir(), "shared")
	if err := os.MkdirAll(host, 0o755); err != nil {
		t.Fatal(err)
	}
	p.MustRun("create", "--name", "src", "-v", "/anon", "-v", host+":/hostdir", Image, "true")
	p.MustRun("run", "--rm", "--volumes-from", "src", Image, "sh", "-c", "echo data > /anon/f && touch /hostdir/h")
	if _, err := os.Stat(filepath.Join(host, "h")); err != nil {
		t.Errorf("the bind mount of src should be mounted: %v", err)
	}
	if got := p.MustRun("run", "--rm", "--volumes-from", "src", Image, "cat", "/anon/f").Out(); got != "data" {
		t.Errorf("src's anonymous volume should be shared: %q", got)
	}
	r := p.Run("run", "--rm", "--volumes-from", "src:ro", Image, "touch", "/anon/g")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Read-only file system") {
		t.Errorf(":ro should mount read-only: %s", r)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--volumes-from", "src:bad", Image, "true"),
		`invalid options "bad", can only specify 'ro', 'rw', and 'z'`)
	p.ExpectEngineError(p.Run("run", "--rm", "--volumes-from", "nosuch", Image, "true"), "nosuch")
	p.MustRun("create", "--name", "dst", "--volumes-from", "src:ro", Image, "true")
	if got := p.MustRun("inspect", "--format", "{{json .HostConfig.VolumesFrom}}", "dst", "src").Out(); got != "[\"src:ro\"]\nnull" {
		t.Errorf("inspect's HostConfig.VolumesFrom: got %q", got)
	}
	p.MustRun("rm", "dst")
	p.MustRun("rm", "-v", "src")
}
