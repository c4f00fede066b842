package monitor

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With Start and WaitAttach the monitor runs the container itself (one
// runtime process) after registering the client: output written at once
// by a container that exits at once is not lost, and the exit code comes.
func TestLaunchAttachStartsAndKeepsOutput(t *testing.T) {
	for i := 0; i < 3; i++ {
		f := newFixture(t, false, "sh", "-c", "echo hello; echo oops >&2; exit 4")
		f.cfg.Start = true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		heard := 0
		pid, monPID, att, err := LaunchStart(ctx, monitorBin, f.cfg, true, func(m int) error { heard = m; return nil })
		cancel()
		if err != nil {
			t.Fatalf("LaunchStart: %v", err)
		}
		if pid <= 0 || monPID <= 0 || att == nil || heard != monPID {
			t.Fatalf("LaunchStart returned pid %d, monitor %d, attach %v; listening heard %d", pid, monPID, att, heard)
		}
		var stdout, stderr bytes.Buffer
		code, err := att.Run(context.Background(), &AttachStreams{Stdout: &stdout, Stderr: &stderr})
		if err != nil || code != 4 || stdout.String() != "hello\n" || stderr.String() != "oops\n" {
			t.Fatalf("attach: code %d, err %v, stdout %q, stderr %q; want 4, hello, oops", code, err, stdout.String(), stderr.String())
		}
		f.waitExit(t, monPID)
	}
}

// A listening hook that fails stops the launch: no container, no monitor.
func TestLaunchStartListeningFails(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo should-not-run > /ran")
	f.cfg.Start = true
	mon := 0
	_, _, _, err := LaunchStart(context.Background(), monitorBin, f.cfg, false, func(m int) error {
		mon = m
		return os.ErrPermission
	})
	if err == nil {
		t.Fatal("LaunchStart succeeded although listening failed")
	}
	waitFor(t, "the monitor to exit", func() bool { return !alive(mon) })
	if _, err := os.Stat(filepath.Join(f.cfg.Bundle, "rootfs", "ran")); err == nil {
		t.Fatal("the container ran although listening failed")
	}
}

// With Start alone the process runs when Launch returns: no runtime start.
func TestLaunchStartRuns(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo ran; exit 2")
	f.cfg.Start = true
	_, monPID := f.launch(t)
	if code := f.waitExit(t, monPID); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	var out strings.Builder
	for _, l := range readLog(t, f.cfg.LogPath) {
		out.WriteString(l.Text)
	}
	if out.String() != "ran" {
		t.Fatalf("log %q, want %q", out.String(), "ran")
	}
}

// A runtime failure in run mode reads as podman's (create) failure.
func TestLaunchStartFailureSaysCreate(t *testing.T) {
	f := newFixture(t, false, "/nonexistent")
	f.cfg.Start = true
	_, _, err := Launch(context.Background(), monitorBin, f.cfg)
	if err == nil {
		t.Fatal("Launch of a missing command succeeded")
	}
	if !strings.Contains(err.Error(), "runc create failed") || strings.Contains(err.Error(), "runc run failed") {
		t.Fatalf("error %q, want runc's create failure text", err)
	}
}

// Launch refuses WaitAttach: nobody would dial the monitor.
func TestLaunchRefusesWaitAttach(t *testing.T) {
	f := newFixture(t, false, "true")
	f.cfg.Start, f.cfg.WaitAttach = true, true
	if _, _, err := Launch(context.Background(), monitorBin, f.cfg); err == nil {
		t.Fatal("Launch with WaitAttach succeeded")
	}
}

// The cleaning client (run --rm) that says it removed the container
// spares the exit command; one that goes away without saying so does not.
func TestFirstClientCleans(t *testing.T) {
	for _, done := range []bool{true, false} {
		f := newFixture(t, false, "sh", "-c", "echo bye")
		f.cfg.Start, f.cfg.FirstClientCleans = true, true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, monPID, att, err := LaunchStart(ctx, monitorBin, f.cfg, true, nil)
		cancel()
		if err != nil {
			t.Fatalf("LaunchStart: %v", err)
		}
		if !att.Cleans() {
			t.Fatal("the first client of a FirstClientCleans monitor does not clean")
		}
		var stdout bytes.Buffer
		if code, err := att.Run(context.Background(), &AttachStreams{Stdout: &stdout}); err != nil || code != 0 || stdout.String() != "bye\n" {
			t.Fatalf("attach: code %d, err %v, stdout %q", code, err, stdout.String())
		}
		if !alive(monPID) {
			t.Fatal("the monitor did not wait for the cleaning client")
		}
		if done {
			if err := att.CleanupDone(); err != nil {
				t.Fatal(err)
			}
		} else {
			att.Close()
		}
		waitFor(t, "the monitor to exit", func() bool { return !alive(monPID) })
		_, err = os.Stat(filepath.Join(f.dir, "cleanup"))
		if ran := err == nil; ran == done {
			t.Errorf("cleanup done by the client %v: exit command ran %v", done, ran)
		}
	}
}

// A client that claims the cleanup (stop) gets it once; the monitor then
// runs its exit command only if that client leaves without CleanupDone.
func TestClaimCleanup(t *testing.T) {
	for _, done := range []bool{true, false} {
		f := newFixture(t, false, "sleep", "100")
		f.cfg.Start = true
		_, monPID := f.launch(t)
		claim := ClaimCleanup(context.Background(), f.cfg.RunDir)
		if claim == nil {
			t.Fatal("the monitor refused the first claim")
		}
		if other := ClaimCleanup(context.Background(), f.cfg.RunDir); other != nil {
			t.Fatal("the monitor granted a second claim")
		}
		if err := f.rt.Kill(context.Background(), f.cfg.ID, syscall.SIGKILL, false); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the exit file", func() bool { _, _, err := ReadExitFile(f.cfg.RunDir); return err == nil })
		time.Sleep(50 * time.Millisecond)
		if !alive(monPID) {
			t.Fatal("the monitor did not wait for the claimer")
		}
		if done {
			if err := claim.CleanupDone(); err != nil {
				t.Fatal(err)
			}
		} else {
			claim.Close()
		}
		waitFor(t, "the monitor to exit", func() bool { return !alive(monPID) })
		_, err := os.Stat(filepath.Join(f.dir, "cleanup"))
		if ran := err == nil; ran == done {
			t.Errorf("claimer done %v: exit command ran %v", done, ran)
		}
	}
}
