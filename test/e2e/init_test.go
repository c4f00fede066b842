package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// init creates the container in the runtime without running its command;
// start then runs it (attached too); init of a created or running
// container is podman's error.
func TestInit(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "i", "-v", p.WorkDir()+":/w", Image, "sh", "-c", "echo ran > /w/ran; echo hello")
	if out := p.MustRun("init", "i").Out(); out != "i" {
		t.Errorf("init prints the name: %q", out)
	}
	if got := p.MustRun("ps", "-a", "--format", "{{.Names}} {{.State}} {{.Status}}").Out(); got != "i initialized Initialized" {
		t.Errorf("ps after init: %q", got)
	}
	if pid := p.Inspect("i", "{{.State.Pid}}"); pid == "0" {
		t.Errorf("no runtime process after init")
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(p.WorkDir(), "ran")); err == nil {
		t.Errorf("init ran the command")
	}
	if p.Run("exec", "i", "true").ExitCode == 0 {
		t.Errorf("exec into an initialized container succeeded")
	}
	r := p.Run("init", "i")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "has already been created in runtime: container state improper") {
		t.Errorf("init twice: %s", r)
	}
	if out := p.MustRun("start", "-a", "i").Out(); out != "hello" {
		t.Errorf("start -a of an initialized container: %q", out)
	}
	if p.Status("i") != "exited" {
		t.Errorf("after start: %s", p.Status("i"))
	}
	// An exited container can be initialized again, and --all does so.
	if out := p.MustRun("init", "--all").Out(); out != p.Inspect("i", "{{.ID}}") {
		t.Errorf("init --all: %q", out)
	}
	p.MustRun("rm", "-f", "i") // an initialized container is removed
	r = p.Run("init", "nosuch")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, `no container with name or ID "nosuch" found`) {
		t.Errorf("init of a missing container: %s", r)
	}
}
