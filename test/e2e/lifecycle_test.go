package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// 3. Lifecycle commands: create, start, stop, kill, restart, rm, wait,
// rename, exists, prune.

func TestCreateStart(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("create", "--name", "cs", Image, "sh", "-c", "echo started; exit 5").Out()
	if len(id) != 64 {
		t.Fatalf("create should print the full ID, got %q", id)
	}
	if st := p.Status("cs"); st != "created" {
		t.Errorf("after create: status %q, want created", st)
	}
	if m := p.OverlayMounts(); len(m) != 0 {
		t.Errorf("create should not mount the rootfs: %v", m)
	}
	r := p.Run("start", "-a", "cs")
	if r.ExitCode != 5 || r.Stdout != "started\n" {
		t.Errorf("start -a: want output and exit 5: %s", r)
	}
	if got := p.Inspect("cs", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 5" {
		t.Errorf("after exit: %q", got)
	}
	// Plain start prints the name as given and runs detached.
	if got := p.MustRun("start", "cs").Out(); got != "cs" {
		t.Errorf("start should print what it was given: %q", got)
	}
	if got := p.MustRun("wait", "cs").Out(); got != "5" {
		t.Errorf("wait prints the exit code (and exits 0, as podman): %q", got)
	}
	if got := p.MustRun("logs", "cs").Stdout; got != "started\nstarted\n" {
		t.Errorf("logs after two starts: %q", got)
	}
	// After exit, the rootfs is unmounted by the monitor's cleanup.
	if !eventually(10*time.Second, func() bool { return len(p.OverlayMounts()) == 0 }) {
		t.Errorf("exited container still mounted: %v", p.OverlayMounts())
	}
}

func TestStopTimeout(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	// sh as PID 1 with TERM ignored: stop must escalate to SIGKILL after -t.
	p.MustRun("run", "-d", "--name", "stubborn", Image, "sh", "-c", "trap '' TERM; while :; do sleep 0.1; done")
	p.WaitStatus("stubborn", "running", 10*time.Second)
	pid, _ := strconv.Atoi(p.Inspect("stubborn", "{{.State.Pid}}"))
	r := p.MustRun("stop", "-t", "1", "stubborn")
	if r.Out() != "stubborn" {
		t.Errorf("stop prints the name: %s", r)
	}
	if r.Duration < 900*time.Millisecond || r.Duration > 10*time.Second {
		t.Errorf("stop -t 1 of a TERM-ignoring container took %s", r.Duration)
	}
	if got := p.MustRun("ps", "-a", "--format", "{{.Names}} {{.Status}}").Out(); !regexp.MustCompile(`^stubborn Exited \(137\)`).MatchString(got) {
		t.Errorf("ps after stop: %q, want Exited (137)", got)
	}
	if pid > 0 && alive(pid) {
		t.Errorf("container process %d still alive after stop", pid)
	}
	// A container that handles TERM stops quickly with its own code.
	p.MustRun("run", "-d", "--name", "polite", Image, "sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.1; done")
	p.WaitStatus("polite", "running", 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	r = p.MustRun("stop", "-t", "30", "polite")
	if r.Duration > 10*time.Second {
		t.Errorf("stop of a TERM-handling container took %s", r.Duration)
	}
	if got := p.Inspect("polite", "{{.State.ExitCode}}"); got != "7" {
		t.Errorf("exit code after stop: %s, want 7", got)
	}
	// Stopping a stopped container is fine (podman).
	p.MustRun("stop", "polite")
}

func TestKillSignal(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "k", Image, "sh", "-c", "trap 'echo got-usr1; exit 5' USR1; while :; do sleep 0.1; done")
	p.WaitStatus("k", "running", 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	p.MustRun("kill", "-s", "USR1", "k")
	p.WaitStatus("k", "exited", 10*time.Second)
	if got := p.Inspect("k", "{{.State.ExitCode}}"); got != "5" {
		t.Errorf("exit code: %s, want 5", got)
	}
	p.WaitLogs("k", "got-usr1", 5*time.Second)
	// kill of a stopped container is an error (podman: 125).
	r := p.Run("kill", "k")
	if r.ExitCode != 125 {
		t.Errorf("kill of an exited container: want 125: %s", r)
	}
	p.MustRun("run", "-d", "--name", "k2", Image, "sleep", "100")
	p.MustRun("kill", "--signal", strconv.Itoa(int(syscall.SIGKILL)), "k2")
	p.WaitStatus("k2", "exited", 10*time.Second)
	if got := p.Inspect("k2", "{{.State.ExitCode}}"); got != "137" {
		t.Errorf("kill --signal 9: exit code %s, want 137", got)
	}
}

func TestRestart(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "rs", Image, "sh", "-c", "echo boot; sleep 100")
	p.WaitLogs("rs", "boot", 10*time.Second)
	pid1 := p.Inspect("rs", "{{.State.Pid}}")
	p.MustRun("restart", "-t", "0", "rs")
	p.WaitStatus("rs", "running", 10*time.Second)
	pid2 := p.Inspect("rs", "{{.State.Pid}}")
	if pid1 == pid2 || pid2 == "0" {
		t.Errorf("restart should give a new process: pid %s -> %s", pid1, pid2)
	}
	if !eventually(10*time.Second, func() bool { return strings.Count(p.MustRun("logs", "rs").Stdout, "boot") == 2 }) {
		t.Errorf("logs should show two boots: %q", p.MustRun("logs", "rs").Stdout)
	}
	// restart of an exited container starts it.
	p.MustRun("stop", "-t", "0", "rs")
	p.MustRun("restart", "rs")
	p.WaitStatus("rs", "running", 10*time.Second)
}

