package engine

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
)

// SystemCheck is `system check`: storage's check and repair. Containers of
// pier whose storage a lossy repair removed lose their records too, as
// podman drops them from its database; RemovedContainers then maps their
// IDs to their names.
func (r *Runtime) SystemCheck(ctx context.Context, o image.CheckOptions) (*image.CheckReport, map[string]string, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return nil, nil, err
	}
	rep, err := images.Check(o)
	if rep == nil || len(rep.RemovedContainers) == 0 {
		return rep, nil, err
	}
	errs := []error{err}
	removed := map[string]string{}
	for _, id := range rep.RemovedContainers {
		c, lerr := r.store.Container(ctx, id)
		if lerr != nil {
			continue // another tool's container: storage was all it had
		}
		if rerr := r.dropRecord(ctx, c); rerr != nil {
			errs = append(errs, rerr)
			continue
		}
		removed[id] = c.Config.Name
	}
	return rep, removed, errors.Join(errs...)
}

// dropRecord forgets a container whose storage is already gone.
func (r *Runtime) dropRecord(ctx context.Context, c *define.Container) error {
	id := c.Config.ID
	for _, d := range []string{r.ctrRunDir(id), r.ctrPaths(id).DataDir} {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("removing %s: %w", d, err)
		}
	}
	if err := r.store.RemoveContainer(ctx, id); err != nil && !errors.Is(err, define.ErrNoSuchCtr) {
		return fmt.Errorf("updating state database to reflect removal of container %s: %w", id, err)
	}
	return nil
}
