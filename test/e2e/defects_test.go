package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Defects found in review (issue #8, item 3), each with the test that
// failed before its fix.

// A bind-mount source that cannot be used is reported with the kernel's
// reason, not always as "no such file or directory".
func TestBindSourceRealError(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.Run("create", "-v", "/etc/hostname/sub:/x", Image, "true")
	p.ExpectEngineError(r, "statfs /etc/hostname/sub: not a directory")
	r = p.Run("create", "-v", "/nonexistent-pier:/x", Image, "true")
	p.ExpectEngineError(r, "statfs /nonexistent-pier: no such file or directory")
}

// A CLI killed between the runtime's start and saving "running" leaves a
// row that says created over a running process: every command must see
// it running, and stop it as such.
func TestCreatedRowOverRunningProcess(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=start-after-runtime-start"}},
		"run", "-d", "--name", "fp", Image, "sleep", "100")
	if r.Signal != syscall.SIGKILL {
		t.Fatalf("failpoint did not fire: %s", r)
	}
	if st := p.Status("fp"); st != "running" {
		t.Fatalf("status after a crash past runc start = %q, want running", st)
	}
	if ps := p.MustRun("ps", "--format", "{{.Names}} {{.Status}}").Out(); !strings.HasPrefix(ps, "fp Up") {
		t.Errorf("ps should list fp as up: %q", ps)
	}
	p.Expect(2, "rm", "fp") // running: refused without --force
	p.MustRun("kill", "fp")
	p.WaitStatus("fp", "exited", 15*time.Second)
	p.MustRun("rm", "fp")
}

// killMonitorAndContainer kills a container's monitor, then its process,
// so that no exit file is written and no cleanup runs.
func killMonitorAndContainer(t *testing.T, p *Pier, ctr string) {
	t.Helper()
	mon, _ := strconv.Atoi(p.Inspect(ctr, "{{.State.ConmonPid}}"))
	pid, _ := strconv.Atoi(p.Inspect(ctr, "{{.State.Pid}}"))
	if mon <= 0 || pid <= 0 {
		t.Fatalf("%s: monitor %d, pid %d", ctr, mon, pid)
	}
	syscall.Kill(mon, syscall.SIGKILL)
	if !eventually(10*time.Second, func() bool { return !alive(mon) }) {
		t.Fatalf("monitor %d of %s survived SIGKILL", mon, ctr)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if !eventually(10*time.Second, func() bool { return !alive(pid) }) {
		t.Fatalf("process %d of %s survived SIGKILL", pid, ctr)
	}
}

// runtimeStateOf lists the runtime's state directories of a container.
func runtimeStateOf(p *Pier, id string) []string {
	m, _ := filepath.Glob(filepath.Join(p.RunRoot, "pier", "runtime", "*", id))
	return m
}

// An exit no monitor cleaned up after (the monitor was SIGKILLed) is
// cleaned up by whoever notices it: the rootfs is unmounted, the
// runtime's state deleted, and an --rm container removed.
func TestExitWithoutMonitorIsCleanedUp(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	keep := p.MustRun("run", "-d", "--name", "keep", Image, "sleep", "1000").Out()
	p.MustRun("run", "-d", "--rm", "--name", "gone", Image, "sleep", "1000")
	killMonitorAndContainer(t, p, "keep")
	killMonitorAndContainer(t, p, "gone")

	if names := p.MustRun("ps", "-a", "--format", "{{.Names}}").Out(); names != "keep" {
		t.Errorf("after the exit was noticed, ps -a = %q, want only keep (gone is --rm)", names)
	}
	if st := p.Status("keep"); st != "exited" {
		t.Errorf("keep: status %q, want exited", st)
	}
	if m := p.OverlayMounts(); len(m) != 0 {
		t.Errorf("rootfs still mounted after the exit was noticed: %v", m)
	}
	if s := runtimeStateOf(p, keep); len(s) != 0 {
		t.Errorf("runtime state left after the exit was noticed: %v", s)
	}
}

// A monitor whose exit command fails says so in a log the user can find
// (<graphroot>/pier/monitor.log), and the next command that notices the
// exit does the cleanup, removing an --rm container.
func TestExitCommandFailureLoggedAndRepaired(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	// The monitor and its exit command inherit the CLI's environment: the
	// cleanup is SIGKILLed as it starts.
	id := p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=cleanup-start"}},
		"run", "-d", "--rm", "--name", "ec", Image, "true").Out()
	if len(id) != 64 {
		t.Fatalf("run -d printed %q", id)
	}
	logPath := filepath.Join(p.Root, "pier", "monitor.log")
	var log string
	if !eventually(15*time.Second, func() bool {
		b, _ := os.ReadFile(logPath)
		log = string(b)
		return strings.Contains(log, id)
	}) {
		t.Fatalf("no line about container %s in %s: %q", id, logPath, log)
	}
	for _, want := range []string{"exit command", "container cleanup", "signal: killed"} {
		if !strings.Contains(log, want) {
			t.Errorf("monitor.log should mention %q: %q", want, log)
		}
	}
	eventually(10*time.Second, func() bool { return len(MonitorsFor(id)) == 0 })
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("the --rm container should be removed once its exit is noticed: %v", ids)
	}
	if m := p.OverlayMounts(); len(m) != 0 {
		t.Errorf("rootfs still mounted: %v", m)
	}
}

