package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An attached run --rm removes its container itself and a stop cleans up
// itself: the monitor runs no `pier container cleanup` after them (a whole
// process per container). The failpoint kills any cleanup that starts, and
// the monitor logs that to monitor.log, so an empty log means none ran.
func TestNoCleanupProcessAfterRunRmAndStop(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	env := RunOpts{Env: []string{"PIER_FAILPOINT=cleanup-start"}}
	logPath := filepath.Join(p.Root, "pier", "monitor.log")
	noMonitors := func() bool {
		for _, pi := range p.Processes() {
			if strings.Contains(pi.Cmdline, "pier-monitor") {
				return false
			}
		}
		return true
	}

	if r := p.RunWith(env, "run", "--rm", "--name", "rr", Image, "sh", "-c", "echo hi; exit 3"); r.ExitCode != 3 || r.Out() != "hi" {
		t.Fatalf("run --rm: %s", r)
	}
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("run --rm left containers: %v", ids)
	}
	p.RunWith(env, "run", "-d", "--name", "st", Image, "sleep", "100")
	if r := p.RunWith(env, "stop", "-t", "0", "st"); r.ExitCode != 0 {
		t.Fatalf("stop: %s", r)
	}
	if st := p.Status("st"); st != "exited" {
		t.Errorf("after stop: %s", st)
	}
	if !eventually(15*time.Second, noMonitors) {
		t.Fatalf("monitors left: %v", p.Processes())
	}
	if b, _ := os.ReadFile(logPath); len(b) != 0 {
		t.Errorf("a cleanup process ran after run --rm or stop: %s", b)
	}

	// The control: a detached --rm container's exit is its monitor's to
	// clean up, so a cleanup runs (and is killed, and logged).
	id := p.RunWith(env, "run", "-d", "--rm", Image, "true").Out()
	if !eventually(15*time.Second, func() bool {
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), id)
	}) {
		t.Errorf("the control's cleanup was not logged: the test cannot see cleanups")
	}
}

// A pier command leaves a small write-ahead log of the state for the next
// one rather than checkpointing and deleting it at exit (four fsyncs per
// command); what it committed is still there for the next process. A log
// past 1 MB is checkpointed and removed at exit, so that the next process,
// which reads the whole log to rebuild its index, never reads much.
func TestStateLogOutlivesEachCommand(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	wal := filepath.Join(p.Root, "pier", "state.db-wal")
	p.MustRun("create", "--name", "walctr", Image, "true")
	st, err := os.Stat(wal)
	if err != nil || st.Size() == 0 {
		t.Fatalf("after create the write-ahead log should hold the commit: %v %v", st, err)
	}
	if got := p.Inspect("walctr", "{{.Name}}"); got != "walctr" {
		t.Fatalf("the next command does not see the commit: %q", got)
	}
	// Three labels of 100 KB (one argument may not pass 128 KB).
	big := strings.Repeat("x", 100<<10)
	for i := 0; i < 4; i++ {
		p.MustRun("create", "--name", fmt.Sprintf("walbig%d", i),
			"--label", "a="+big, "--label", "b="+big, "--label", "c="+big, Image, "true")
	}
	if st, err := os.Stat(wal); err == nil && st.Size() > 1<<20 {
		t.Errorf("a write-ahead log of %d bytes was left behind", st.Size())
	}
	if n := len(p.PsIDs()); n != 5 {
		t.Errorf("%d containers after the checkpoint, want 5", n)
	}
}
