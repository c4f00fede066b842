package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/libpodspec"
)

// GenerateSpec is `generate spec`: the SpecGenerator of a container, named
// NAME-clone when clone is set (podman's default) so that creating it
// back does not collide with the original.
func (r *Runtime) GenerateSpec(ctx context.Context, nameOrID string, clone bool) (*libpodspec.SpecGenerator, error) {
	c, err := r.Lookup(ctx, nameOrID)
	if errors.Is(err, define.ErrNoSuchCtr) {
		if _, perr := r.LookupPod(ctx, nameOrID); perr == nil {
			return nil, errdefs.Errorf(errdefs.ErrNotImplemented, "generate spec: pod specs are not supported by pier yet")
		}
		return nil, errdefs.Errorf(errdefs.ErrNotFound, "could not find a pod or container with the id %s", nameOrID)
	}
	if err != nil {
		return nil, fmt.Errorf("generate spec: %w", err)
	}
	name := c.Config.Name
	if clone {
		name += "-clone"
	}
	return libpodspec.FromContainer(c, name), nil
}
