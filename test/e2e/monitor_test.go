package e2e

import (
	"debug/elf"
	"os"
	"strconv"
	"testing"
	"time"
)

// 4. The monitor: detached from the CLI, parent of the container, gone
// after the container exits, having recorded the exit code.

// monitorOf finds the container's monitor: inspect's State.ConmonPid (the
// podman field), cross-checked with a scan of /proc.
func monitorOf(t *testing.T, p *Pier, ctr string) procInfo {
	t.Helper()
	id := p.Inspect(ctr, "{{.Id}}")
	var pid int
	if r := p.Run("inspect", "--format", "{{.State.ConmonPid}}", ctr); r.ExitCode == 0 {
		pid, _ = strconv.Atoi(r.Out())
	} else {
		t.Errorf("inspect should report the monitor PID as State.ConmonPid: %s", r)
	}
	scanned := MonitorsFor(id)
	if len(scanned) != 1 {
		t.Errorf("want exactly one pier-monitor process naming %s, found %v", id, scanned)
	}
	if pid == 0 && len(scanned) > 0 {
		pid = scanned[0].PID
	}
	if len(scanned) == 1 && scanned[0].PID != pid {
		t.Errorf("State.ConmonPid %d is not the monitor found in /proc (%d)", pid, scanned[0].PID)
	}
	pi, err := readProc(pid)
	if err != nil {
		t.Fatalf("monitor process %d of %s: %v", pid, ctr, err)
	}
	return pi
}

func TestMonitorDetached(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "m", Image, "sleep", "100")
	mon := monitorOf(t, p, "m")
	self, _ := readProc(os.Getpid())
	if mon.PPID == os.Getpid() {
		t.Errorf("monitor %v is a child of the test process", mon)
	}
	if parent, err := readProc(mon.PPID); err == nil && (parent.Comm == "pier" || parent.Comm == "pier-monitor") {
		t.Errorf("monitor's parent is %v; it should have been re-parented (double fork)", parent)
	}
	if mon.SID == self.SID {
		t.Errorf("monitor shares the test's session %d (setsid missing)", mon.SID)
	}
	if mon.SID != mon.PID {
		t.Logf("monitor is not a session leader (sid %d, pid %d)", mon.SID, mon.PID)
	}
	ctrPid, _ := strconv.Atoi(p.Inspect("m", "{{.State.Pid}}"))
	ctr, err := readProc(ctrPid)
	if err != nil {
		t.Fatalf("container process %d: %v", ctrPid, err)
	}
	if ctr.PPID != mon.PID {
		t.Errorf("container process %v should be a child of its monitor %d (subreaper)", ctr, mon.PID)
	}
	t.Logf("pier-monitor VmRSS: %d kB (conmon on this machine: ~2000 kB)", vmRSSkB(mon.PID))
	if _, err := os.Stat(logPath(t, p, "m")); err != nil {
		t.Errorf("container log: %v", err)
	}

	// The CLI that started it is gone, the container is not.
	if st := p.Status("m"); st != "running" {
		t.Errorf("status %q", st)
	}
	p.MustRun("kill", "m")
	p.WaitStatus("m", "exited", 10*time.Second)
	if got := p.Inspect("m", "{{.State.ExitCode}}"); got != "137" {
		t.Errorf("exit code recorded by the monitor: %s, want 137", got)
	}
	if !eventually(10*time.Second, func() bool { return !alive(mon.PID) }) {
		t.Errorf("monitor %d still alive after the container exited", mon.PID)
	}
	if !eventually(10*time.Second, func() bool { return len(p.OverlayMounts()) == 0 }) {
		t.Errorf("cleanup after exit should unmount the rootfs: %v", p.OverlayMounts())
	}
	if got := p.Inspect("m", "{{.State.FinishedAt}}"); got == "" || got == "0001-01-01 00:00:00 +0000 UTC" {
		t.Errorf("FinishedAt not recorded: %q", got)
	}
}

// A container that exits by itself: the monitor records the code and
// cleans up without any CLI running.
func TestMonitorRecordsExit(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "short", Image, "sh", "-c", "sleep 3; exit 11")
	mon := monitorOf(t, p, "short")
	if !eventually(15*time.Second, func() bool { return !alive(mon.PID) }) {
		t.Fatalf("monitor did not exit after its container did")
	}
	// Read the state only after the monitor is gone: nothing but the
	// monitor (and the cleanup it ran) can have recorded it.
	if got := p.Inspect("short", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 11" {
		t.Errorf("state after self-exit: %q, want \"exited 11\"", got)
	}
	if m := p.OverlayMounts(); len(m) != 0 {
		t.Errorf("mounts left after self-exit: %v", m)
	}
}

// --rm with -d: the monitor's cleanup removes the container.
func TestMonitorAutoRemove(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--rm", "--name", "gone", Image, "sh", "-c", "sleep 0.5")
	if !eventually(15*time.Second, func() bool { return p.Run("container", "exists", "gone").ExitCode == 1 }) {
		t.Errorf("run -d --rm container still exists after it exited")
	}
	p.CheckClean("after run -d --rm")
}

// The monitor is a static binary: no dynamic loader or libc mapped into a
// process that lives as long as its container (the journald writer's net
// package made it link libc once; its RSS went from 2.5 to 4.4 MB).
func TestMonitorIsStatic(t *testing.T) {
	f, err := elf.Open(monitorBin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatalf("%s is dynamically linked (has an ELF interpreter): build it with CGO_ENABLED=0", monitorBin)
		}
	}
}