func TestRm(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "busy", Image, "sleep", "100")
	pid, _ := strconv.Atoi(p.Inspect("busy", "{{.State.Pid}}"))
	// podman: exit 2 when the container is running.
	r := p.Run("rm", "busy")
	if r.ExitCode != 2 || !strings.Contains(r.Stderr, "running") {
		t.Errorf("rm of a running container: want exit 2 (podman) saying it runs: %s", r)
	}
	if st := p.Status("busy"); st != "running" {
		t.Errorf("a refused rm must leave the container running, status %q", st)
	}
	r = p.MustRun("rm", "-f", "busy")
	if r.Out() != "busy" {
		t.Errorf("rm prints what it removed: %s", r)
	}
	if eventually(5*time.Second, func() bool { return !alive(pid) }) == false {
		t.Errorf("rm -f left the container process %d alive", pid)
	}
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("rm -f left %v", ids)
	}
	if m := p.OverlayMounts(); len(m) != 0 {
		t.Errorf("rm -f left mounts %v", m)
	}
	r = p.Run("rm", "busy")
	if r.ExitCode != 1 {
		// podman: 1 when a container does not exist.
		t.Errorf("rm of a missing container: want exit 1 as podman: %s", r)
	}
	p.MustRun("rm", "--ignore", "busy")
	id := p.MustRun("create", Image, "true").Out()
	p.MustRun("rm", id[:12])
	p.CheckClean("after rm")
}

func TestWait(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "w", Image, "sh", "-c", "sleep 1; exit 4")
	r := p.MustRun("wait", "w")
	if r.Out() != "4" {
		t.Errorf("wait prints the exit code: %s", r)
	}
	if r.Duration < 300*time.Millisecond {
		t.Errorf("wait returned before the container exited (%s)", r.Duration)
	}
	if st := p.Status("w"); st != "exited" {
		t.Errorf("after wait: %s", st)
	}
}

func TestRename(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("create", "--name", "old", Image, "true").Out()
	p.MustRun("create", "--name", "taken", Image, "true")
	p.MustRun("rename", "old", "new")
	if got := p.Inspect(id, "{{.Name}}"); got != "new" {
		t.Errorf("after rename: %q", got)
	}
	if r := p.Run("inspect", "old"); r.ExitCode == 0 {
		t.Errorf("old name still resolves: %s", r)
	}
	p.ExpectEngineError(p.Run("rename", "new", "taken"), "taken")
	p.MustRun("create", "--name", "old", Image, "true") // the old name is free again
}

func TestContainerExists(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "here", Image, "true")
	p.Expect(0, "container", "exists", "here")
	r := p.Expect(1, "container", "exists", "nowhere")
	if r.Stdout != "" || r.Stderr != "" {
		t.Errorf("container exists prints nothing: %s", r)
	}
}

func TestContainerPrune(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "ex1", Image, "true")
	p.Expect(1, "run", "--name", "ex2", Image, "false")
	p.MustRun("run", "-d", "--name", "up", Image, "sleep", "100")
	p.MustRun("create", "--name", "fresh", Image, "true")
	r := p.MustRun("container", "prune", "-f")
	// As podman: created-but-never-started containers are pruned too.
	for _, n := range []string{"ex1", "ex2", "fresh"} {
		if r2 := p.Run("container", "exists", n); r2.ExitCode != 1 {
			t.Errorf("prune should remove %s", n)
		}
	}
	if len(r.Lines()) != 3 {
		t.Errorf("prune prints the removed IDs: %s", r)
	}
	got := p.MustRun("ps", "-a", "--format", "{{.Names}}").Lines()
	if strings.Join(got, ",") != "up" {
		t.Errorf("prune must keep the running container only: %v", got)
	}
}
