package image

import (
	"context"
	"errors"
	"fmt"

	"go.podman.io/storage"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// MountedImage is an image whose root filesystem is mounted.
type MountedImage struct {
	ID       string
	Digest   string
	RepoTags []string
	Path     string
}

// MountImage mounts an image's layers read-only (containers/storage always
// mounts images read-only) and returns the mount point. The mount is
// counted in the run root and outlives this process, as podman's `image
// mount`: UnmountImage releases it.
func (s *Store) MountImage(ctx context.Context, ref string) (*MountedImage, error) {
	simg, _, err := s.lookup(ref)
	if err != nil {
		return nil, err
	}
	if simg.TopLayer == "" {
		return nil, fmt.Errorf("image %s has no layers to mount (a manifest list?): %w", ref, errdefs.ErrInvalidArgument)
	}
	p, err := s.store.MountImage(simg.ID, nil, "")
	if err != nil {
		return nil, fmt.Errorf("mounting image %s: %w", simg.ID, err)
	}
	s.event(simg.ID, "", events.Mount)
	return s.mounted(simg, p), nil
}

func (s *Store) mounted(simg *storage.Image, path string) *MountedImage {
	img := &Image{ID: simg.ID, Names: simg.Names}
	return &MountedImage{ID: simg.ID, Digest: simg.Digest.String(), RepoTags: nonNil(img.RepoTags()), Path: path}
}

// UnmountImage unmounts ref if it is mounted and reports whether it was.
// force drops every mount count at once; otherwise one is released.
func (s *Store) UnmountImage(ctx context.Context, ref string, force bool) (string, bool, error) {
	simg, _, err := s.lookup(ref)
	if err != nil {
		return "", false, err
	}
	ok, err := s.imageMounted(simg)
	if err != nil || !ok {
		return simg.ID, false, err
	}
	if _, err := s.store.UnmountImage(simg.ID, force); err != nil {
		return simg.ID, false, fmt.Errorf("unmounting image %s: %w", simg.ID, err)
	}
	s.event(simg.ID, "", events.Unmount)
	return simg.ID, true, nil
}

// imageMounted checks the top layer's mount count, as podman: images
// sharing a top layer share the mount.
func (s *Store) imageMounted(simg *storage.Image) (bool, error) {
	if simg.TopLayer == "" {
		return false, nil
	}
	n, err := s.store.Mounted(simg.TopLayer)
	if errors.Is(err, storage.ErrLayerUnknown) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checking mounts of image %s: %w", simg.ID, err)
	}
	return n > 0, nil
}

// MountedImages lists the mounted images in storage order.
func (s *Store) MountedImages(ctx context.Context) ([]*MountedImage, error) {
	simgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	var out []*MountedImage
	for i := range simgs {
		ok, err := s.imageMounted(&simgs[i])
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		l, err := s.store.Layer(simgs[i].TopLayer)
		if err != nil {
			return nil, fmt.Errorf("reading layer of image %s: %w", simgs[i].ID, err)
		}
		out = append(out, s.mounted(&simgs[i], l.MountPoint))
	}
	return out, nil
}
