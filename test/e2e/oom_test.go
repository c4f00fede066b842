package e2e

import "testing"

// A container the kernel's OOM killer ends exits 137 and inspect says
// OOMKilled, as podman; a plain exit does not, nor does the next run.
func TestOOMKilled(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.Run("run", "--name", "o", "--memory", "20m", Image, "sh", "-c", `x=$(head -c 60000000 /dev/zero | tr "\0" a); echo survived`)
	if r.ExitCode != 137 {
		t.Fatalf("run over its memory limit: %s", r)
	}
	if got := p.Inspect("o", "{{.State.OOMKilled}} {{.State.ExitCode}}"); got != "true 137" {
		t.Errorf("inspect after the OOM kill: %q", got)
	}
	p.MustRun("run", "--name", "fine", Image, "true")
	if got := p.Inspect("fine", "{{.State.OOMKilled}}"); got != "false" {
		t.Errorf("OOMKilled after a plain exit: %q", got)
	}
}
