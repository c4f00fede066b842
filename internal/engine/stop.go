package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/failpoint"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/lock"
	"github.com/pier-engine/pier/internal/monitor"
	"github.com/pier-engine/pier/internal/oci"
	"github.com/pier-engine/pier/internal/proc"
)

// Stop sends the stop signal, waits up to timeout (the container's stop
// timeout when nil), then SIGKILL; the state is final when Stop returns.
// As podman does, the container is "stopping" while Stop waits, and its
// lock is released meanwhile: ps, inspect, kill and the monitor's cleanup
// must not wait out a long stop timeout. A --rm container is removed.
// Stopping a stopped container is a no-op. A pod member's stop applies the
// pod's exit policy.
func (r *Runtime) Stop(ctx context.Context, nameOrID string, timeout *uint) error {
	if err := r.stopCtr(ctx, nameOrID, timeout); err != nil {
		return err
	}
	return r.memberStopped(ctx, nameOrID)
}

// stopCtr is Stop without the exit policy, for callers that hold the
// pod's lock (pod stop) or act on the pod themselves.
func (r *Runtime) stopCtr(ctx context.Context, nameOrID string, timeout *uint) (err error) {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	if !c.State.Running() {
		defer l.Unlock()
		return r.stopLocked(ctx, c, timeout)
	}
	claim := r.claimCleanup(ctx, c)
	defer func() { releaseCleanup(claim, err) }()
	p, err := r.beginStop(ctx, c, timeout, claim)
	if err == nil {
		// Recorded when asked (podman records it once the process is
		// gone, unless its cleanup got there first): it precedes "died"
		// either way. restart and rm -f record none, as podman.
		r.ctrEvent(c, events.Stop)
	}
	l.Unlock()
	if err != nil {
		return err
	}
	waitErr := r.awaitStop(ctx, c, p)
	ctx = context.WithoutCancel(ctx) // an interrupted stop still tidies up
	c, l, err = r.locked(ctx, c.Config.ID)
	if errors.Is(err, define.ErrNoSuchCtr) {
		return nil // a --rm container its monitor's cleanup removed
	}
	if err != nil {
		return err
	}
	if waitErr != nil {
		// Interrupted or failed before the exit: the container still
		// runs, and must not stay "stopping" with nobody waiting.
		if c.State.Status == define.StatusStopping {
			c.State.Status = define.StatusRunning
			c.State.StopperPID, c.State.StopperStart = 0, 0
			_ = r.save(ctx, c)
		}
		l.Unlock()
		return waitErr
	}
	if err := r.cleanupRecorded(ctx, c); err != nil || !c.Config.AutoRemove || c.State.Running() {
		l.Unlock()
		return err
	}
	return r.removeLocked(ctx, c, l, RemoveOptions{Force: true})
}

// stopLocked stops while holding the lock throughout (rm -f, restart).
func (r *Runtime) stopLocked(ctx context.Context, c *define.Container, timeout *uint) error {
	if c.State.Status == define.StatusCreated {
		// A runtime container that never started: deleting it is stopping it.
		return r.cleanupLocked(ctx, c)
	}
	if !c.State.Running() {
		return nil
	}
	claim := r.claimCleanup(ctx, c)
	p, err := r.beginStop(ctx, c, timeout, claim)
	if err != nil {
		releaseCleanup(claim, err)
		return err
	}
	if err := r.awaitStop(ctx, c, p); err != nil {
		if !r.syncState(c) {
			c.State.Status = define.StatusRunning // not stopping any more
			c.State.StopperPID, c.State.StopperStart = 0, 0
			_ = r.save(context.WithoutCancel(ctx), c)
		}
		releaseCleanup(claim, err)
		return err
	}
	r.syncExited(c)
	err = r.cleanupLocked(ctx, c)
	releaseCleanup(claim, err)
	return err
}

// claimCleanup asks the monitor of a running container to leave the
// cleanup after its exit to us (a stop cleans up itself): the monitor's
// exit command, a whole pier process, is then spared. Nil if it did not
// agree; releaseCleanup tells it the outcome.
func (r *Runtime) claimCleanup(ctx context.Context, c *define.Container) *monitor.AttachConn {
	return monitor.ClaimCleanup(ctx, r.ctrRunDir(c.Config.ID))
}

// releaseCleanup: done when err is nil, else the monitor's exit command
// does the cleanup (as it does if we die first).
func releaseCleanup(claim *monitor.AttachConn, err error) {
	if claim == nil {
		return
	}
	if err == nil {
		_ = claim.CleanupDone()
		return
	}
	claim.Close()
}

// stopPlan is what awaitStop needs once the lock may be gone.
type stopPlan struct {
	ctrInit
	sig     syscall.Signal
	timeout uint
	// claim, when the monitor agreed, reports the exit as it happens.
	claim *monitor.AttachConn
}

// ctrInit is a container's init process as the state recorded it.
type ctrInit struct {
	rt    *oci.Runtime
	id    string
	pid   int
	start uint64
}

func initOf(c *define.Container, rt *oci.Runtime) ctrInit {
	return ctrInit{rt: rt, id: c.Config.ID, pid: c.State.PID, start: c.State.PIDStart}
}

