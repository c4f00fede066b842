package image

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"
)

// ImageDiskUsage is one row of `system df -v`'s images: one per name
// (tagged or digested), or one "<none>" row for an unnamed image.
type ImageDiskUsage struct {
	ID         string
	Repository string
	Tag        string
	Created    time.Time
	// Size is SharedSize+UniqueSize; a layer counts as shared when
	// several images have it.
	Size, SharedSize, UniqueSize int64
	Containers                   int
}

// DiskUsage reports the images' disk usage as podman's libimage: per
// image, its layers' uncompressed sizes (shared or unique) and its
// metadata; and the total of every layer once plus every image's
// metadata. users are the engine's containers (see Users).
func (s *Store) DiskUsage(ctx context.Context, users Users) ([]ImageDiskUsage, int64, error) {
	simgs, err := s.store.Images()
	if err != nil {
		return nil, 0, fmt.Errorf("listing images: %w", err)
	}
	layers, err := s.store.Layers()
	if err != nil {
		return nil, 0, fmt.Errorf("listing layers: %w", err)
	}
	all, err := s.usersOf(users)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	byID := make(map[string]*storage.Layer, len(layers))
	for i := range layers {
		l := &layers[i]
		if l.UncompressedSize < 0 {
			if l.UncompressedSize, err = s.store.DiffSize("", l.ID); err != nil {
				return nil, 0, fmt.Errorf("computing size of layer %s: %w", l.ID, err)
			}
		}
		byID[l.ID] = l
		total += l.UncompressedSize
	}
	uses := map[string]int{}
	for i := range simgs {
		walkLayers(&simgs[i], byID, func(l *storage.Layer) { uses[l.ID]++ })
	}
	var out []ImageDiskUsage
	for i := range simgs {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		img := &simgs[i]
		base := ImageDiskUsage{ID: img.ID, Created: img.Created, Repository: "<none>", Tag: "<none>", Containers: len(all[img.ID])}
		walkLayers(img, byID, func(l *storage.Layer) {
			if uses[l.ID] > 1 {
				base.SharedSize += l.UncompressedSize
			} else {
				base.UniqueSize += l.UncompressedSize
			}
		})
		for _, n := range img.BigDataSizes {
			base.UniqueSize += n
			total += n
		}
		base.Size = base.SharedSize + base.UniqueSize
		out = append(out, nameRows(base, img.Names)...)
	}
	return out, total, nil
}

func nameRows(base ImageDiskUsage, names []string) []ImageDiskUsage {
	var out []ImageDiskUsage
	for _, n := range names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			continue
		}
		r := base
		r.Repository = named.Name()
		if t, ok := named.(reference.NamedTagged); ok {
			r.Tag = t.Tag()
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		out = append(out, base)
	}
	return out
}

// walkLayers calls f once for each layer of the image, top to base.
func walkLayers(img *storage.Image, byID map[string]*storage.Layer, f func(*storage.Layer)) {
	seen := map[string]bool{}
	for _, top := range append([]string{img.TopLayer}, img.MappedTopLayers...) {
		for id := top; id != "" && !seen[id]; {
			l := byID[id]
			if l == nil {
				break
			}
			seen[id] = true
			f(l)
			id = l.Parent
		}
	}
}

// ContainerRWSize is the size of a container's writable layer; a
// container without storage is storage.ErrContainerUnknown.
func (s *Store) ContainerRWSize(id string) (int64, error) {
	n, err := s.store.ContainerSize(id)
	if err != nil && !errors.Is(err, storage.ErrContainerUnknown) {
		return 0, fmt.Errorf("computing size of container %s: %w", id, err)
	}
	return n, err
}
