package e2e

import (
	"strings"
	"testing"
	"time"
)

// pause freezes the container (a counter stops advancing), ps and inspect
// show it, unpause resumes it; podman's errors for the wrong states.
func TestPauseUnpause(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "c", Image, "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.1; done")
	p.MustRun("create", "--name", "idle", Image, "true")
	counter := func() string { return p.MustRun("exec", "c", "cat", "/tmp/n").Out() }
	eventually(10*time.Second, func() bool { return p.Run("exec", "c", "cat", "/tmp/n").ExitCode == 0 })

	if out := p.MustRun("pause", "c").Out(); out != "c" {
		t.Errorf("pause prints the name: %q", out)
	}
	if s := p.Status("c"); s != "paused" {
		t.Errorf("inspect after pause: %s", s)
	}
	if got := p.MustRun("ps", "-a", "--filter", "name=^c$", "--format", "{{.Status}}").Out(); got != "Paused" {
		t.Errorf("ps after pause: %q", got)
	}
	r := p.Run("pause", "c")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "is already paused: container state improper") {
		t.Errorf("pause twice: %s", r)
	}
	p.MustRun("unpause", "c")
	before := counter()
	p.MustRun("pause", "c")
	time.Sleep(time.Second)
	p.MustRun("unpause", "c")
	after := counter()
	if before == "" || after == "" {
		t.Fatalf("counter unreadable: %q %q", before, after)
	}
	var b, a int
	for _, x := range []struct {
		s string
		v *int
	}{{before, &b}, {after, &a}} {
		for _, ch := range x.s {
			*x.v = *x.v*10 + int(ch-'0')
		}
	}
	if a-b > 5 {
		t.Errorf("counter advanced by %d while paused for 1s", a-b)
	}
	if !eventually(5*time.Second, func() bool { return counter() != after }) {
		t.Errorf("counter does not advance after unpause")
	}
	r = p.Run("unpause", "c")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "is not paused, can't unpause") {
		t.Errorf("unpause of a running container: %s", r)
	}
	r = p.Run("pause", "idle")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, `"created" is not running, can't pause`) {
		t.Errorf("pause of a created container: %s", r)
	}
	p.MustRun("pause", "c")
	if got := p.MustRun("unpause", "--all").Out(); got != p.Inspect("c", "{{.ID}}") {
		t.Errorf("unpause --all prints the IDs of the paused: %q", got)
	}
	if s := p.Status("c"); s != "running" {
		t.Errorf("after unpause --all: %s", s)
	}
	p.MustRun("pause", "c")
	p.MustRun("stop", "-t", "0", "c") // a paused container stops
	if s := p.Status("c"); s != "exited" {
		t.Errorf("stop of a paused container: %s", s)
	}
}
