package e2e

import (
	"strings"
	"testing"
	"time"
)

// stop and kill signal the container's init themselves (no runtime
// exec). A SIGKILL of the init must still end every process of the
// container, as `runc kill --all` did, and a signal must reach the init.
func TestStopKillsEveryProcessAndKillReachesInit(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "tree", Image, "sh", "-c", "sleep 1001 & sleep 1002 & wait")
	sleepers := func() []string {
		var out []string
		for _, pi := range p.Processes() {
			if strings.HasPrefix(pi.Cmdline, "sleep 100") {
				out = append(out, pi.Cmdline)
			}
		}
		return out
	}
	if !eventually(10*time.Second, func() bool { return len(sleepers()) == 2 }) {
		t.Fatalf("the container's two sleeps did not start: %v", sleepers())
	}
	if r := p.Run("stop", "-t", "0", "tree"); r.ExitCode != 0 {
		t.Fatalf("stop: %s", r)
	}
	if got := p.Inspect("tree", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 137" {
		t.Errorf("after stop -t 0: %q, want \"exited 137\"", got)
	}
	if left := sleepers(); len(left) != 0 {
		t.Errorf("processes of the container outlived its stop: %v", left)
	}

	// kill -s delivers to the init, whose trap answers in the log.
	p.MustRun("run", "-d", "--name", "trap", Image, "sh", "-c",
		`trap 'echo got USR1' USR1; echo ready; while :; do sleep 0.1; done`)
	p.WaitLogs("trap", "ready", 10*time.Second)
	p.MustRun("kill", "-s", "USR1", "trap")
	p.WaitLogs("trap", "got USR1", 10*time.Second)

	// An init that ignores the stop signal is killed after the timeout.
	p.MustRun("run", "-d", "--name", "stubborn", Image, "sh", "-c",
		`trap '' TERM; echo ready; while :; do sleep 0.1; done`)
	p.WaitLogs("stubborn", "ready", 10*time.Second)
	r := p.Run("stop", "-t", "1", "stubborn")
	if r.ExitCode != 0 || !strings.Contains(r.Stderr, "resorting to SIGKILL") {
		t.Errorf("stop of a container ignoring SIGTERM: %s", r)
	}
	if got := p.Inspect("stubborn", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 137" {
		t.Errorf("after the SIGKILL: %q, want \"exited 137\"", got)
	}
}

// An attached run --rm claims the cleanup: its exit frame must still come
// after all of its output, however much there is.
func TestRunRmGetsAllOutputBeforeTheExit(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	for range 3 {
		r := p.Run("run", "--rm", Image, "sh", "-c", "seq 1 200000; exit 7")
		lines := r.Lines()
		if r.ExitCode != 7 || len(lines) != 200000 || lines[len(lines)-1] != "200000" {
			last := ""
			if len(lines) > 0 {
				last = lines[len(lines)-1]
			}
			t.Fatalf("run --rm: exit %d, %d lines, last %q", r.ExitCode, len(lines), last)
		}
	}
}
