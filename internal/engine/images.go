package engine

import (
	"context"
	"errors"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
)

// imageUsers maps image IDs to pier's containers on them, from the state:
// a container whose row exists but whose storage does not yet (created,
// or a CLI killed mid-create) holds its image as much as a running one.
// Every image verb that deletes goes through it, whichever face calls.
func (r *Runtime) imageUsers(ctx context.Context) (image.Users, error) {
	cs, err := r.store.Containers(ctx)
	if err != nil {
		return nil, err
	}
	u := image.Users{}
	for _, c := range cs {
		if c.Config.ImageID != "" {
			u[c.Config.ImageID] = append(u[c.Config.ImageID], c.Config.ID)
		}
	}
	return u, nil
}

// ListImages lists images as `podman images`, counting pier's containers
// on each (and storage containers of other tools).
func (r *Runtime) ListImages(ctx context.Context, opts image.ListOptions) ([]*image.Image, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Users, err = r.imageUsers(ctx); err != nil {
		return nil, err
	}
	return images.List(ctx, opts)
}

// RemoveImages removes images; with Force, pier's own containers on them
// are removed through the engine first (state, runtime and storage), so no
// container is left pointing at a deleted image.
func (r *Runtime) RemoveImages(ctx context.Context, refs []string, opts image.RemoveOptions) (untagged, deleted []string, err error) {
	images, err := r.Images(ctx)
	if err != nil {
		return nil, nil, err
	}
	if opts.Users, err = r.imageUsers(ctx); err != nil {
		return nil, nil, err
	}
	zero := uint(0)
	opts.RemoveContainer = func(ctx context.Context, id string) error {
		if c, err := r.store.Container(ctx, id); err == nil && c.Config.IsInfra {
			// An infra container goes with its pod, as in podman.
			_, err := r.PodRemove(ctx, c.Config.Pod, PodRemoveOptions{Force: true, Timeout: &zero, Ignore: true})
			return err
		}
		err := r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: &zero})
		if errors.Is(err, define.ErrNoSuchCtr) {
			// Not pier's (buildah's, podman's): only its storage goes.
			return images.DeleteContainer(id)
		}
		return err
	}
	return images.Remove(ctx, refs, opts)
}

// PruneImages removes the images no container uses, pier's containers
// without storage included, and reports them.
func (r *Runtime) PruneImages(ctx context.Context, opts image.PruneOptions) ([]image.PruneReport, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Users, err = r.imageUsers(ctx); err != nil {
		return nil, err
	}
	return images.Prune(ctx, opts)
}