// beginStop marks the container stopping and sends the stop signal (none
// with a zero timeout: SIGKILL comes straight away), under the lock.
func (r *Runtime) beginStop(ctx context.Context, c *define.Container, timeout *uint, claim *monitor.AttachConn) (stopPlan, error) {
	rt, err := r.runtimeFor(c)
	if err != nil {
		return stopPlan{}, err
	}
	p := stopPlan{ctrInit: initOf(c, rt), sig: syscall.SIGTERM, timeout: c.Config.StopTimeout, claim: claim}
	if timeout != nil {
		p.timeout = *timeout
	}
	if c.Config.StopSignal != 0 {
		p.sig = syscall.Signal(c.Config.StopSignal)
	}
	if c.State.Status == define.StatusPaused {
		_ = rt.Resume(ctx, c.Config.ID)
	}
	if p.timeout > 0 {
		if err := p.signal(ctx, p.sig, false); err != nil && !gone(err) {
			return stopPlan{}, fmt.Errorf("stopping container %s: %w", c.Config.Name, err)
		}
	}
	c.State.StoppedByUser = true
	c.State.Status = define.StatusStopping
	c.State.StopperPID = os.Getpid()
	c.State.StopperStart, _ = proc.StartTime(c.State.StopperPID)
	if err := r.save(ctx, c); err != nil {
		return stopPlan{}, err
	}
	return p, nil
}

// awaitStop waits for the exit, escalating to SIGKILL after the timeout
// with podman's warning. It needs no lock: a concurrent kill or stop only
// makes the exit come sooner.
func (r *Runtime) awaitStop(ctx context.Context, c *define.Container, p stopPlan) error {
	if p.timeout > 0 {
		if r.awaitExit(ctx, c, p.claim, stopWait(p.timeout)) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stopping container %s: %w", c.Config.Name, err)
		}
		slog.WarnContext(ctx, fmt.Sprintf("StopSignal %s failed to stop container %s in %d seconds, resorting to SIGKILL",
			unix.SignalName(p.sig), c.Config.Name, p.timeout))
	}
	if err := p.signal(ctx, syscall.SIGKILL, true); err != nil && !gone(err) {
		return fmt.Errorf("killing container %s: %w", c.Config.Name, err)
	}
	if !r.awaitExit(ctx, c, p.claim, 30*time.Second) {
		return fmt.Errorf("container %s did not exit after SIGKILL", c.Config.Name)
	}
	return nil
}

// awaitExit waits for the exit through the claimed monitor connection
// when there is one, then for the state to show it.
func (r *Runtime) awaitExit(ctx context.Context, c *define.Container, claim *monitor.AttachConn, timeout time.Duration) bool {
	if claim == nil {
		return r.waitExit(ctx, c, timeout)
	}
	deadline := time.Now().Add(timeout)
	for {
		// A monitor of an earlier build sends no exit frame on a claim:
		// the exit file tells within a slice.
		if claim.AwaitExit(ctx, min(time.Until(deadline), 250*time.Millisecond)) {
			return r.waitExit(ctx, c, time.Until(deadline))
		}
		if cc := *c; r.syncState(&cc) {
			return true
		}
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			return false
		}
	}
}

// signal sends sig to the container's init (with all, to every process
// in it), itself when it can: a signal is a system call, a runtime's
// `kill` a process exec, a third of a stop's time. It can when the
// runtime runs the container's processes on this kernel, and, for all,
// when the signal is SIGKILL and the init is its PID namespace's own,
// whose death ends the rest. Otherwise the runtime does it.
func (p ctrInit) signal(ctx context.Context, sig syscall.Signal, all bool) error {
	if nativeRuntime(p.rt.Path) && (!all || sig == syscall.SIGKILL) {
		err := proc.Signal(p.pid, p.start, sig, all)
		if err == nil {
			return nil
		}
		if errors.Is(err, proc.ErrGone) {
			return oci.ErrNotRunning
		}
	}
	return p.rt.Kill(ctx, p.id, sig, all)
}

// nativeRuntime: the runtime's container processes are host processes
// whose PID the runtime's pid file gives (not a VM or a sandbox kernel).
func nativeRuntime(path string) bool {
	switch filepath.Base(path) {
	case "runc", "crun", "crun-wasm", "youki":
		return true
	}
	return false
}

// stopWait is the timeout as a duration; podman's "-1" (the largest uint)
// and anything past a century mean waiting for good.
func stopWait(seconds uint) time.Duration {
	const forever = 100 * 365 * 24 * time.Hour
	if seconds > uint(forever/time.Second) {
		return forever
	}
	return time.Duration(seconds) * time.Second
}

