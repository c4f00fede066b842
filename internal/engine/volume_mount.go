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
			if err := r.copyUp(ctx, v, m, rootfs); err != nil {
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

// copyUp fills an empty volume with what the image has at the mount's
// destination, once: the first container to mount the volume clears
// NeedsCopyUp whatever it finds, as podman does. nocopy (on the mount or
// the volume) and volumes that are no data directory skip the copy.
func (r *Runtime) copyUp(ctx context.Context, v *define.Volume, m define.Mount, rootfs string) error {
	l, err := r.locks.Lock(ctx, lockName(kindVolume, v.Name))
	if err != nil {
		return err
	}
	defer l.Unlock()
	// Read again under the lock: another container may have copied.
	if v, err = r.store.Volume(ctx, v.Name); err != nil || !v.NeedsCopyUp {
		return err
	}
	_, volNoCopy := v.Options["nocopy"]
	if !slices.Contains(m.Options, "nocopy") && !volNoCopy && v.Options["type"] == "" {
		if err := copyImageDir(rootfs, m.Destination, v.MountPoint); err != nil {
			return fmt.Errorf("copying up to volume %s: %w", v.Name, err)
		}
	}
	v.NeedsCopyUp = false
	return r.store.SaveVolume(ctx, v)
}

// copyImageDir copies the rootfs's directory dest (resolved inside the
// rootfs) into the empty directory data, with its owner and mode.
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
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		if err := os.Chown(data, int(sys.Uid), int(sys.Gid)); err != nil {
			return err
		}
	}
	if err := os.Chmod(data, st.Mode().Perm()); err != nil {
		return err
	}
	return pipeCopy(
		func(w io.Writer) error { return copier.Get(src, src, copier.GetOptions{}, []string{"."}, w) },
		func(rd io.Reader) error { return copier.Put(data, data, copier.PutOptions{}, rd) })
}
