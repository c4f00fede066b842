package monitor

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// pendingPID is the PID of p's monitor once it is spawned.
func pendingPID(t *testing.T, p *Pending) int {
	t.Helper()
	<-p.ready
	if p.err != nil {
		t.Fatalf("spawning a pending monitor: %v", p.err)
	}
	return p.cmd.Process.Pid
}

// A pending monitor runs the container it is handed: the launch uses that
// very process (no second monitor), and output and exit code come as from
// a monitor started by the launch.
func TestPendingMonitorRunsTheContainer(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo pending; exit 3")
	f.cfg.Start, f.cfg.ErrorLog = true, filepath.Join(f.dir, "monitor.log")
	p := Spawn(monitorBin, f.cfg.ErrorLog, f.cfg.ID, f.cfg.RunDir)
	spawned := pendingPID(t, p)
	// Named like every monitor: the stale check and ps find it so.
	waitFor(t, "the pending monitor's exec", func() bool { return isMonitorOf(spawned, f.cfg.ID) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	heard := 0
	_, monPID, att, err := LaunchStartPending(ctx, p, monitorBin, f.cfg, true, func(m int) error { heard = m; return nil })
	if err != nil {
		t.Fatalf("LaunchStartPending: %v", err)
	}
	if monPID != spawned || heard != spawned {
		t.Fatalf("the launch used monitor %d (listening heard %d), not the pending one %d", monPID, heard, spawned)
	}
	var stdout bytes.Buffer
	code, err := att.Run(context.Background(), &AttachStreams{Stdout: &stdout})
	if err != nil || code != 3 || stdout.String() != "pending\n" {
		t.Fatalf("attach: code %d, err %v, stdout %q; want 3, pending", code, err, stdout.String())
	}
	f.waitExit(t, monPID)
}

// An unused pending monitor exits once let go: a CLI that fails before
// its launch leaves no monitor behind.
func TestPendingMonitorLetGoExits(t *testing.T) {
	prereqs(t)
	p := Spawn(monitorBin, "", "pier-test-unused", t.TempDir())
	pid := pendingPID(t, p)
	p.Close()
	waitFor(t, "the pending monitor to exit", func() bool { return !alive(pid) })
	p.Close() // twice is fine
}

// A config the pending monitor cannot serve (here another error log; also
// another container, preserved fds) gets a monitor of its own; the
// pending one exits.
func TestPendingMonitorNotUsableFallsBack(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "exit 0")
	f.cfg.Start, f.cfg.ErrorLog = true, filepath.Join(f.dir, "monitor.log")
	p := Spawn(monitorBin, filepath.Join(f.dir, "other.log"), f.cfg.ID, f.cfg.RunDir)
	spawned := pendingPID(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, monPID, att, err := LaunchStartPending(ctx, p, monitorBin, f.cfg, true, nil)
	if err != nil {
		t.Fatalf("LaunchStartPending: %v", err)
	}
	if monPID == spawned {
		t.Fatal("a monitor spawned for another error log ran the container")
	}
	waitFor(t, "the unused pending monitor to exit", func() bool { return !alive(spawned) })
	if code, err := att.Run(context.Background(), &AttachStreams{}); err != nil || code != 0 {
		t.Fatalf("attach: code %d, err %v", code, err)
	}
	f.waitExit(t, monPID)
}

// A pending monitor's PID is recorded before it runs anything; a listening
// hook that fails then stops the launch: no container, no monitor.
func TestPendingMonitorListeningFails(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo should-not-run > /ran")
	f.cfg.Start = true
	p := Spawn(monitorBin, "", f.cfg.ID, f.cfg.RunDir)
	spawned := pendingPID(t, p)
	_, _, _, err := LaunchStartPending(context.Background(), p, monitorBin, f.cfg, false, func(int) error { return os.ErrPermission })
	if err == nil {
		t.Fatal("LaunchStartPending succeeded although listening failed")
	}
	waitFor(t, "the monitor to exit", func() bool { return !alive(spawned) })
	if _, err := os.Stat(filepath.Join(f.cfg.Bundle, "rootfs", "ran")); err == nil {
		t.Fatal("the container ran although listening failed")
	}
}