// Kill sends sig to a running (or stopping, or paused) container.
func (r *Runtime) Kill(ctx context.Context, nameOrID string, sig syscall.Signal) error {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if !c.State.Running() {
		return fmt.Errorf("can only kill running containers. %s is in state %s: %w", c.Config.ID, c.State.Status, define.ErrCtrStateInvalid)
	}
	rt, err := r.runtimeFor(c)
	if err != nil {
		return err
	}
	if err := initOf(c, rt).signal(ctx, sig, false); err != nil {
		return fmt.Errorf("sending signal %d to container %s: %w", sig, c.Config.Name, err)
	}
	// As podman: a container the user signalled is not restarted by its
	// restart policy (always, on-failure), and a pod's exit policy applies.
	c.State.StoppedByUser = true
	if err := r.save(ctx, c); err != nil {
		return err
	}
	r.ctrEvent(c, events.Kill)
	return nil
}

// Restart stops (if running) and starts the container again.
func (r *Runtime) Restart(ctx context.Context, nameOrID string, timeout *uint) error {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	r.ctrEvent(c, events.Restart)
	if err := r.stopLocked(ctx, c, timeout); err != nil {
		return err
	}
	c.State.RestartCount++
	_, err = r.startLocked(ctx, c, false, nil)
	return err
}

// Cleanup records a container's exit and releases what the run held. The
// monitor runs it after the exit; any command may run it again: every step
// is idempotent. It removes --rm containers.
func (r *Runtime) Cleanup(ctx context.Context, nameOrID string) error {
	failpoint.Hit("cleanup-start")
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		if errors.Is(err, define.ErrNoSuchCtr) {
			return nil // removed already (rm -f, or run --rm's own remove)
		}
		return err
	}
	if err := r.cleanupAndRemove(ctx, c, l); err != nil {
		return err
	}
	// The pod's exit policy is applied with no container lock held: it
	// stops the pod, which locks its containers.
	return r.applyExitPolicy(ctx, c)
}

// cleanupAndRemove is Cleanup under c's lock, which it releases.
func (r *Runtime) cleanupAndRemove(ctx context.Context, c *define.Container, l *lock.Lock) error {
	if c.State.Running() {
		l.Unlock()
		return nil // restarted meanwhile
	}
	if restartWanted(c) {
		defer l.Unlock()
		return r.restartByPolicy(ctx, c)
	}
	cleanup := r.cleanupRecorded
	if c.Config.AutoRemove {
		// podman's cleanup --rm records the removal, not a cleanup.
		cleanup = r.cleanupLocked
	}
	if err := cleanup(ctx, c); err != nil {
		l.Unlock()
		return err
	}
	if !c.Config.AutoRemove {
		l.Unlock()
		return nil
	}
	if err := r.removeLocked(ctx, c, l, RemoveOptions{Force: true}); err != nil {
		l.Unlock()
		return err
	}
	if c.Config.AutoRemoveImage {
		// Best effort, as podman's cleanup --rmi: another container
		// may use the image, or `run` removed it already.
		_ = r.RemoveImageOf(ctx, c)
	}
	return nil
}

// RemoveImageOf removes the image c was created from by the name it was
// created with, for run --rmi. An image already gone is not an error.
func (r *Runtime) RemoveImageOf(ctx context.Context, c *define.Container) error {
	ref := c.Config.Image
	if ref == "" {
		ref = c.Config.ImageID
	}
	_, _, err := r.RemoveImages(ctx, []string{ref}, image.RemoveOptions{})
	if errors.Is(err, define.ErrNoSuchImage) {
		return nil
	}
	return err
}

func (r *Runtime) cleanupLocked(ctx context.Context, c *define.Container) error {
	if c.State.Status == define.StatusCreated {
		c.State.Status = define.StatusConfigured
	}
	if c.State.Running() {
		return nil
	}
	if processMayRun(c) {
		// The runtime's forced delete ends what may still run before
		// the network and the storage go.
		if err := r.deleteRuntimeContainer(ctx, c); err != nil {
			return err
		}
		r.teardownNetwork(ctx, c)
		r.unmountStorage(ctx, c)
	} else {
		// Nothing runs: the runtime's delete (a process exec) and the
		// rest are independent.
		rtDone := make(chan error, 1)
		go func() { rtDone <- r.deleteRuntimeContainer(ctx, c) }()
		r.teardownNetwork(ctx, c)
		r.unmountStorage(ctx, c)
		if err := <-rtDone; err != nil {
			return err
		}
	}
	r.unmountShm(c)
	r.leaveSharedHosts(ctx, c)
	c.State.PID, c.State.MonitorPID, c.State.PIDStart, c.State.MonitorStart = 0, 0, 0, 0
	return r.save(ctx, c)
}

// cleanupRecorded is cleanupLocked with podman's "cleanup" event when
// there was something to clean: a second cleanup of the same exit (the
// monitor's after a stop's) records nothing.
func (r *Runtime) cleanupRecorded(ctx context.Context, c *define.Container) error {
	st := &c.State
	held := st.Mounted || st.MonitorPID != 0 || st.PID != 0
	if err := r.cleanupLocked(ctx, c); err != nil {
		return err
	}
	if held && !st.Running() {
		r.ctrEvent(c, events.Cleanup)
	}
	return nil
}

// gone reports a runtime error that means the process already exited.
func gone(err error) bool {
	return errors.Is(err, oci.ErrNotExist) || errors.Is(err, oci.ErrNotRunning)
}
