package e2e

import (
	"testing"
	"time"
)

// A container the user killed is not restarted by its restart policy, as
// podman (kill marks it stopped by the user).
func TestKillIsNotRestarted(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "k", "--restart", "always", Image, "sleep", "1000")
	p.MustRun("kill", "k")
	p.WaitStatus("k", "exited", 10*time.Second)
	time.Sleep(time.Second) // a restart would have happened by now
	if got := p.Inspect("k", "{{.State.Status}} {{.RestartCount}}"); got != "exited 0" {
		t.Errorf("after kill: %q", got)
	}
}
