package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/lock"
	"github.com/pier-engine/pier/internal/monitor"
	"github.com/pier-engine/pier/internal/proc"
)

// Lookup finds a container by name, full ID or unique ID prefix and returns
// it with its state synced against the monitor's exit file.
func (r *Runtime) Lookup(ctx context.Context, nameOrID string) (*define.Container, error) {
	c, err := r.store.LookupContainer(ctx, nameOrID)
	if err != nil {
		return nil, noSuchCtr(nameOrID, err)
	}
	r.syncState(c)
	if r.orphanedExit(c) && r.reap(ctx, c.Config.ID) {
		return nil, noSuchCtr(nameOrID, define.ErrNoSuchCtr)
	}
	r.loadHealth(c)
	return c, nil
}

// Containers lists all containers in creation order, states synced. It
// reads without locks: a reader never waits for a writer (WAL).
func (r *Runtime) Containers(ctx context.Context) ([]*define.Container, error) {
	cs, err := r.store.Containers(ctx)
	if err != nil {
		return nil, err
	}
	return r.synced(ctx, cs), nil
}

// ListContainers is Containers for listings (ps): each config holds only
// its listed fields (define.ContainerConfig.Listed), which is all a
// listing reads, and the state is current.
func (r *Runtime) ListContainers(ctx context.Context) ([]*define.Container, error) {
	cs, err := r.store.ListContainers(ctx)
	if err != nil {
		return nil, err
	}
	return r.synced(ctx, cs), nil
}

// synced brings the states of cs up to date, as every read does, and drops
// the --rm containers that this reaped.
func (r *Runtime) synced(ctx context.Context, cs []*define.Container) []*define.Container {
	out := cs[:0]
	for _, c := range cs {
		r.syncState(c)
		if r.orphanedExit(c) && r.reap(ctx, c.Config.ID) {
			continue // an --rm container, removed
		}
		r.loadHealth(c)
		out = append(out, c)
	}
	return out
}

func noSuchCtr(nameOrID string, err error) error {
	if errors.Is(err, define.ErrNoSuchCtr) {
		return fmt.Errorf("no container with name or ID %q found: %w", nameOrID, define.ErrNoSuchCtr)
	}
	return err
}

// locked resolves nameOrID, takes the container's lock and reloads it, so
// the caller acts on the state as it is under the lock. The container may
// have been removed while we waited.
func (r *Runtime) locked(ctx context.Context, nameOrID string) (*define.Container, *lock.Lock, error) {
	c, err := r.store.LookupContainer(ctx, nameOrID)
	if err != nil {
		return nil, nil, noSuchCtr(nameOrID, err)
	}
	l, err := r.lockCtr(ctx, c.Config.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("locking container %s: %w", c.Config.ID, err)
	}
	c, err = r.store.Container(ctx, c.Config.ID)
	if err != nil {
		// Removed while we waited: our lock file is a fresh one nobody
		// else will remove.
		if errors.Is(err, define.ErrNoSuchCtr) {
			_ = l.Remove()
		} else {
			l.Unlock()
		}
		return nil, nil, noSuchCtr(nameOrID, err)
	}
	if err := r.persistSync(ctx, c); err != nil {
		l.Unlock()
		return nil, nil, err
	}
	if r.orphanedExit(c) {
		// Nobody else will release what the run held: the monitor is gone.
		if err := r.cleanupLocked(ctx, c); err != nil {
			l.Unlock()
			return nil, nil, err
		}
	}
	return c, l, nil
}

func (r *Runtime) save(ctx context.Context, c *define.Container) error {
	if err := r.store.SaveState(context.WithoutCancel(ctx), c.Config.ID, &c.State); err != nil {
		return fmt.Errorf("saving state of container %s: %w", c.Config.ID, err)
	}
	return nil
}

// persistSync saves what syncState noticed, under the container's lock:
// the one process that turns a running row into an exited one records
// the "died" event, so it is recorded once per exit.
func (r *Runtime) persistSync(ctx context.Context, c *define.Container) error {
	if !r.syncExited(c) {
		return nil
	}
	return r.save(ctx, c)
}

// syncExited is syncState recording "died" when what it noticed is the
// exit. Only callers that hold the lock and save the result use it.
func (r *Runtime) syncExited(c *define.Container) bool {
	was := c.State.Status
	if !r.syncState(c) {
		return false
	}
	if c.State.Status == define.StatusExited && was != define.StatusExited {
		r.ctrEvent(c, events.Exited)
	}
	return true
}

