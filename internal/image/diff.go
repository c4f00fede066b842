package image

import (
	"context"
	"errors"
	"fmt"

	"go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Change is one path that differs between two layers: Kind is "A"
// (added), "C" (changed) or "D" (deleted), as podman prints them.
type Change struct {
	Kind string
	Path string
}

// Diff lists what image ref changes on top of its parent layer, or, with
// other, how ref's filesystem differs from other's (podman compares the
// first image to the second: files only the second has are "D").
// Changes come in containers/storage's order, as podman prints them.
func (s *Store) Diff(ctx context.Context, ref, other string) ([]Change, error) {
	to, err := s.topLayerOf(ref)
	if err != nil {
		return nil, err
	}
	from := ""
	if other != "" {
		if from, err = s.topLayerOf(other); err != nil {
			return nil, err
		}
	}
	return s.changes(from, to)
}

// ContainerDiff lists what a container changed in its writable layer over
// its image.
func (s *Store) ContainerDiff(ctx context.Context, id string) ([]Change, error) {
	c, err := s.store.Container(id)
	if err != nil {
		return nil, fmt.Errorf("looking up storage of container %s: %w", id, err)
	}
	return s.changes("", c.LayerID)
}

func (s *Store) topLayerOf(ref string) (string, error) {
	simg, _, err := s.lookup(ref)
	if err != nil {
		return "", err
	}
	if simg.TopLayer == "" {
		return "", fmt.Errorf("image %s has no layers (a manifest list?): %w", ref, errdefs.ErrInvalidArgument)
	}
	return simg.TopLayer, nil
}

// runtimeMountpoints are created by the runtime or the engine in every
// container (and so in every layer a build ran a command in): podman
// leaves them out of diffs, as they are not the user's changes.
var runtimeMountpoints = map[string]bool{
	"/dev": true, "/etc/hostname": true, "/etc/hosts": true, "/etc/resolv.conf": true,
	"/proc": true, "/run": true, "/run/notify": true, "/run/.containerenv": true,
	"/run/secrets": true, "/sys": true, "/etc/mtab": true,
}

// changes runs containers/storage's Changes; an empty from means the
// layer's parent (or nothing, for a base layer: everything is added).
func (s *Store) changes(from, to string) ([]Change, error) {
	chs, err := s.store.Changes(from, to)
	if err != nil {
		if errors.Is(err, storage.ErrLayerUnknown) {
			return nil, fmt.Errorf("comparing layers %s and %s: %w", from, to, errors.Join(err, errdefs.ErrNotFound))
		}
		return nil, fmt.Errorf("comparing layers %s and %s: %w", from, to, err)
	}
	out := make([]Change, 0, len(chs))
	for _, c := range chs {
		if runtimeMountpoints[c.Path] {
			continue
		}
		k := "C"
		switch c.Kind {
		case archive.ChangeAdd:
			k = "A"
		case archive.ChangeDelete:
			k = "D"
		}
		out = append(out, Change{Kind: k, Path: c.Path})
	}
	return out, nil
}
