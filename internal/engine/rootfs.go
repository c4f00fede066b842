package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
)

// rootfsOverlayDir is where a --rootfs PATH:O container's overlay lives,
// inside its storage directory: the writes last while the container
// exists (across restarts, as podman's) and go with it.
const rootfsOverlayDir = "rootfs-overlay"

// mountRootfs is mountStorage for a --rootfs container: its storage holds
// no image (podman makes one too, which `mount` shows); the root is the
// user's directory, or with ":O" an overlay over it whose upper layer is
// the container's.
func (r *Runtime) mountRootfs(ctx context.Context, c *define.Container, images *image.Store) (string, error) {
	if err := images.CreateContainer(ctx, c.Config.ID, "", storageOptions(&c.Config)); err != nil {
		return "", fmt.Errorf("creating storage for container %s: %w", c.Config.Name, err)
	}
	if !c.Config.RootfsOverlay {
		return c.Config.Rootfs, nil
	}
	merged, err := mountRootfsOverlay(images, c)
	if err != nil {
		return "", err
	}
	c.State.Mounted, c.State.Mountpoint = true, merged
	if err := r.save(ctx, c); err != nil {
		_ = unix.Unmount(merged, unix.MNT_DETACH)
		return "", err
	}
	return merged, nil
}

// mountRootfsOverlay mounts a --rootfs PATH:O container's overlay (anew,
// should a crash have left one) and returns where.
func mountRootfsOverlay(images *image.Store, c *define.Container) (string, error) {
	dir, err := images.ContainerDir(c.Config.ID)
	if err != nil {
		return "", err
	}
	dir = filepath.Join(dir, rootfsOverlayDir)
	merged := filepath.Join(dir, "merged")
	for _, d := range []string{"upper", "work", "merged"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return "", fmt.Errorf("creating the rootfs overlay of %s: %w", c.Config.Name, err)
		}
	}
	if ok, _ := mountinfo.Mounted(merged); ok {
		_ = unix.Unmount(merged, unix.MNT_DETACH)
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", c.Config.Rootfs, filepath.Join(dir, "upper"), filepath.Join(dir, "work"))
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		return "", fmt.Errorf("mounting the overlay over rootfs %s: %w", c.Config.Rootfs, err)
	}
	return merged, nil
}

// rootfsForCopy is a stopped --rootfs container's root for cp: the
// directory itself, or its overlay mounted until release.
func rootfsForCopy(ctx context.Context, images *image.Store, c *define.Container) (string, func(), error) {
	if !c.Config.RootfsOverlay {
		return c.Config.Rootfs, func() {}, nil
	}
	if err := images.CreateContainer(ctx, c.Config.ID, "", storageOptions(&c.Config)); err != nil {
		return "", nil, fmt.Errorf("creating storage for container %s: %w", c.Config.Name, err)
	}
	merged, err := mountRootfsOverlay(images, c)
	if err != nil {
		return "", nil, err
	}
	return merged, func() { _ = unix.Unmount(merged, unix.MNT_DETACH) }, nil
}

// dropRootfsOverlay unmounts a --rootfs PATH:O container's overlay
// whatever its state says, before its storage (which holds the upper
// layer) is deleted.
func dropRootfsOverlay(images *image.Store, c *define.Container) {
	if !c.Config.RootfsOverlay {
		return
	}
	dir, err := images.ContainerDir(c.Config.ID)
	if err != nil {
		return
	}
	merged := filepath.Join(dir, rootfsOverlayDir, "merged")
	if ok, _ := mountinfo.Mounted(merged); ok {
		_ = unix.Unmount(merged, unix.MNT_DETACH)
	}
}

// unmountRootfs undoes mountRootfs's overlay; the user's directory is
// never touched.
func unmountRootfs(c *define.Container) {
	if !c.State.Mounted || c.State.Mountpoint == "" {
		return
	}
	if err := unix.Unmount(c.State.Mountpoint, unix.MNT_DETACH); err == nil || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
		c.State.Mounted, c.State.Mountpoint = false, ""
	}
}

// createImage is the image a new container is made from, pulled as the
// request says; a --rootfs container has none (an empty one, whose
// config adds nothing).
func createImage(ctx context.Context, images *image.Store, req *CreateRequest) (*image.Image, error) {
	switch {
	case req.Sandbox.Rootfs != "":
		return &image.Image{}, nil
	case req.Pull != nil && req.Pull.Policy != image.PullNever:
		return images.Pull(ctx, req.Image, *req.Pull)
	case req.Pull != nil:
		return images.PullNever(ctx, req.Image)
	default:
		return images.Lookup(ctx, req.Image)
	}
}
