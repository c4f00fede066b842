package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/idtools"
	storagetypes "go.podman.io/storage/types"

	"github.com/pier-engine/pier/internal/errdefs"
)

// ContainerOptions tune a storage container.
type ContainerOptions struct {
	// Volatile skips fsync of the container's storage metadata and mounts
	// its layer with overlay's "volatile" option, as podman does for --rm
	// containers: a host crash loses what they wrote, which nobody keeps.
	Volatile bool
	// UIDMap and GIDMap are the container's user namespace mappings;
	// storage shifts the rootfs's owners into them. None: the host's IDs.
	UIDMap, GIDMap []spec.LinuxIDMapping
	// AutoUserNs has storage pick unused ranges of the auto userns user's
	// subordinate IDs (--userns=auto); ContainerMappings reads them back.
	AutoUserNs *storagetypes.AutoUserNsOptions
}

// idMappings converts the spec's mappings to storage's.
func (o ContainerOptions) idMappings() storagetypes.IDMappingOptions {
	conv := func(in []spec.LinuxIDMapping) []idtools.IDMap {
		out := make([]idtools.IDMap, 0, len(in))
		for _, m := range in {
			out = append(out, idtools.IDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
		}
		return out
	}
	if o.AutoUserNs != nil {
		return storagetypes.IDMappingOptions{AutoUserNs: true, AutoUserNsOpts: *o.AutoUserNs}
	}
	return storagetypes.IDMappingOptions{
		HostUIDMapping: len(o.UIDMap) == 0, HostGIDMapping: len(o.GIDMap) == 0,
		UIDMap: conv(o.UIDMap), GIDMap: conv(o.GIDMap),
	}
}

// CreateContainer creates the storage container (the writable layer over
// the image) with the engine's container ID. It is idempotent so that the
// engine can retry after a crash between saving its state and this call.
func (s *Store) CreateContainer(ctx context.Context, id, imageID string, o ContainerOptions) error {
	// storage creates the layer before it notices a duplicate ID, and then
	// deletes it again: a layer created for nothing on every start.
	if c, err := s.store.Container(id); err == nil {
		if c.ImageID == imageID {
			return nil
		}
		return fmt.Errorf("creating storage for container %s: it exists with image %s: %w", id, c.ImageID, storage.ErrDuplicateID)
	}
	_, err := s.store.CreateContainer(id, nil, imageID, "", "", &storage.ContainerOptions{Volatile: o.Volatile, IDMappingOptions: o.idMappings()})
	if err == nil {
		return nil
	}
	if errors.Is(err, storage.ErrDuplicateID) {
		if c, cerr := s.store.Container(id); cerr == nil && c.ImageID == imageID {
			return nil
		}
	}
	return fmt.Errorf("creating storage for container %s: %w", id, err)
}

// Mount mounts the container's root filesystem and returns its path.
// Mounts are counted by storage: every Mount needs an Unmount.
func (s *Store) Mount(id string) (string, error) {
	p, err := s.store.Mount(id, "")
	if err != nil {
		return "", fmt.Errorf("mounting storage of container %s: %w", id, err)
	}
	return p, nil
}

// Unmount drops one mount count, or all of them with force.
func (s *Store) Unmount(id string, force bool) error {
	if _, err := s.store.Unmount(id, force); err != nil {
		if errors.Is(err, storage.ErrContainerUnknown) || errors.Is(err, storage.ErrNotAContainer) || errors.Is(err, storage.ErrLayerUnknown) {
			return nil
		}
		return fmt.Errorf("unmounting storage of container %s: %w", id, err)
	}
	return nil
}

// DeleteContainer unmounts and deletes the container's storage. A missing
// container is not an error: removal must be re-runnable after a crash.
func (s *Store) DeleteContainer(id string) error {
	if err := s.Unmount(id, true); err != nil {
		return err
	}
	if err := s.store.DeleteContainer(id); err != nil && !errors.Is(err, storage.ErrContainerUnknown) && !errors.Is(err, storage.ErrNotAContainer) {
		return fmt.Errorf("deleting storage of container %s: %w", id, err)
	}
	return nil
}

// StorageContainer is a container in storage, whoever made it (pier,
// podman, buildah).
type StorageContainer struct {
	ID      string
	Names   []string
	ImageID string
	Created time.Time
	// Buildah: buildah's working container (it keeps buildah.json in the
	// container's directory), as podman tells them apart in `ps --external`.
	Buildah bool
}

func (s *Store) isBuildah(id string) bool {
	dir, err := s.store.ContainerDirectory(id)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "buildah.json"))
	return err == nil
}

