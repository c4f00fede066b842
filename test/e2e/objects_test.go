package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// --network container:NAME joins the other container's network namespace
// and makes it a dependency: start starts it first (as podman), rm of it
// is refused with podman's message, rm --depend removes both, dependent
// first.
func TestNetworkContainerDependency(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	base := p.MustRun("create", "--name", "base", Image, "sleep", "100").Out()
	dep := p.MustRun("create", "--name", "dep", "--network", "container:base", Image, "sleep", "100").Out()
	r := p.Run("create", "--network", "container:bogus", Image, "true")
	p.ExpectEngineError(r, `looking up container to share net namespace with: no container with name or ID "bogus" found: no such container`)

	p.MustRun("start", "dep")
	if st := p.Status("base"); st != "running" {
		t.Errorf("starting dep should start base first: base is %s", st)
	}
	basePid := p.Inspect("base", "{{.State.Pid}}")
	depPid := p.Inspect("dep", "{{.State.Pid}}")
	baseNS, err1 := os.Readlink("/proc/" + basePid + "/ns/net")
	depNS, err2 := os.Readlink("/proc/" + depPid + "/ns/net")
	if err1 != nil || err2 != nil || baseNS != depNS {
		t.Errorf("dep should share base's network namespace: %s %v, %s %v", baseNS, err1, depNS, err2)
	}

	p.MustRun("stop", "-t", "0", "base", "dep")
	r = p.Run("rm", "base")
	p.ExpectEngineError(r, "container "+base+" has dependent containers which must be removed before it: "+dep+": container already exists")
	if p.Run("container", "exists", "base").ExitCode != 0 {
		t.Fatal("refused rm removed base anyway")
	}
	out := p.MustRun("rm", "--depend", "base").Lines()
	if len(out) != 2 || out[0] != dep || out[1] != "base" {
		t.Errorf("rm --depend printed %q, want [%s base]", out, dep)
	}
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("left after rm --depend: %v", ids)
	}
}

// rm -a removes containers and those depending on them in any order.
func TestRmAllWithDependencies(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "a", Image, "true")
	p.MustRun("create", "--name", "b", "--net", "container:a", Image, "true")
	p.MustRun("create", "--name", "c", "--net", "container:b", Image, "true")
	out := p.MustRun("rm", "-a").Lines()
	if len(out) != 3 {
		t.Errorf("rm -a printed %q, want three containers", out)
	}
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("left after rm -a: %v", ids)
	}
}

// attach is its own engine call: it reaches a container that is already
// running, relays its output and ends with its exit code.
func TestAttachRunning(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "a", Image, "sh", "-c", "sleep 2; echo one; echo two >&2; exit 3")
	r := p.Run("attach", "a")
	if r.ExitCode != 3 || r.Out() != "one" || strings.TrimSpace(r.Stderr) != "two" {
		t.Errorf("attach: want exit 3, \"one\" on stdout and \"two\" on stderr: %s", r)
	}
	r = p.Run("attach", "a")
	p.ExpectEngineError(r, "you can only attach to running containers")
}