// syncState notices a container that exited while nobody held its lock:
// the monitor's exit file is the truth; a vanished monitor with no exit
// file means the container died with it (exit code unknown, -1). It
// reports whether the state changed.
func (r *Runtime) syncState(c *define.Container) bool {
	st := &c.State
	if !st.Running() && st.Status != define.StatusCreated {
		return false
	}
	code, at, err := monitor.ReadExitFile(r.ctrRunDir(c.Config.ID))
	if err == nil {
		st.Status = define.StatusExited
		st.ExitCode = int32(code)
		st.OOMKilled = monitor.OOMKilled(r.ctrRunDir(c.Config.ID))
		st.FinishedAt = at
		st.PID, st.PIDStart = 0, 0
		st.StopperPID, st.StopperStart = 0, 0
		st.ExecSessions = detachedSessions(st.ExecSessions)
		return true
	}
	monAlive := monitorAlive(st)
	if st.MonitorPID > 0 && !monAlive && !proc.Alive(st.PID, st.PIDStart) {
		st.Status = define.StatusExited
		st.ExitCode = -1
		st.FinishedAt = time.Now()
		st.PID, st.PIDStart = 0, 0
		st.MonitorPID, st.MonitorStart = 0, 0
		st.ExecSessions = detachedSessions(st.ExecSessions)
		return true
	}
	if st.Status == define.StatusCreated && monAlive {
		return r.syncCreated(c)
	}
	if st.Status == define.StatusStopping && !proc.Alive(st.StopperPID, st.StopperStart) {
		// The stop that waited was killed before the exit: nobody will
		// finish it, the container still runs.
		st.Status = define.StatusRunning
		st.StopperPID, st.StopperStart = 0, 0
		return true
	}
	return false
}

// detachedSessions keeps, once the container exited, the exec -d
// sessions (their processes died with its PID namespace), as podman lists
// them until the next start; attached ones end with their caller.
func detachedSessions(ss map[string]*define.ExecSession) map[string]*define.ExecSession {
	var kept map[string]*define.ExecSession
	for id, s := range ss {
		if s.Detached {
			if kept == nil {
				kept = map[string]*define.ExecSession{}
			}
			s.PID, s.MonitorPID = 0, 0
			kept[id] = s
		}
	}
	return kept
}

// exited waits until the container's monitor reports the exit or dies.
func (r *Runtime) waitExit(ctx context.Context, c *define.Container, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		cc := *c
		if r.syncState(&cc) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ExternalContainers lists containers in storage that pier's state does not
// know: made by podman or buildah in the same storage, or left by a crash.
// They are reported with status "storage", as podman does.
func (r *Runtime) ExternalContainers(ctx context.Context) ([]*define.Container, error) {
	imgs, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	scs, err := imgs.Containers()
	if err != nil {
		return nil, err
	}
	var out []*define.Container
	for _, sc := range scs {
		if _, err := r.store.Container(ctx, sc.ID); err == nil {
			continue
		} else if !errors.Is(err, define.ErrNoSuchCtr) {
			return nil, err
		}
		// podman's names for what it cannot know about another tool's
		// container: its command is the tool, its name may be missing.
		c := &define.Container{Config: define.ContainerConfig{ID: sc.ID, ImageID: sc.ImageID, Created: sc.Created,
			Name: "unknown", Cmd: []string{"storage"}}}
		if sc.Buildah {
			c.Config.Cmd = []string{"buildah"}
		}
		if len(sc.Names) > 0 {
			c.Config.Name = sc.Names[0]
		}
		if img, err := imgs.Lookup(ctx, sc.ImageID); err == nil && len(img.Names) > 0 {
			c.Config.Image = img.Names[0]
		}
		c.State.Status = define.StatusStorage
		out = append(out, c)
	}
	return out, nil
}

// ContainerSizes measures a container's writable layer and root
// filesystem (ps --size); it is the one listing that opens image storage.
func (r *Runtime) ContainerSizes(ctx context.Context, id string) (rw, rootfs int64, err error) {
	imgs, err := r.Images(ctx)
	if err != nil {
		return 0, 0, err
	}
	return imgs.ContainerSizes(id)
}
