package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// on-failure:2 restarts a failing container exactly twice (its monitor
// does it: no daemon), counts the restarts and keeps the last exit code;
// a zero exit is not restarted.
func TestRestartOnFailureTwice(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.Expect(1, "run", "--name", "rf", "--restart", "on-failure:2", Image, "sh", "-c", "echo ran; exit 1")
	if !eventually(20*time.Second, func() bool {
		return p.Inspect("rf", "{{.State.Status}} {{.RestartCount}}") == "exited 2" &&
			strings.Count(p.MustRun("logs", "rf").Stdout, "ran") == 3
	}) {
		t.Fatalf("after 20s: %s, logs %q", p.Inspect("rf", "{{.State.Status}} {{.RestartCount}}"), p.MustRun("logs", "rf").Stdout)
	}
	time.Sleep(time.Second) // a third restart would have begun by now
	if got := p.Inspect("rf", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}"); got != "exited 2 1" {
		t.Errorf("after the retries: %s", got)
	}
	if got := p.MustRun("ps", "-a", "--format", "{{.Names}} {{.Restarts}}").Out(); got != "rf 2" {
		t.Errorf("ps restarts: %q", got)
	}
	evs := p.MustRun("events", "--stream=false", "--filter", "container=rf", "--format", "{{.Status}}").Lines()
	if got := strings.Join(evs, " "); got != "create init start attach died restart init start died restart init start died cleanup" {
		t.Errorf("events: %s", got)
	}
	p.MustRun("run", "--name", "ok", "--restart", "on-failure", Image, "true")
	time.Sleep(time.Second)
	if got := p.Inspect("ok", "{{.State.Status}} {{.RestartCount}}"); got != "exited 0" {
		t.Errorf("on-failure after exit 0: %s", got)
	}
}

// always brings back a container killed from outside, but not one the
// user stopped; a start by the user counts anew.
func TestRestartAlwaysButNotAfterStop(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "ra", "--restart", "always", Image, "sleep", "1000")
	pid := p.Inspect("ra", "{{.State.Pid}}")
	var n int
	for _, ch := range pid {
		n = n*10 + int(ch-'0')
	}
	if err := syscall.Kill(n, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !eventually(15*time.Second, func() bool {
		return p.Inspect("ra", "{{.State.Status}} {{.RestartCount}}") == "running 1" && p.Inspect("ra", "{{.State.Pid}}") != pid
	}) {
		t.Fatalf("not restarted after a kill: %s", p.Inspect("ra", "{{.State.Status}} {{.RestartCount}} {{.State.Pid}}"))
	}
	p.MustRun("stop", "-t", "0", "ra")
	time.Sleep(2 * time.Second)
	if got := p.Inspect("ra", "{{.State.Status}} {{.RestartCount}}"); got != "exited 1" {
		t.Errorf("after stop: %s", got)
	}
	p.MustRun("start", "ra")
	if got := p.Inspect("ra", "{{.State.Status}} {{.RestartCount}}"); got != "running 0" {
		t.Errorf("after start: %s", got)
	}
}
