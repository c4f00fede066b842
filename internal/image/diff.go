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

// DiffKind says what a name given to Diff may be, as podman's diff types.
type DiffKind int

const (
	// DiffImage: an image, compared with its parent layer.
	DiffImage DiffKind = 1 << iota
	// DiffContainer: a container in storage (pier's or another tool's),
	// compared with its image.
	DiffContainer
	diffLayer
	// DiffAll tries an image, then a container, then a layer ID, as
	// podman's top-level diff.
	DiffAll = DiffImage | DiffContainer | diffLayer
)

// Diff lists what ref changes on top of its parent layer or, with other,
// how ref's filesystem differs from other's (podman compares the first to
// the second: files only the second has are "D"). Changes come in
// containers/storage's order, as podman prints them.
// ctrID, when set, maps an engine's container name to its storage ID:
// storage does not know the names pier gives containers.
func (s *Store) Diff(ctx context.Context, ref, other string, kind DiffKind, ctrID func(string) (string, bool)) ([]Change, error) {
	to, err := s.layerOf(ref, kind, ctrID)
	if err != nil {
		return nil, err
	}
	from := ""
	if other != "" {
		if from, err = s.layerOf(other, kind, ctrID); err != nil {
			return nil, err
		}
	}
	return s.changes(from, to)
}

// layerOf resolves ref to the layer Diff compares; the error names the
// last kind tried, as podman's.
func (s *Store) layerOf(ref string, kind DiffKind, ctrID func(string) (string, bool)) (string, error) {
	var last error
	if kind&DiffImage != 0 {
		l, err := s.topLayerOf(ref)
		if err == nil || !errors.Is(err, errdefs.ErrNotFound) {
			return l, err
		}
		last = err
	}
	if kind&DiffContainer != 0 {
		id := ref
		if ctrID != nil {
			if cid, ok := ctrID(ref); ok {
				id = cid
			}
		}
		c, err := s.store.Container(id)
		if err == nil {
			return c.LayerID, nil
		}
		last = err
	}
	if kind&diffLayer != 0 {
		l, err := s.store.Layer(ref)
		if err == nil {
			return l.ID, nil
		}
		last = err
	}
	return "", errdefs.Errorf(errdefs.ErrNotFound, "%s not found: %w", ref, last)
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
