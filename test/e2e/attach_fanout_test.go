package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/monitor"
)

type countWriter struct{ n atomic.Int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return len(p), nil }

// An attach client that stops reading holds up neither the container nor
// the other attached clients, and is dropped once it is far behind.
func TestAttachStalledClient(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "c", "--log-driver", "none", Image, "sh", "-c",
		"i=0; while :; do echo \"line $i ..................................................\"; i=$((i+1)); done")
	id := p.Inspect("c", "{{.ID}}")
	runDir := filepath.Join(p.RunRoot, "pier", "containers", id)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stalled, err := monitor.DialAttach(ctx, runDir)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()

	cmd := p.Command(ctx, RunOpts{}, "attach", "--no-stdin", "c")
	var out countWriter
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	time.Sleep(time.Second)
	n1 := out.n.Load()
	time.Sleep(2 * time.Second)
	n2 := out.n.Load()
	if n2-n1 < 100<<10 {
		t.Errorf("the attached client got %d bytes in 2s while another client stalled (%d before)", n2-n1, n1)
	}

	// Reading now drains what was queued for it, then the monitor's close.
	_, err = stalled.Run(ctx, &monitor.AttachStreams{})
	if err == nil || !strings.Contains(err.Error(), "closed the attach connection") {
		t.Errorf("the stalled client was not dropped: %v", err)
	}
	p.MustRun("rm", "-f", "-t", "0", "c")
}

// slowWriter takes its time over every write, as a slow pipe reader.
type slowWriter struct{ countWriter }

func (s *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(2 * time.Millisecond)
	return s.countWriter.Write(p)
}

// The client that started the command (exec, run, start -a) holds the
// output back when it reads slowly: nothing is lost, however far behind.
func TestExecSlowReaderGetsEverything(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "c", Image, "sleep", "1000")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := p.Command(ctx, RunOpts{}, "exec", "c", "dd", "if=/dev/zero", "bs=1M", "count=24")
	var out slowWriter
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("exec: %v", err)
	}
	if n := out.n.Load(); n != 24<<20 {
		t.Errorf("a slow reader got %d bytes of %d", n, 24<<20)
	}
}
