package engine

import (
	"context"
	"fmt"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
)

// restartWanted applies podman's restart policies to a container that
// just exited: always and unless-stopped restart it, on-failure when it
// failed, until RestartRetries restarts (0: no limit); never after a stop
// or rm by the user (StoppedByUser, set under the lock before the signal).
func restartWanted(c *define.Container) bool {
	st := &c.State
	if st.StoppedByUser || st.Status != define.StatusExited {
		return false
	}
	switch c.Config.RestartPolicy {
	case define.RestartAlways, define.RestartUnlessStopped:
	case define.RestartOnFailure:
		if st.ExitCode == 0 {
			return false
		}
	default:
		return false
	}
	return c.Config.RestartRetries == 0 || st.RestartCount < c.Config.RestartRetries
}

// restartByPolicy starts an exited container again, under its lock, from
// the monitor's exit command (Cleanup): no daemon watches containers, the
// monitor of the run that ended is the one that notices. Events as
// podman's: died (recorded by the lock's sync), restart, init, start.
func (r *Runtime) restartByPolicy(ctx context.Context, c *define.Container) error {
	c.State.RestartCount++
	r.ctrEvent(c, events.Restart)
	if err := r.cleanupLocked(ctx, c); err != nil {
		return err
	}
	if _, err := r.startLocked(ctx, c, false, nil); err != nil {
		return fmt.Errorf("restarting container %s (restart policy %s): %w", c.Config.Name, c.Config.RestartPolicy, err)
	}
	return nil
}