// A recorded PID that now belongs to another process (PID reuse) does not
// pass for the container's monitor: its start time differs.
func TestReusedMonitorPID(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "reuse", Image, "sleep", "1000")
	killMonitorAndContainer(t, p, "reuse")
	// Another process now "has" the monitor's PID.
	other := exec.Command("sleep", "1000")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { other.Process.Kill(); other.Wait() }()
	p.SetStateField("reuse", "$.monitorPid", other.Process.Pid)
	if st := p.Status("reuse"); st != "exited" {
		t.Errorf("container whose monitor died reported %q because its PID was reused", st)
	}
}

// rm of a container whose process may still run (a CLI killed after the
// runtime created it: its init waits in the runtime) deletes the runtime's
// container, killing that process, before its storage: never the storage
// from under a live process.
func TestRmRuntimeBeforeStorageWhenProcessMayRun(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	wrapper := p.RuntimeWrapper()
	r := p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=start-after-monitor"}},
		"run", "-d", "--runtime", wrapper, "--name", "half", Image, "sleep", "100")
	if r.Signal != syscall.SIGKILL {
		t.Fatalf("failpoint did not fire: %s", r)
	}
	mounts := p.OverlayMounts()
	if len(mounts) != 1 {
		t.Fatalf("want the container's rootfs mounted: %v", mounts)
	}
	storage := mounts[0] // goes with the container's layer
	// The runtime's delete looks at the storage 300 ms after it is called.
	os.WriteFile(wrapper+".probe", []byte("delete 300 "+storage+"\n"), 0o644)
	p.MustRun("rm", "half")
	log, _ := os.ReadFile(wrapper + ".log")
	if !strings.Contains(string(log), "probe "+storage+" present") {
		t.Errorf("storage was removed while the runtime's delete was under way:\n%s", log)
	}
}

// inspect --size reports the writable layer's size and the root
// filesystem's (image included); without it neither is computed.
func TestInspectSize(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "w", Image, "dd", "if=/dev/zero", "of=/big", "bs=1024", "count=300")
	if got := p.Inspect("w", "{{.SizeRw}} {{.SizeRootFs}}"); got != "<nil> 0" {
		t.Errorf("without --size: %q, want no sizes", got)
	}
	out := p.MustRun("container", "inspect", "--size", "--format", "{{.SizeRw}} {{.SizeRootFs}}", "w").Out()
	var rw, rootfs int64
	if _, err := fmt.Sscan(out, &rw, &rootfs); err != nil {
		t.Fatalf("inspect --size printed %q: %v", out, err)
	}
	if rw < 300*1024 || rootfs <= rw {
		t.Errorf("SizeRw %d (want >= %d), SizeRootFs %d (want > SizeRw)", rw, 300*1024, rootfs)
	}
}
