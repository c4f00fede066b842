package engine

import (
	"context"
	"errors"
	"sync"
	"syscall"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
)

// podAction runs fn on each of the pod's containers under the pod's lock:
// the infra container first when starting, last otherwise, regular ones in
// parallel (a slow stop must not wait out another). It returns the pod and
// the containers' errors joined.
func (r *Runtime) podAction(ctx context.Context, nameOrID string, infraFirst bool,
	fn func(c *define.Container) error) (*define.Pod, error) {
	return r.podActionInits(ctx, nameOrID, infraFirst, nil, fn)
}

// podActionInits is podAction; with inits set, the pod's init containers
// are not regular members: inits gets them between the infra and the rest.
func (r *Runtime) podActionInits(ctx context.Context, nameOrID string, infraFirst bool,
	inits func([]*define.Container) error, fn func(c *define.Container) error) (*define.Pod, error) {
	p, l, err := r.lockedPod(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	members, err := r.podMembers(ctx, p.Config.ID)
	if err != nil {
		return nil, err
	}
	var infra *define.Container
	var regular, initCtrs []*define.Container
	for _, c := range members {
		switch {
		case c.Config.IsInfra:
			infra = c
		case inits != nil && c.Config.InitContainerType != "":
			initCtrs = append(initCtrs, c)
		default:
			regular = append(regular, c)
		}
	}
	var errs []error
	if infra != nil && infraFirst {
		if err := fn(infra); err != nil {
			return p, err
		}
	}
	if inits != nil {
		if err := inits(initCtrs); err != nil {
			return p, err
		}
	}
	errs = append(errs, parallel(regular, fn)...)
	if infra != nil && !infraFirst {
		if err := fn(infra); err != nil {
			errs = append(errs, err)
		}
	}
	// One error per container, as podman reports them (errors.Join keeps
	// them apart for the caller).
	return p, errors.Join(errs...)
}

// parallel runs fn on every container at once and collects the errors in
// the containers' order.
func parallel(cs []*define.Container, fn func(c *define.Container) error) []error {
	out := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = fn(c)
		}()
	}
	wg.Wait()
	var errs []error
	for _, err := range out {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// PodStart starts the pod's infra container, then runs its init
// containers to completion, then starts its other containers.
// Starting a running pod is a no-op, as starting a running container is.
func (r *Runtime) PodStart(ctx context.Context, nameOrID string) (*define.Pod, error) {
	return r.podStart(ctx, nameOrID, true)
}

// podStart is PodStart; restart runs no init containers, as podman's.
func (r *Runtime) podStart(ctx context.Context, nameOrID string, runInits bool) (*define.Pod, error) {
	if err := r.startService(ctx, nameOrID); err != nil {
		return nil, err
	}
	inits := func(cs []*define.Container) error {
		if !runInits {
			return nil
		}
		return r.runInitContainers(ctx, cs)
	}
	return r.podEvent(events.Start)(r.podActionInits(ctx, nameOrID, true, inits, func(c *define.Container) error {
		_, err := r.Start(ctx, c.Config.ID, StartOptions{})
		return ignoreGoneCtr(err)
	}))
}

// PodStop stops the pod's containers, then its infra container; timeout
// nil uses each container's stop timeout.
func (r *Runtime) PodStop(ctx context.Context, nameOrID string, timeout *uint) (*define.Pod, error) {
	p, err := r.podEvent(events.Stop)(r.podAction(ctx, nameOrID, false, func(c *define.Container) error {
		return ignoreGoneCtr(r.stopCtr(ctx, c.Config.ID, timeout))
	}))
	return p, errors.Join(err, r.maybeStopService(ctx, p))
}

// PodKill sends sig to every running container of the pod.
func (r *Runtime) PodKill(ctx context.Context, nameOrID string, sig syscall.Signal) (*define.Pod, error) {
	p, err := r.podKill(ctx, nameOrID, sig)
	return p, errors.Join(err, r.maybeStopService(ctx, p))
}

func (r *Runtime) podKill(ctx context.Context, nameOrID string, sig syscall.Signal) (*define.Pod, error) {
	return r.podEvent(events.Kill)(r.podAction(ctx, nameOrID, false, func(c *define.Container) error {
		if !c.State.Running() {
			return nil
		}
		err := r.Kill(ctx, c.Config.ID, sig)
		if errors.Is(err, define.ErrCtrStateInvalid) {
			return nil // exited meanwhile
		}
		return ignoreGoneCtr(err)
	}))
}

// PodPause freezes every running container of the pod.
func (r *Runtime) PodPause(ctx context.Context, nameOrID string) (*define.Pod, error) {
	return r.podEvent(events.Pause)(r.podAction(ctx, nameOrID, false, func(c *define.Container) error {
		if c.State.Status != define.StatusRunning {
			return nil
		}
		return ignoreGoneCtr(r.Pause(ctx, c.Config.ID))
	}))
}

// PodUnpause thaws every paused container of the pod.
func (r *Runtime) PodUnpause(ctx context.Context, nameOrID string) (*define.Pod, error) {
	return r.podEvent(events.Unpause)(r.podAction(ctx, nameOrID, true, func(c *define.Container) error {
		if c.State.Status != define.StatusPaused {
			return nil
		}
		return ignoreGoneCtr(r.Unpause(ctx, c.Config.ID))
	}))
}

// PodRestart stops the whole pod, then starts it again.
func (r *Runtime) PodRestart(ctx context.Context, nameOrID string, timeout *uint) (*define.Pod, error) {
	if _, err := r.PodStop(ctx, nameOrID, timeout); err != nil {
		return nil, err
	}
	return r.podStart(ctx, nameOrID, false)
}

func ignoreGoneCtr(err error) error {
	if errors.Is(err, define.ErrNoSuchCtr) {
		return nil
	}
	return err
}

// applyExitPolicy stops the pod of c, a regular member that just exited,
// when the pod's exit policy is "stop" and no other regular member runs.
// The caller holds no lock: the stop takes the pod's.
func (r *Runtime) applyExitPolicy(ctx context.Context, c *define.Container) error {
	if c.Config.Pod == "" || c.Config.IsInfra {
		return nil
	}
	p, err := r.store.Pod(ctx, c.Config.Pod)
	if err != nil || p.Config.ExitPolicy != "stop" {
		// A pod removed meanwhile has no policy left to apply.
		return nil
	}
	return r.stopIfOnlyInfraRemains(ctx, p.Config.ID)
}
