package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/pier-engine/pier/internal/define"
)

// Wait blocks until the container reaches one of conds (default: exited),
// polling every interval, and returns its exit code, or -1 when the state
// reached is not an exit (podman's answer for --condition running).
func (r *Runtime) Wait(ctx context.Context, nameOrID string, conds WaitConditions, interval time.Duration) (int32, error) {
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil {
		return -1, err
	}
	if interval <= 0 {
		interval = time.Millisecond
	}
	id := c.Config.ID
	for _, want := range conds {
		if isHealthCondition(want) && !hasHealthCheck(c) {
			return -1, fmt.Errorf("cannot use condition %q: container %s has no healthcheck", want, id)
		}
	}
	for {
		if matchWait(c, conds) {
			if c.State.Status == define.StatusExited || c.State.Status == define.StatusStopped {
				return c.State.ExitCode, nil
			}
			return -1, nil
		}
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(interval):
		}
		if c, err = r.store.Container(ctx, id); err != nil {
			return -1, noSuchCtr(nameOrID, err)
		}
		r.syncState(c)
		r.loadHealth(c)
	}
}

func isHealthCondition(s define.Status) bool {
	return s == define.HealthHealthy || s == define.HealthUnhealthy
}

func matchWait(c *define.Container, conds WaitConditions) bool {
	s := c.State.Status
	if len(conds) == 0 {
		return s == define.StatusExited || s == define.StatusStopped
	}
	for _, want := range conds {
		if isHealthCondition(want) {
			if c.State.Health != nil && c.State.Health.Status == string(want) {
				return true
			}
			continue
		}
		if s == want || (want == define.StatusCreated && s == define.StatusConfigured) ||
			(want == define.StatusStopped && s == define.StatusExited) {
			return true
		}
	}
	return false
}
