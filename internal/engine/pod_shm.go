package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/specgen"
)

// shmDir is where a shareable IPC namespace's /dev/shm lives on the
// host (an infra container's, any container's by default): a tmpfs that
// the container and every one joining its IPC namespace bind-mount, as
// podman shares it. A bind from /proc/PID/root would cross mount
// namespaces, which the kernel refuses.
func (r *Runtime) shmDir(id string) string { return filepath.Join(r.runDir, "shm", id) }

// mountShm mounts c's shared /dev/shm unless it is mounted already.
func (r *Runtime) mountShm(c *define.Container) (string, error) {
	dir := r.shmDir(c.Config.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating shm directory of %s: %w", c.Config.Name, err)
	}
	if mounted, _ := isMountPoint(dir); mounted {
		return dir, nil
	}
	size := c.Config.ShmSize
	if size <= 0 {
		size = specgen.DefaultShmSize
	}
	opts := "mode=1777,size=" + strconv.FormatInt(size, 10)
	if err := unix.Mount("shm", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, opts); err != nil {
		return "", fmt.Errorf("mounting shm of %s: %w", c.Config.Name, err)
	}
	return dir, nil
}

// unmountShm releases c's shared /dev/shm, if it has one.
func (r *Runtime) unmountShm(c *define.Container) {
	if !ownsShareableIPC(&c.Config) {
		return
	}
	dir := r.shmDir(c.Config.ID)
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return
	}
	_ = os.Remove(dir)
}

// isMountPoint reports whether dir is mounted on (a different device
// from its parent).
func isMountPoint(dir string) (bool, error) {
	var st, parent unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return false, err
	}
	if err := unix.Stat(filepath.Dir(dir), &parent); err != nil {
		return false, err
	}
	return st.Dev != parent.Dev, nil
}
