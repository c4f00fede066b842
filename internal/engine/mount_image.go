package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
)

// resolveImageMounts turns the images --mount type=image names into
// their IDs, at create, so a later tag change does not change the mount.
func resolveImageMounts(ctx context.Context, images *image.Store, cfg *define.ContainerConfig) error {
	for i, m := range cfg.Mounts {
		if m.Type != "image" {
			continue
		}
		img, err := images.Lookup(ctx, m.Source)
		if err != nil {
			return fmt.Errorf("image mount on %s: %w", m.Destination, err)
		}
		cfg.Mounts[i].Source = img.ID
	}
	return nil
}

// mountImages mounts the images of c's image mounts (read-only, as
// storage mounts images) and returns mounts with those turned into read-
// only binds of the image's root filesystem, or for rw=true overlays over
// it (see prepareMountOptions); c's state records each mount so that
// cleanup releases it.
func (r *Runtime) mountImages(ctx context.Context, c *define.Container, mounts []define.Mount) ([]define.Mount, error) {
	r.unmountImages(ctx, c) // a run that ended without its cleanup
	out := make([]define.Mount, 0, len(mounts))
	for _, m := range mounts {
		if m.Type != "image" {
			out = append(out, m)
			continue
		}
		images, err := r.Images(ctx)
		if err != nil {
			return nil, err
		}
		mi, err := images.MountImage(ctx, m.Source)
		if err != nil {
			return nil, fmt.Errorf("image mount on %s: %w", m.Destination, err)
		}
		c.State.ImageMounts = append(c.State.ImageMounts, mi.ID)
		opts := []string{"ro", "rbind"}
		if slices.Contains(m.Options, "rw") {
			opts = []string{"O"} // an overlay over the image, as -v ...:O
		}
		out = append(out, define.Mount{Type: "bind", Source: mi.Path, Destination: m.Destination, Options: opts})
	}
	return out, nil
}

// unmountImages releases the image mounts c's last start made.
func (r *Runtime) unmountImages(ctx context.Context, c *define.Container) {
	if len(c.State.ImageMounts) == 0 {
		return
	}
	images, err := r.Images(ctx)
	if err != nil {
		return
	}
	for _, id := range c.State.ImageMounts {
		_, _, _ = images.UnmountImage(ctx, id, false)
	}
	c.State.ImageMounts = nil
}
