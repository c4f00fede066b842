package cli

import (
	"os"
	"syscall"
	"testing"
	"time"
)

func TestOnSignals(t *testing.T) {
	got := make(chan os.Signal, 1)
	// SIGWINCH: ignored by default, so a stray one cannot end the test binary.
	stop := onSignals(1, func(s os.Signal) { got <- s }, syscall.SIGWINCH)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != syscall.SIGWINCH {
			t.Errorf("got %v, want SIGWINCH", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("fn was not called for SIGWINCH")
	}
}
