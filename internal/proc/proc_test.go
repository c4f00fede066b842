package proc

import (
	"os"
	"os/exec"
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
