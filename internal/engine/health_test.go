package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

// podman 5's status rules: a success makes healthy; failures count only
// outside the start period and turn unhealthy after Retries in a row;
// the log keeps the last 5 runs.
func TestRecordHealth(t *testing.T) {
	dir := t.TempDir()
	r := &Runtime{runDir: dir}
	c := &define.Container{}
	c.Config.ID = "abc"
	c.Config.HealthCheck = &define.HealthConfig{Test: []string{"CMD", "x"}, Retries: 2}
	if err := os.MkdirAll(filepath.Dir(r.healthFile(c)), 0o700); err != nil {
		t.Fatal(err)
	}
	run := func(code int, inStart bool) define.HealthCheckResults {
		h, err := r.recordHealth(c, define.HealthCheckLog{ExitCode: code}, inStart)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if h := run(1, true); h.Status != define.HealthStarting || h.FailingStreak != 0 {
		t.Errorf("failure in the start period: %+v", h)
	}
	if h := run(1, false); h.Status != define.HealthStarting || h.FailingStreak != 1 {
		t.Errorf("first failure: %+v", h)
	}
	if h := run(0, false); h.Status != define.HealthHealthy || h.FailingStreak != 0 {
		t.Errorf("success: %+v", h)
	}
	run(1, false)
	h := run(1, false)
	if h.Status != define.HealthUnhealthy || h.FailingStreak != 2 || len(h.Log) != 5 {
		t.Errorf("two failures: %+v", h)
	}
	r.loadHealth(c)
	if c.State.Health == nil || c.State.Health.Status != define.HealthUnhealthy {
		t.Errorf("loaded: %+v", c.State.Health)
	}
}
