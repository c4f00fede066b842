package engine

import (
	"context"
	"errors"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
)

// RemoveImages removes images; with Force, pier's own containers on them
// are removed through the engine first (state, runtime and storage), so no
// container is left pointing at a deleted image.
func (r *Runtime) RemoveImages(ctx context.Context, refs []string, opts image.RemoveOptions) (untagged, deleted []string, err error) {
	images, err := r.Images(ctx)
	if err != nil {
		return nil, nil, err
	}
	zero := uint(0)
	opts.RemoveContainer = func(ctx context.Context, id string) error {
		err := r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: &zero})
		if errors.Is(err, define.ErrNoSuchCtr) {
			// Not pier's (buildah's, podman's): only its storage goes.
			return images.DeleteContainer(id)
		}
		return err
	}
	return images.Remove(ctx, refs, opts)
}
