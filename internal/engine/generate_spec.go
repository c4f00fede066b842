package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/libpodspec"
)

// GenerateSpec is `generate spec`: the SpecGenerator of a container, or
// the PodSpecGenerator of a pod, named NAME-clone when clone is set
// (podman's default) so that creating it back does not collide with the
// original. Containers are looked up first, as podman.
func (r *Runtime) GenerateSpec(ctx context.Context, nameOrID string, clone bool) (any, error) {
	suffix := ""
	if clone {
		suffix = "-clone"
	}
	c, err := r.Lookup(ctx, nameOrID)
	if err == nil {
		return libpodspec.FromContainer(c, c.Config.Name+suffix), nil
	}
	if !errors.Is(err, define.ErrNoSuchCtr) {
		return nil, fmt.Errorf("generate spec: %w", err)
	}
	p, err := r.LookupPod(ctx, nameOrID)
	if errors.Is(err, define.ErrNoSuchPod) {
		return nil, errdefs.Errorf(errdefs.ErrNotFound, "could not find a pod or container with the id %s", nameOrID)
	} else if err != nil {
		return nil, fmt.Errorf("generate spec: %w", err)
	}
	var infra *define.Container
	if p.Config.InfraContainerID != "" {
		if infra, err = r.store.Container(ctx, p.Config.InfraContainerID); err != nil {
			return nil, fmt.Errorf("generate spec: infra container of pod %s: %w", p.Config.Name, err)
		}
	}
	return libpodspec.FromPod(p, infra, p.Config.Name+suffix), nil
}
