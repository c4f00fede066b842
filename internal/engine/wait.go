package engine

import (
	"context"
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
	for {
		if matchWait(c.State.Status, conds) {
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
	}
}

func matchWait(s define.Status, conds WaitConditions) bool {
	if len(conds) == 0 {
		return s == define.StatusExited || s == define.StatusStopped
	}
	for _, want := range conds {
		if s == want || (want == define.StatusCreated && s == define.StatusConfigured) ||
			(want == define.StatusStopped && s == define.StatusExited) {
			return true
		}
	}
	return false
}
