package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/image"
)

// MountReport is a mounted container as `mount` lists it.
type MountReport struct {
	ID, Name, Path string
	running        bool
}

// Mount mounts a container's root filesystem and returns the mount point.
// The container is pier's, or another tool's (buildah) in the same
// storage. Storage counts mounts across processes: each Mount needs an
// Unmount, and the runtime's own mount of a running container is one of
// them.
func (r *Runtime) Mount(ctx context.Context, nameOrID string) (string, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return "", err
	}
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		sc, xerr := r.external(ctx, images, nameOrID, err)
		if xerr != nil {
			return "", xerr
		}
		return mountPath(images.Mount(sc.ID))
	}
	defer l.Unlock()
	if c.State.Status == define.StatusRemoving {
		return "", fmt.Errorf("cannot mount container %s as it is being removed: %w", c.Config.ID, define.ErrCtrStateInvalid)
	}
	// A crash between saving the container and creating its storage
	// leaves none: make it, as start does.
	if err := images.CreateContainer(ctx, c.Config.ID, c.Config.ImageID, storageOptions(&c.Config)); err != nil {
		return "", err
	}
	p, err := mountPath(images.Mount(c.Config.ID))
	if err == nil {
		r.ctrEvent(c, events.Mount)
	}
	return p, err
}

func mountPath(p string, err error) (string, error) {
	if err != nil {
		return "", err
	}
	if rp, err := filepath.EvalSymlinks(p); err == nil {
		p = rp
	}
	return p, nil
}

// external finds a container that only storage knows, for commands that
// accept other tools' containers. notFound is pier's own lookup error,
// returned when storage does not know the name either.
func (r *Runtime) external(ctx context.Context, images *image.Store, nameOrID string, notFound error) (*image.StorageContainer, error) {
	if !errors.Is(notFound, define.ErrNoSuchCtr) {
		return nil, notFound
	}
	sc, err := images.LookupContainer(nameOrID)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil, notFound
		}
		return nil, err
	}
	// An ID prefix storage resolves may still be one of pier's containers
	// (pier's lookup failed on ambiguity or a race with rm).
	if _, err := r.store.Container(ctx, sc.ID); err == nil {
		return nil, notFound
	}
	return sc, nil
}

// Unmount releases one mount of a container's root filesystem, or all of
// them with force, and reports whether it did. A running container keeps
// the mount its runtime uses: only mounts beyond it are released.
func (r *Runtime) Unmount(ctx context.Context, nameOrID string, force bool) (bool, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return false, err
	}
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		sc, xerr := r.external(ctx, images, nameOrID, err)
		if xerr != nil {
			return false, xerr
		}
		return true, images.UnmountOnce(sc.ID, force)
	}
	defer l.Unlock()
	done, err := r.unmountLocked(ctx, images, c, force)
	if done && err == nil {
		r.ctrEvent(c, events.Unmount)
	}
	return done, err
}

func (r *Runtime) unmountLocked(ctx context.Context, images *image.Store, c *define.Container, force bool) (bool, error) {
	id := c.Config.ID
	if c.State.Running() {
		n, _, err := images.MountState(id)
		if err != nil || n <= 1 || force {
			return false, err
		}
		return true, images.UnmountOnce(id, false)
	}
	if err := images.UnmountOnce(id, force); err != nil {
		return false, fmt.Errorf("unmounting container %s: %w", id, err)
	}
	if c.State.Mounted {
		if n, _, err := images.MountState(id); err == nil && n == 0 {
			c.State.Mounted, c.State.Mountpoint = false, ""
			return true, r.save(ctx, c)
		}
	}
	return true, nil
}

// MountedContainers lists the mounted containers as podman does: other
// tools' containers first, in storage's order, then pier's.
func (r *Runtime) MountedContainers(ctx context.Context) ([]MountReport, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	ext, err := r.ExternalContainers(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	var out []MountReport
	for _, c := range append(ext, cs...) {
		n, p, err := images.MountState(c.Config.ID)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, MountReport{ID: c.Config.ID, Name: c.Config.Name, Path: p, running: c.State.Running()})
		}
	}
	return out, nil
}

// UnmountAll releases the mounts of every mounted container that is not
// running (one each, or all with force) and returns their IDs. Running
// containers are skipped, as podman does.
func (r *Runtime) UnmountAll(ctx context.Context, force bool) ([]string, error) {
	mounted, err := r.MountedContainers(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	var errs []error
	for _, m := range mounted {
		if m.running {
			continue
		}
		ok, err := r.Unmount(ctx, m.ID, force)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			ids = append(ids, m.ID)
		}
	}
	return ids, errors.Join(errs...)
}

// ExternalExists reports whether storage holds a container pier does not
// own under that name or ID (`container exists --external`).
func (r *Runtime) ExternalExists(ctx context.Context, nameOrID string) (bool, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return false, err
	}
	_, err = r.external(ctx, images, nameOrID, define.ErrNoSuchCtr)
	if errors.Is(err, define.ErrNoSuchCtr) {
		return false, nil
	}
	return err == nil, err
}

// RemoveExternal deletes a container pier does not own from storage, as
// podman's `rm` does for buildah's containers. A mounted one needs force.
func (r *Runtime) RemoveExternal(ctx context.Context, nameOrID string, force bool) error {
	images, err := r.Images(ctx)
	if err != nil {
		return err
	}
	sc, err := r.external(ctx, images, nameOrID, noSuchCtr(nameOrID, define.ErrNoSuchCtr))
	if err != nil {
		return err
	}
	if !force {
		n, _, err := images.MountState(sc.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("container %q is mounted and cannot be removed without using force: %w", nameOrID, define.ErrCtrStateInvalid)
		}
	}
	return images.DeleteContainer(sc.ID)
}

// Diff lists the changes of a container (pier's or another tool's), an
// image or a layer, as kind allows, over its parent or against other.
func (r *Runtime) Diff(ctx context.Context, ref, other string, kind image.DiffKind) ([]image.Change, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	return images.Diff(ctx, ref, other, kind, func(name string) (string, bool) {
		c, err := r.store.LookupContainer(ctx, name)
		if err != nil {
			return "", false
		}
		return c.Config.ID, true
	})
}
