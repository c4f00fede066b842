package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// 1. Binaries and the monitor.

func TestVersion(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	r := p.MustRun("version")
	if !strings.Contains(r.Stdout, e2eVersion) {
		t.Errorf("pier version should show %q: %s", e2eVersion, r)
	}
	r = p.MustRun("--version")
	if r.Out() != "pier version "+e2eVersion {
		t.Errorf("pier --version: want %q: %s", "pier version "+e2eVersion, r)
	}
}

// Without pier-monitor beside pier (or installed), run must fail before
// creating anything, naming where it looked.
func TestMissingMonitor(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	lonely := filepath.Join(p.Dir, "lonely")
	os.MkdirAll(lonely, 0o755)
	p.Bin = filepath.Join(lonely, "pier")
	installBinary(t, pierBin, p.Bin)
	r := p.Run("run", "--name", "nomon", Image, "true")
	p.ExpectEngineError(r, "pier-monitor", lonely)
	p.Bin = pierBin
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("nothing should have been created, ps -a lists %v", ids)
	}
	if m := p.OverlayMounts(); len(m) != 0 {
		t.Errorf("overlay mounts left: %v", m)
	}
}

// 2. Global flags and configuration.

func TestRootsAreUsed(t *testing.T) {
	t.Parallel()
	before := snapshotHostStorage()
	p := newPier(t)
	p.MustRun("run", "--rm", Image, "true")
	p.MustRun("create", "--name", "kept", Image, "true")
	for _, d := range []string{filepath.Join(p.Root, "pier"), filepath.Join(p.RunRoot, "pier")} {
		ents, err := os.ReadDir(d)
		if err != nil || len(ents) == 0 {
			t.Errorf("pier's state should live in %s: %v %v", d, ents, err)
		}
	}
	if after := snapshotHostStorage(); after != before {
		t.Errorf("host storage touched:\nbefore: %s\nafter:  %s", before, after)
	}
}

func snapshotHostStorage() string {
	var b strings.Builder
	for _, d := range []string{"/var/lib/containers/storage", "/run/containers/storage", "/var/lib/containers/storage/pier", "/run/containers/storage/pier"} {
		if st, err := os.Stat(d); err == nil {
			b.WriteString(d + "@" + st.ModTime().String() + " ")
		} else {
			b.WriteString(d + ":absent ")
		}
	}
	return b.String()
}

func TestContainersConfHonoured(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[containers]\nlog_size_max = 8192\n\n[engine]\nstop_timeout = 3\nunknown_key_is_ignored = true\n")
	p.MustRun("create", "--name", "c", Image, "true")
	if got := p.Inspect("c", "{{.Config.StopTimeout}}"); got != "3" {
		t.Errorf("stop_timeout from containers.conf: want 3, got %q", got)
	}
	// log_size_max bounds the log file on disk.
	p.MustRun("run", "--name", "big", Image, "sh", "-c", "i=0; while [ $i -lt 800 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done")
	path := logPath(t, p, "big")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("log file %s: %v", path, err)
	}
	if st.Size() > 8192+1024 {
		t.Errorf("log_size_max=8192 not honoured: %s is %d bytes", path, st.Size())
	}
	if st.Size() == 0 {
		t.Errorf("log file %s is empty", path)
	}
}

func TestRuntimeByName(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	wrapper := p.RuntimeWrapper()
	p.WriteConf("[engine.runtimes]\nmyrunc = [\"/nonexistent/runc\", \"" + wrapper + "\"]\n")
	r := p.MustRun("run", "--rm", "--runtime", "myrunc", Image, "echo", "via-myrunc")
	if r.Out() != "via-myrunc" {
		t.Errorf("want output via-myrunc: %s", r)
	}
	if log := mustRead(wrapper + ".log"); !strings.Contains(log, "start") && !strings.Contains(log, "run") {
		t.Errorf("runtime myrunc (%s) was not used; its log: %q", wrapper, log)
	}

	// The default runtime comes from containers.conf too.
	os.Remove(wrapper + ".log")
	p.WriteConf("[engine]\nruntime = \"myrunc\"\n[engine.runtimes]\nmyrunc = [\"" + wrapper + "\"]\n")
	p.MustRun("run", "--rm", Image, "true")
	if log := mustRead(wrapper + ".log"); log == "" {
		t.Errorf("[engine] runtime = \"myrunc\" was not used")
	}

	// A configured name none of whose paths exists names every path tried.
	p.WriteConf("[engine.runtimes]\nbroken = [\"/nonexistent/a/runc\", \"/nonexistent/b/runc\"]\n")
	r = p.Run("run", "--rm", "--runtime", "broken", Image, "true")
	p.ExpectEngineError(r, "/nonexistent/a/runc", "/nonexistent/b/runc")
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("nothing should have been created: %v", ids)
	}
	p.WriteConf("")
	r = p.Run("run", "--rm", "--runtime", "nosuchruntime", Image, "true")
	p.ExpectEngineError(r, "nosuchruntime")
}

