package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// A kube play service container (--service-container) stands for the
// pods one YAML made, as podman's does for systemd: it runs while any of
// them runs, stops once all of them are stopped, and goes with the last.

// CreateServiceContainer creates (not starts) a service container called
// name on the infra image, without network, as podman makes it.
// propagation ("" is "none", "all", "any") says when it ends killed.
func (r *Runtime) CreateServiceContainer(ctx context.Context, name string, replace bool, propagation string) (*define.Container, error) {
	if err := ValidatePropagation(propagation); err != nil {
		return nil, err
	}
	propagation = cmp.Or(propagation, "none")
	img, pull, err := r.infraImage(ctx, "")
	if err != nil {
		return nil, err
	}
	c, err := r.CreateContainer(ctx, &CreateRequest{Image: img, Pull: pull, Name: name, NetworkMode: "none",
		ReadOnly: true, Replace: replace, isService: true, propagation: propagation})
	if err != nil {
		return nil, fmt.Errorf("creating service container: %w", err)
	}
	return c, nil
}

// ValidatePropagation checks a --service-exit-code-propagation value.
func ValidatePropagation(propagation string) error {
	switch propagation {
	case "", "none", "all", "any":
		return nil
	}
	return errdefs.Errorf(errdefs.ErrInvalidArgument, "unsupported exit-code propagation %q", propagation)
}

// servicePods are the pods whose service container is id.
func (r *Runtime) servicePods(ctx context.Context, id string) ([]*define.Pod, error) {
	pods, err := r.store.Pods(ctx)
	if err != nil {
		return nil, err
	}
	var out []*define.Pod
	for _, p := range pods {
		if p.Config.ServiceContainerID == id {
			out = append(out, p)
		}
	}
	return out, nil
}

// checkServiceRemovable refuses to remove a service container while a pod
// names it (podman's text).
func (r *Runtime) checkServiceRemovable(ctx context.Context, c *define.Container) error {
	pods, err := r.servicePods(ctx, c.Config.ID)
	if err != nil || len(pods) == 0 {
		return err
	}
	ids := make([]string, len(pods))
	for i, p := range pods {
		ids[i] = p.Config.ID
	}
	return errdefs.Errorf(errdefs.ErrConflict, "container %s is the service container of pod(s) %s and cannot be removed without removing the pod(s)",
		c.Config.ID, strings.Join(ids, ","))
}

// startService starts the pod's service container if it is not running.
func (r *Runtime) startService(ctx context.Context, nameOrID string) error {
	p, err := r.LookupPod(ctx, nameOrID)
	if err != nil || p.Config.ServiceContainerID == "" {
		return err
	}
	c, err := r.Lookup(ctx, p.Config.ServiceContainerID)
	if errors.Is(err, define.ErrNoSuchCtr) {
		return nil
	}
	if err != nil || c.State.Running() {
		return err
	}
	if _, err := r.Start(ctx, c.Config.ID, StartOptions{}); err != nil {
		return fmt.Errorf("starting service container of pod %s: %w", p.Config.ID, err)
	}
	return nil
}

// maybeStopService stops p's service container once no pod of the
// service has a running regular container: killed (exit 137) when its
// exit code propagation sees failures (any: one container exited
// non-zero; all: every one did), else stopped (exit 0), as podman.
func (r *Runtime) maybeStopService(ctx context.Context, p *define.Pod) error {
	if p == nil || p.Config.ServiceContainerID == "" {
		return nil
	}
	id := p.Config.ServiceContainerID
	pods, err := r.servicePods(ctx, id)
	if err != nil {
		return err
	}
	total, failed := 0, 0
	for _, sp := range pods {
		members, err := r.podMembers(ctx, sp.Config.ID)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.Config.IsInfra {
				continue
			}
			if m.State.Running() {
				return nil
			}
			total++
			if m.State.ExitCode != 0 {
				failed++
			}
		}
	}
	svc, err := r.Lookup(ctx, id)
	if err != nil {
		return ignoreGoneCtr(err)
	}
	kill := false
	switch svc.Config.KubeExitCodePropagation {
	case "any":
		kill = failed > 0
	case "all":
		kill = failed == total
	}
	if kill && svc.State.Running() {
		return ignoreGoneCtr(r.Kill(ctx, id, syscall.SIGKILL))
	}
	return ignoreGoneCtr(r.stopCtr(ctx, id, nil))
}

// maybeRemoveService removes service container id once no pod names it.
func (r *Runtime) maybeRemoveService(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	pods, err := r.servicePods(ctx, id)
	if err != nil || len(pods) > 0 {
		return err
	}
	zero := uint(0)
	return ignoreGoneCtr(r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: &zero}))
}

// stopIfOnlyInfraRemains is the exit policy "stop": under the pod's lock
// (so a pod restarted meanwhile is left alone), the infra container is
// stopped when no regular member runs, then the service container if it
// is the last.
func (r *Runtime) stopIfOnlyInfraRemains(ctx context.Context, podID string) error {
	p, l, err := r.lockedPod(ctx, podID)
	if errors.Is(err, define.ErrNoSuchPod) {
		return nil
	}
	if err != nil {
		return err
	}
	members, err := r.podMembers(ctx, p.Config.ID)
	if err != nil {
		l.Unlock()
		return err
	}
	var errs []error
	for _, m := range members {
		if !m.Config.IsInfra && m.State.Running() {
			l.Unlock()
			return nil
		}
	}
	for _, m := range members {
		if m.Config.IsInfra && m.State.Running() {
			errs = append(errs, ignoreGoneCtr(r.stopCtr(ctx, m.Config.ID, nil)))
		}
	}
	l.Unlock()
	errs = append(errs, r.maybeStopService(ctx, p))
	return errors.Join(errs...)
}

// memberStopped applies the exit policy of the pod of a container the user
// stopped (its monitor leaves the cleanup, and so the policy, to the
// stopper).
func (r *Runtime) memberStopped(ctx context.Context, nameOrID string) error {
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil || c.Config.Pod == "" {
		return ignoreGoneCtr(err)
	}
	return r.applyExitPolicy(ctx, c)
}
