package e2e

import "testing"

// pod logs --color: each member's lines in podman's colour for its place
// in the pod (the infra counts); logs --color colours by argument order.
func TestPodLogsColor(t *testing.T) {
	p := newPier(t)
	p.MustRun("pod", "create", "--name", "lc")
	p.MustRun("run", "--pod", "lc", "--name", "a", Image, "echo", "one")
	p.MustRun("run", "--pod", "lc", "--name", "b", Image, "echo", "two")
	if got := p.MustRun("pod", "logs", "--color", "--names", "lc").Stdout; got != "\x1b[31ma one\x1b[0m\n\x1b[33mb two\x1b[0m\n" {
		t.Fatalf("pod logs --color: %q", got)
	}
	if got := p.MustRun("pod", "logs", "--color", "-c", "b", "lc").Stdout; got != "\x1b[37mtwo\x1b[0m\n" {
		t.Fatalf("pod logs --color -c: %q", got)
	}
	if got := p.MustRun("logs", "--color", "--names", "b", "a").Stdout; got != "\x1b[37mb two\x1b[0m\n\x1b[31ma one\x1b[0m\n" {
		t.Fatalf("logs --color: %q", got)
	}
	p.ExpectEngineError(p.Expect(125, "pod", "logs"), "specify at least one pod name or ID to log")
}
