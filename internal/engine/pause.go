package engine

import (
	"context"
	"fmt"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
)

// Pause freezes every process of a running container (the cgroup
// freezer, through the runtime); ps and inspect show it paused.
func (r *Runtime) Pause(ctx context.Context, nameOrID string) error {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	switch c.State.Status {
	case define.StatusRunning:
	case define.StatusPaused:
		return fmt.Errorf("%q is already paused: %w", c.Config.ID, define.ErrCtrStateInvalid)
	default:
		// podman's text names the state where it means the container.
		return fmt.Errorf("%q is not running, can't pause: %w", c.State.Status.String(), define.ErrCtrStateInvalid)
	}
	rt, err := r.runtimeFor(c)
	if err != nil {
		return err
	}
	if err := rt.Pause(ctx, c.Config.ID); err != nil {
		return fmt.Errorf("pausing container %s: %w", c.Config.Name, err)
	}
	c.State.Status = define.StatusPaused
	if err := r.save(ctx, c); err != nil {
		return err
	}
	r.ctrEvent(c, events.Pause)
	return nil
}

// Unpause thaws a paused container.
func (r *Runtime) Unpause(ctx context.Context, nameOrID string) error {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if c.State.Status != define.StatusPaused {
		return fmt.Errorf("%q is not paused, can't unpause: %w", c.Config.ID, define.ErrCtrStateInvalid)
	}
	rt, err := r.runtimeFor(c)
	if err != nil {
		return err
	}
	if err := rt.Resume(ctx, c.Config.ID); err != nil {
		return fmt.Errorf("unpausing container %s: %w", c.Config.Name, err)
	}
	c.State.Status = define.StatusRunning
	if err := r.save(ctx, c); err != nil {
		return err
	}
	r.ctrEvent(c, events.Unpause)
	return nil
}