// Containers lists every container in storage.
func (s *Store) Containers() ([]StorageContainer, error) {
	cs, err := s.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("listing storage containers: %w", err)
	}
	out := make([]StorageContainer, 0, len(cs))
	for _, c := range cs {
		out = append(out, StorageContainer{ID: c.ID, Names: c.Names, ImageID: c.ImageID, Created: c.Created, Buildah: s.isBuildah(c.ID)})
	}
	return out, nil
}

// LookupContainer finds a container in storage by ID, unique ID prefix or
// name, whoever made it.
func (s *Store) LookupContainer(nameOrID string) (*StorageContainer, error) {
	c, err := s.store.Container(nameOrID)
	if err != nil {
		if errors.Is(err, storage.ErrContainerUnknown) {
			return nil, errdefs.Errorf(errdefs.ErrNotFound, "%s: %w", nameOrID, err)
		}
		return nil, fmt.Errorf("looking up storage container %s: %w", nameOrID, err)
	}
	return &StorageContainer{ID: c.ID, Names: c.Names, ImageID: c.ImageID, Created: c.Created, Buildah: s.isBuildah(c.ID)}, nil
}

// MountState reports how many times a container's root filesystem is
// mounted (storage counts mounts across processes) and where.
func (s *Store) MountState(id string) (int, string, error) {
	n, err := s.store.Mounted(id)
	if err != nil {
		if errors.Is(err, storage.ErrLayerUnknown) || errors.Is(err, storage.ErrContainerUnknown) {
			return 0, "", nil
		}
		return 0, "", fmt.Errorf("checking mounts of container %s: %w", id, err)
	}
	if n == 0 {
		return 0, "", nil
	}
	c, err := s.store.Container(id)
	if err != nil {
		return 0, "", fmt.Errorf("looking up storage container %s: %w", id, err)
	}
	l, err := s.store.Layer(c.LayerID)
	if err != nil {
		return 0, "", fmt.Errorf("looking up layer of container %s: %w", id, err)
	}
	return n, l.MountPoint, nil
}

// UnmountOnce releases one mount of a container (all of them with force);
// a container that is not mounted is left alone.
func (s *Store) UnmountOnce(id string, force bool) error {
	n, _, err := s.MountState(id)
	if err != nil || n == 0 {
		return err
	}
	if _, err := s.store.Unmount(id, force); err != nil {
		return fmt.Errorf("unmounting storage of container %s: %w", id, err)
	}
	return nil
}

// ContainerDir is the container's own directory in storage, removed with
// it (storage's userdata directory).
func (s *Store) ContainerDir(id string) (string, error) {
	dir, err := s.store.ContainerDirectory(id)
	if err != nil {
		return "", fmt.Errorf("finding the storage directory of container %s: %w", id, err)
	}
	return dir, nil
}

// ContainerMappings are the user namespace mappings of the container's
// storage (those storage picked for --userns=auto).
func (s *Store) ContainerMappings(id string) (uids, gids []spec.LinuxIDMapping, err error) {
	c, err := s.store.Container(id)
	if err != nil {
		return nil, nil, fmt.Errorf("looking up storage of container %s: %w", id, err)
	}
	conv := func(in []idtools.IDMap) []spec.LinuxIDMapping {
		out := make([]spec.LinuxIDMapping, 0, len(in))
		for _, m := range in {
			out = append(out, spec.LinuxIDMapping{ContainerID: uint32(m.ContainerID), HostID: uint32(m.HostID), Size: uint32(m.Size)})
		}
		return out
	}
	return conv(c.UIDMap), conv(c.GIDMap), nil
}
