package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"go.podman.io/buildah/copier"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/specgen"
)

// prepareVolumes turns the container's volume mounts into what the
// runtime mounts, filling each volume from the image at its first use
// (podman's copy-up). The result is a new slice: the stored config keeps
// its volume mounts.
func (r *Runtime) prepareVolumes(ctx context.Context, c *define.Container, rootfs string) ([]define.Mount, error) {
	if !slices.ContainsFunc(c.Config.Mounts, func(m define.Mount) bool { return m.Type == "volume" }) {
		return c.Config.Mounts, nil
	}
	out := make([]define.Mount, 0, len(c.Config.Mounts))
	for _, m := range c.Config.Mounts {
		if m.Type != "volume" {
			out = append(out, m)
			continue
		}
		v, err := r.store.Volume(ctx, m.Name)
		if err != nil {
			return nil, fmt.Errorf("volume %s of container %s: %w", m.Name, c.Config.Name, err)
		}
		if v.NeedsCopyUp {
			if err := r.copyUp(ctx, c, v, m, rootfs); err != nil {
				return nil, err
			}
		}
		sm, err := volumeSpecMount(m, v)
		if err != nil {
			return nil, err
		}
		out = append(out, sm)
	}
	return out, nil
}

// copyUp prepares a volume at its first use, once: the first container
// to mount it clears NeedsCopyUp whatever it finds, as podman does. The
// data directory takes the owner and mode of the image's directory at the
// destination, or the container user's when the image has none (podman's
// NeedsChown; not for a volume created with uid/gid), then an empty volume
// is filled from the image (copy-up) unless nocopy is set on the mount or
// the volume. Volumes that are no data directory are left alone.
func (r *Runtime) copyUp(ctx context.Context, c *define.Container, v *define.Volume, m define.Mount, rootfs string) error {
	l, err := r.locks.Lock(ctx, lockName(kindVolume, v.Name))
	if err != nil {
		return err
	}
	defer l.Unlock()
	// Read again under the lock: another container may have copied.
	if v, err = r.store.Volume(ctx, v.Name); err != nil || !v.NeedsCopyUp {
		return err
	}
	if v.Options["type"] == "" {
		_, hasUID := v.Options["uid"]
		_, hasGID := v.Options["gid"]
		if !hasUID && !hasGID && v.UID == nil && v.GID == nil {
			u, _, err := specgen.ResolveUser(rootfs, c.Config.User)
			if err != nil {
				return err
			}
			if err := chownLikeImage(rootfs, m.Destination, v.MountPoint, int(u.UID), int(u.GID)); err != nil {
				return fmt.Errorf("setting the owner of volume %s: %w", v.Name, err)
			}
		}
		_, volNoCopy := v.Options["nocopy"]
		if !slices.Contains(m.Options, "nocopy") && !volNoCopy {
			if err := copyImageDir(rootfs, m.Destination, v.MountPoint); err != nil {
				return fmt.Errorf("copying up to volume %s: %w", v.Name, err)
			}
		}
	}
	v.NeedsCopyUp = false
	return r.store.SaveVolume(ctx, v)
}

// chownLikeImage gives data the owner and mode of the image's directory
// at dest, or uid:gid when the image has no directory there.
func chownLikeImage(rootfs, dest, data string, uid, gid int) error {
	src, err := securejoin.SecureJoin(rootfs, dest)
	if err != nil {
		return err
	}
	if st, err := os.Lstat(src); err == nil && st.IsDir() {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(sys.Uid), int(sys.Gid)
		}
		if err := os.Chmod(data, st.Mode().Perm()); err != nil {
			return err
		}
	}
	return os.Lchown(data, uid, gid)
}

// copyImageDir copies the rootfs's directory dest (resolved inside the
// rootfs) into data if data is empty.
func copyImageDir(rootfs, dest, data string) error {
	src, err := securejoin.SecureJoin(rootfs, dest)
	if err != nil {
		return err
	}
	st, err := os.Lstat(src)
	if err != nil || !st.IsDir() {
		return nil // nothing to copy: the image has no directory there
	}
	entries, err := os.ReadDir(data)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return nil // the user's data wins
	}
	return pipeCopy(
		func(w io.Writer) error { return copier.Get(src, src, copier.GetOptions{}, []string{"."}, w) },
		func(rd io.Reader) error { return copier.Put(data, data, copier.PutOptions{}, rd) })
}
