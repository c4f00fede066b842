package engine

import (
	"testing"
	"time"
)

func TestStopWait(t *testing.T) {
	if got := stopWait(10); got != 10*time.Second {
		t.Errorf("stopWait(10) = %s", got)
	}
	// podman's -1 arrives as the largest uint: it must not overflow into
	// a negative (already expired) wait.
	if got := stopWait(^uint(0)); got < 50*365*24*time.Hour {
		t.Errorf("stopWait(-1 as uint) = %s, want practically forever", got)
	}
}
