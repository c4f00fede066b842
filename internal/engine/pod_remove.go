package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/failpoint"
)

// PodRemoveOptions mirror `pod rm` flags.
type PodRemoveOptions struct {
	// Force stops running containers first; without it a running regular
	// container stops the removal (the infra container never does).
	Force bool
	// Timeout is the stop timeout (nil: each container's).
	Timeout *uint
	// Ignore makes a missing pod no error (pod rm --ignore, and --force).
	Ignore bool
}

// PodRemove removes a pod: its regular containers, its infra container,
// then the pod. It returns the pod's ID, "" for a missing pod with Ignore.
func (r *Runtime) PodRemove(ctx context.Context, nameOrID string, opts PodRemoveOptions) (string, error) {
	p, l, err := r.lockedPod(ctx, nameOrID)
	if err != nil {
		if opts.Ignore && errors.Is(err, define.ErrNoSuchPod) {
			return "", nil
		}
		return "", err
	}
	ctx = context.WithoutCancel(ctx) // half a pod helps nobody
	removed := false
	defer func() {
		if !removed {
			l.Unlock()
		}
	}()
	members, err := r.podMembers(ctx, p.Config.ID)
	if err != nil {
		return "", err
	}
	if !opts.Force {
		for _, c := range members {
			if !c.Config.IsInfra && c.State.Running() {
				return "", fmt.Errorf("not all containers could be removed from pod %s: removing pod containers: cannot remove container %s as it is %s - running or paused containers cannot be removed without force: %w",
					p.Config.ID, c.Config.ID, c.State.Status, errdefs.ErrConflict)
			}
		}
	}
	// Regular containers first: they depend on the infra container.
	var errs []error
	for _, c := range members {
		if c.Config.IsInfra {
			continue
		}
		// Anonymous volumes go with the pod, as podman's pod rm takes them
		// (one shared with the infra goes with the infra, removed last).
		err := r.Remove(ctx, c.Config.ID, RemoveOptions{Force: opts.Force, Timeout: opts.Timeout, Volumes: true})
		if err = ignoreGoneCtr(err); err != nil {
			errs = append(errs, fmt.Errorf("removing container %s from pod %s: %w", c.Config.ID, p.Config.ID, err))
		}
	}
	if len(errs) > 0 {
		return "", fmt.Errorf("not all containers could be removed from pod %s: %w", p.Config.ID, errors.Join(errs...))
	}
	for _, c := range members {
		if !c.Config.IsInfra {
			continue
		}
		err := r.Remove(ctx, c.Config.ID, RemoveOptions{Force: true, Timeout: opts.Timeout, Volumes: true, podRemoval: true})
		if err = ignoreGoneCtr(err); err != nil {
			return "", fmt.Errorf("removing infra container of pod %s: %w", p.Config.ID, err)
		}
	}
	failpoint.Hit("pod-remove-before-state")
	if err := r.store.RemovePod(ctx, p.Config.ID); err != nil && !errors.Is(err, define.ErrNoSuchPod) {
		return "", err
	}
	removePodCgroup(&p.Config)
	removed = true
	_ = l.Remove()
	r.podEvent(events.Remove)(p, nil)
	return p.Config.ID, r.maybeRemoveService(ctx, p.Config.ServiceContainerID)
}

// PodPrune removes every exited pod (all its containers stopped) and
// returns their IDs.
func (r *Runtime) PodPrune(ctx context.Context) ([]string, error) {
	pods, err := r.store.Pods(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	var errs []error
	for _, p := range pods {
		members, err := r.podMembers(ctx, p.Config.ID)
		if err != nil {
			return out, err
		}
		// podman prunes exited pods only: a pod never started, or with
		// nothing in it, stays.
		if podStatus(members) != define.PodStateExited {
			continue
		}
		id, err := r.PodRemove(ctx, p.Config.ID, PodRemoveOptions{Ignore: true})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if id != "" {
			out = append(out, id)
		}
	}
	return out, errors.Join(errs...)
}

func podStatus(members []*define.Container) string {
	members = withoutInitCtrs(members)
	st := make([]define.Status, len(members))
	for i, c := range members {
		st[i] = c.State.Status
	}
	return define.PodStatus(st)
}

// infraRemoveError is podman's refusal to remove an infra container on its
// own.
func infraRemoveError(c *define.Container) error {
	return errdefs.Errorf(errdefs.ErrConflict, "container %s is the infra container of pod %s and cannot be removed without removing the pod", c.Config.ID, c.Config.Pod)
}

// removeInfraPod is rm --depend (and rm --all) of an infra container: the
// whole pod goes. It returns the other containers removed.
func (r *Runtime) removeInfraPod(ctx context.Context, infra *define.Container, opts RemoveOptions) ([]string, error) {
	members, err := r.podMembers(ctx, infra.Config.Pod)
	if err != nil {
		return nil, err
	}
	if _, err := r.PodRemove(ctx, infra.Config.Pod, PodRemoveOptions{Force: opts.Force, Timeout: opts.Timeout}); err != nil {
		return nil, err
	}
	var out []string
	for _, m := range members {
		if !m.Config.IsInfra {
			out = append(out, m.Config.ID)
		}
	}
	return out, nil
}
