package engine

import (
	"testing"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/define/definetest"
	"github.com/pier-engine/pier/internal/events"
)

// ListContainers gives configs with only their listed part: the status
// sync of a read and ps's sync events must not need more.
func TestListedConfigServesListingReads(t *testing.T) {
	r := &Runtime{runDir: t.TempDir()}
	for _, st := range []define.Status{define.StatusExited, define.StatusRunning} {
		full := &define.Container{}
		definetest.Fill(full)
		full.State.Status = st
		full.Config.HealthLogDestination = t.TempDir()
		listed := &define.Container{Config: full.Config.Listed(), State: full.State}
		ef, el := containerEvent(full, events.Sync), containerEvent(listed, events.Sync)
		el.Time = ef.Time
		if ef.ID != el.ID || ef.Name != el.Name || ef.Image != el.Image || ef.PodID != el.PodID || len(ef.Attributes) != len(el.Attributes) {
			t.Errorf("sync event differs: %+v, listed %+v", ef, el)
		}
		if hasHealthCheck(full) != hasHealthCheck(listed) || r.healthFile(full) != r.healthFile(listed) {
			t.Error("healthcheck differs")
		}
		if r.orphanedExit(full) != r.orphanedExit(listed) {
			t.Error("orphanedExit differs")
		}
		if full.Config.Runtime != listed.Config.Runtime {
			t.Error("runtime differs")
		}
	}
}
