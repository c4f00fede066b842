package proc

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestAliveChecksIdentity(t *testing.T) {
	self := os.Getpid()
	start, err := StartTime(self)
	if err != nil || start == 0 {
		t.Fatalf("StartTime(self) = %d, %v", start, err)
	}
	if !Alive(self, start) || !Alive(self, 0) {
		t.Fatal("this process is not alive")
	}
	// The same PID with another start time is another process: a reused
	// PID must not pass for the one recorded.
	if Alive(self, start+1) {
		t.Fatal("a different start time was taken for the same process")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if Alive(cmd.Process.Pid, 0) {
		t.Fatalf("exited process %d reported alive", cmd.Process.Pid)
	}
}

func TestZombieIsDead(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	pid := cmd.Process.Pid
	for i := 0; i < 1000; i++ { // until it exited and waits to be reaped
		if st, err := readStat(pid); err == nil && st.state == 'Z' {
			if Alive(pid, 0) {
				t.Fatal("zombie reported alive")
			}
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the child never became a zombie")
}

func TestSignalChecksIdentityAndNamespace(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	start, err := StartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	// A reused PID (another start time) must never receive the signal.
	if err := Signal(pid, start+1, syscall.SIGKILL, false); !errors.Is(err, ErrGone) {
		t.Fatalf("Signal with a wrong start time = %v, want ErrGone", err)
	}
	// sleep is no PID namespace's init: a namespace-wide kill is refused.
	if err := Signal(pid, start, syscall.SIGKILL, true); !errors.Is(err, ErrNotNamespaceInit) {
		t.Fatalf("Signal(toNamespace) of a plain process = %v, want ErrNotNamespaceInit", err)
	}
	if !Alive(pid, start) {
		t.Fatal("a refused signal was delivered")
	}
	if err := Signal(pid, start, syscall.SIGTERM, false); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || cmd.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Fatalf("process did not die of SIGTERM: %v", err)
	}
	if err := Signal(pid, start, syscall.SIGTERM, false); !errors.Is(err, ErrGone) {
		t.Fatalf("Signal to a reaped process = %v, want ErrGone", err)
	}
}