func TestMalformedContainersConf(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[containers\nlog_size_max = ")
	r := p.Run("ps", "-a")
	expectConfError(t, r, p.ConfPath)
	p.WriteConf("")
}

// The store remembers the storage driver it was created with; a different
// driver coming from configuration (not the command line) is refused with a
// message that says how to proceed.
func TestStoragePathMismatch(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "c", Image, "true")
	p.WriteStorageConf("vfs")
	r := p.Run("ps", "-a")
	p.ExpectEngineError(r, "overlay", "vfs")
	p.WriteStorageConf("overlay")
	if got := p.MustRun("ps", "-a", "--format", "{{.Names}}").Out(); got != "c" {
		t.Errorf("after restoring storage.conf, ps should list c: %q", got)
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("create", Image, "true").Out()
	name := p.Inspect(id, "{{.Name}}")
	if !regexp.MustCompile(`^[a-z]+_[a-z]+$`).MatchString(name) {
		t.Errorf("random name %q does not match adjective_surname", name)
	}
	p.MustRun("create", "--name", "dup", Image, "true")
	r := p.Run("create", "--name", "dup", Image, "true")
	p.ExpectEngineError(r, "dup")
	if n := len(p.PsIDs()); n != 2 {
		t.Errorf("a refused duplicate must create nothing: ps lists %d containers", n)
	}
	// Lookup by ID prefix and by name.
	if got := p.Inspect(id[:6], "{{.Id}}"); got != id {
		t.Errorf("inspect by prefix %s: want %s, got %s", id[:6], id, got)
	}
	if got := p.Inspect(name, "{{.Id}}"); got != id {
		t.Errorf("inspect by name %s: want %s, got %s", name, id, got)
	}
	r = p.Run("inspect", "nosuchcontainer")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "nosuchcontainer") {
		t.Errorf("inspect of unknown container: want 125 naming it: %s", r)
	}
}

// RuntimeWrapper installs a copy of test/cmd/runtime-wrapper in the test dir,
// failing the given runtime subcommands, and returns its path.
func (p *Pier) RuntimeWrapper(fail ...string) string {
	p.t.Helper()
	dir := filepath.Join(p.Dir, "rt")
	os.MkdirAll(dir, 0o755)
	dst := filepath.Join(dir, "runc-wrapper")
	installBinary(p.t, filepath.Join(binDir, "runtime-wrapper"), dst)
	os.WriteFile(dst+".real", []byte(runcBin), 0o644)
	if len(fail) > 0 {
		os.WriteFile(dst+".fail", []byte(strings.Join(fail, "\n")+"\n"), 0o644)
	}
	return dst
}

// A container keeps the runtime it was created with: later commands that do
// not repeat --runtime (stop, rm) still drive it through that runtime.
func TestContainerKeepsItsRuntime(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	wrapper := p.RuntimeWrapper()
	p.MustRun("run", "-d", "--runtime", wrapper, "--name", "own", Image, "sleep", "100")
	if got := p.Inspect("own", "{{.OCIRuntime}}"); got == "" {
		t.Errorf("inspect OCIRuntime is empty")
	}
	r := p.RunWith(RunOpts{Timeout: 20 * time.Second}, "stop", "-t", "1", "own")
	if r.ExitCode != 0 || r.Duration > 10*time.Second {
		t.Errorf("stop without --runtime of a container created with --runtime %s: %s", wrapper, r)
	}
	if log := mustRead(wrapper + ".log"); !strings.Contains(log, "kill") {
		t.Errorf("stop did not go through the container's runtime; its log:\n%s", log)
	}
	p.MustRun("rm", "own")
}
