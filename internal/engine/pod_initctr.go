package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// checkInitCtr refuses --init-ctr outside a pod or with an unknown type,
// with podman's texts.
func checkInitCtr(req *CreateRequest) error {
	if req.InitContainerType == "" {
		return nil
	}
	if req.Pod == "" {
		return errdefs.New(errdefs.ErrInvalidArgument, "must specify pod value with init-ctr")
	}
	if !slices.Contains([]string{define.AlwaysInitContainer, define.OneShotInitContainer}, req.InitContainerType) {
		return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("init-ctr value must be '%s' or '%s'", define.AlwaysInitContainer, define.OneShotInitContainer))
	}
	return nil
}

// applyInitCtr makes cfg an init container of p. podman refuses one in a
// running pod: it would only run at the next pod start.
func (r *Runtime) applyInitCtr(ctx context.Context, cfg *define.ContainerConfig, req *CreateRequest, p *define.Pod) error {
	if req.InitContainerType == "" {
		return nil
	}
	members, err := r.podMembers(ctx, p.Config.ID)
	if err != nil {
		return err
	}
	for _, c := range members {
		if c.Config.InitContainerType == "" && c.State.Status == define.StatusRunning {
			return errdefs.New(errdefs.ErrInvalidArgument, "cannot add init-ctr to a running pod")
		}
	}
	cfg.InitContainerType = req.InitContainerType
	return nil
}

// runInitContainers runs the pod's init containers one after the other,
// in creation order, each to completion, before its other members start
// (podman's order); a failing one stops the pod start. "once" ones are
// removed after their run. The caller holds the pod's lock.
func (r *Runtime) runInitContainers(ctx context.Context, inits []*define.Container) error {
	for _, c := range inits {
		id := c.Config.ID
		if _, err := r.Start(ctx, id, StartOptions{}); err != nil {
			return err
		}
		code, err := r.Wait(ctx, id, nil, 10*time.Millisecond)
		if err != nil {
			return err
		}
		if code != 0 {
			return fmt.Errorf("init container %s exited with code %d", id, code)
		}
		if c.Config.InitContainerType != define.OneShotInitContainer {
			continue
		}
		if err := r.Remove(ctx, id, RemoveOptions{}); err != nil {
			return fmt.Errorf("failed to remove once init container %s: %w", id, err)
		}
	}
	return nil
}

// withoutInitCtrs is members less the pod's init containers, which
// podman leaves out of the pod's status.
func withoutInitCtrs(members []*define.Container) []*define.Container {
	return slices.DeleteFunc(slices.Clone(members), func(c *define.Container) bool { return c.Config.InitContainerType != "" })
}
