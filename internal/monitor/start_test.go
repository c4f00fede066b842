package monitor

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// With Start and WaitAttach the monitor runs the container itself (one
// runtime process) after registering the client: output written at once
// by a container that exits at once is not lost, and the exit code comes.
func TestLaunchAttachStartsAndKeepsOutput(t *testing.T) {
	for i := 0; i < 3; i++ {
		f := newFixture(t, false, "sh", "-c", "echo hello; echo oops >&2; exit 4")
		f.cfg.Start, f.cfg.WaitAttach = true, true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		pid, monPID, att, err := LaunchAttach(ctx, monitorBin, f.cfg)
		cancel()
		if err != nil {
			t.Fatalf("LaunchAttach: %v", err)
		}
		if pid <= 0 || monPID <= 0 || att == nil {
			t.Fatalf("LaunchAttach returned pid %d, monitor %d, attach %v", pid, monPID, att)
		}
		var stdout, stderr bytes.Buffer
		code, err := att.Run(context.Background(), &AttachStreams{Stdout: &stdout, Stderr: &stderr})
		if err != nil || code != 4 || stdout.String() != "hello\n" || stderr.String() != "oops\n" {
			t.Fatalf("attach: code %d, err %v, stdout %q, stderr %q; want 4, hello, oops", code, err, stdout.String(), stderr.String())
		}
		f.waitExit(t, monPID)
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
