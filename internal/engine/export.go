package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
)

// Export writes a container's root filesystem to w as a tar. The
// container's lock is held throughout, as podman does, so it cannot be
// removed under the copy.
func (r *Runtime) Export(ctx context.Context, nameOrID string, w io.Writer) error {
	images, err := r.Images(ctx)
	if err != nil {
		return err
	}
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if c.State.Status == define.StatusRemoving {
		return fmt.Errorf("cannot mount container %s as it is being removed: %w", c.Config.ID, define.ErrCtrStateInvalid)
	}
	if err := images.CreateContainer(ctx, c.Config.ID, c.Config.ImageID, storageOptions(&c.Config)); err != nil {
		return err
	}
	if err := images.ExportContainer(c.Config.ID, w); err != nil {
		return err
	}
	r.ctrEvent(c, events.Export)
	return nil
}
