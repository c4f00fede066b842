package monitor

import (
	"context"
	"os"
	"testing"
	"time"
)

// A monitor sends its PID and closes the sync pipe at once: the reply
// must win over the end of the pipe every time (both used to be ready
// together in two channels, and select picked one at random).
func TestAwaitReadsTheReplyBeforeTheEnd(t *testing.T) {
	readerStarted = func() { time.Sleep(time.Millisecond) }
	defer func() { readerStarted = func() {} }()
	for i := range 200 {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteString(`{"pid":4242}` + "\n"); err != nil {
			t.Fatal(err)
		}
		w.Close()
		// An exec session's launch: a failure kills no runtime container.
		l := &launch{cfg: &Config{ID: "c", ExecProcess: "p"}, waited: make(chan error, 1)}
		pid, err := l.await(context.Background(), r)
		r.Close()
		if err != nil || pid != 4242 {
			t.Fatalf("attempt %d: pid %d, err %v", i, pid, err)
		}
	}
}
