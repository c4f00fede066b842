package engine

import (
	"context"
	"errors"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/proc"
)

// monitorAlive reports whether the container's monitor (the very process
// started for it, not a later one with the same PID) still runs.
func monitorAlive(st *define.ContainerState) bool {
	return st.MonitorPID > 0 && proc.Alive(st.MonitorPID, st.MonitorStart)
}

// startTime is 0 (identity unknown: any process with the PID counts)
// when the process is already gone.
func startTime(pid int) uint64 {
	t, _ := proc.StartTime(pid)
	return t
}

// syncCreated asks the runtime about a container whose row says created
// while its monitor lives: a CLI killed between the runtime's start and
// saving "running" leaves such a row over a running process, and ps,
// kill, stop and rm must see it running.
func (r *Runtime) syncCreated(c *define.Container) bool {
	rt, err := r.runtimeFor(c)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := rt.State(ctx, c.Config.ID)
	if err != nil {
		return false
	}
	switch s.Status {
	case "running":
		c.State.Status = define.StatusRunning
	case "paused":
		c.State.Status = define.StatusPaused
	default: // still created; stopped is the monitor's to report
		return false
	}
	if c.State.StartedAt.IsZero() {
		c.State.StartedAt = time.Now()
	}
	if c.State.PID == 0 && s.Pid > 0 {
		// A crash before the runtime's run --detach returned (runDetached):
		// only the monitor was recorded.
		c.State.PID, c.State.PIDStart = s.Pid, startTime(s.Pid)
	}
	return true
}

// orphanedExit reports a container that exited while nobody was left to
// clean up after it: its monitor died (SIGKILLed, or its exit command
// failed) and the run still holds the rootfs mount and runtime state, or
// it is an --rm container still present. A live monitor is left alone:
// its exit command does the cleanup.
func (r *Runtime) orphanedExit(c *define.Container) bool {
	st := &c.State
	if st.Status != define.StatusExited && st.Status != define.StatusStopped {
		return false
	}
	if monitorAlive(st) {
		return false
	}
	return st.Mounted || st.MonitorPID > 0 || c.Config.AutoRemove
}

// reap runs the cleanup a dead monitor did not: whoever notices the exit
// does it, readers included. It never waits: if someone holds the lock,
// they are acting on the container and will see the exit themselves. It
// reports whether the container was removed (--rm).
func (r *Runtime) reap(ctx context.Context, id string) bool {
	l, ok, err := r.tryLockCtr(id)
	if err != nil || !ok {
		return false
	}
	c, err := r.store.Container(ctx, id)
	if errors.Is(err, define.ErrNoSuchCtr) {
		_ = l.Remove() // removed meanwhile: the lock file is ours to drop
		return true
	}
	if err != nil {
		l.Unlock()
		return false
	}
	if err := r.persistSync(ctx, c); err != nil {
		l.Unlock()
		return false
	}
	if !r.orphanedExit(c) {
		l.Unlock()
		return false
	}
	if err := r.cleanupLocked(ctx, c); err != nil || !c.Config.AutoRemove {
		l.Unlock()
		return false
	}
	if err := r.removeLocked(ctx, c, l, RemoveOptions{Force: true}); err != nil {
		l.Unlock()
		return false
	}
	return true
}
