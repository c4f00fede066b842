package e2e

import (
	"os"
	"strings"
	"testing"
)

// The shipped pier-restart.service's commands, run as systemd would at
// boot and shutdown (systemd is not PID 1 here, so the test runs them
// itself): ExecStop stops the containers with a restart policy, ExecStart
// brings back always and unless-stopped ones, not the others.
func TestRestartUnitCommands(t *testing.T) {
	t.Parallel()
	unit, err := os.ReadFile("../../contrib/systemd/pier-restart.service")
	if err != nil {
		t.Fatal(err)
	}
	cmds := map[string][]string{}
	for _, l := range strings.Split(string(unit), "\n") {
		key, val, ok := strings.Cut(l, "=")
		if !ok || (key != "ExecStart" && key != "ExecStop") {
			continue
		}
		f := strings.Fields(val)
		if len(f) < 3 || f[0] != "/usr/bin/pier" || f[1] != "$LOGGING" {
			t.Fatalf("%s: %q", key, val)
		}
		cmds[key] = f[2:]
	}
	if len(cmds) != 2 {
		t.Fatalf("ExecStart and ExecStop: %v", cmds)
	}
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "always", "--stop-timeout", "1", "--restart", "always", Image, "sleep", "1000")
	p.MustRun("run", "-d", "--name", "unless", "--stop-timeout", "1", "--restart", "unless-stopped", Image, "sleep", "1000")
	p.MustRun("run", "-d", "--name", "never", Image, "sleep", "1000")
	p.MustRun(append([]string{"--log-level=info"}, cmds["ExecStop"]...)...)
	state := func() string {
		return strings.Join(p.MustRun("ps", "-a", "--sort", "names", "--format", "{{.Names}}={{.State}}").Lines(), " ")
	}
	if got := state(); got != "always=exited never=running unless=exited" {
		t.Errorf("after ExecStop: %s", got)
	}
	p.MustRun("stop", "-t", "0", "never")
	p.MustRun(append([]string{"--log-level=info"}, cmds["ExecStart"]...)...)
	if got := state(); got != "always=running never=exited unless=running" {
		t.Errorf("after ExecStart: %s", got)
	}
}
