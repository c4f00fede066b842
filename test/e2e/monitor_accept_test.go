package e2e

import (
	"testing"
	"time"
)

// After a detached start, the monitor keeps accepting attach clients. A
// race between its first accept and the watcher of the engine's sync pipe
// (which sees the CLI exit) used to leave a deadline on the listener now
// and then: every later stop, attach or exec then hung for the 30 s of
// the handshake. Seen about once in ten starts, so the test repeats.
func TestMonitorAcceptsAfterDetachedStart(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	for i := 0; i < 30; i++ {
		id := p.MustRun("run", "-d", "--network", "none", Image, "sleep", "60").Out()
		r := p.RunWith(RunOpts{Timeout: 20 * time.Second}, "stop", "-t", "0", id)
		if r.ExitCode != 0 {
			t.Fatalf("stop %d: %s", i, r)
		}
		if r.Duration > 10*time.Second {
			t.Fatalf("stop %d waited %s for the monitor to accept its connection", i, r.Duration)
		}
		p.MustRun("rm", id)
	}
}
