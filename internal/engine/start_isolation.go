package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/moby/sys/user"
	spec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
	"github.com/pier-engine/pier/internal/version"
)

// prepareIsolation fills in what the spec needs from the host for c's
// namespaces, groups and devices: the namespace files of the containers
// it joins, the /dev/shm it shares, the devices it gets and
// /run/.containerenv.
func (r *Runtime) prepareIsolation(ctx context.Context, c *define.Container, rootfs, runDir string, h *specgen.Host) error {
	if err := r.joinNamespaces(ctx, c, h); err != nil {
		return err
	}
	gids, err := groupAddGIDs(rootfs, c.Config.GroupAdd)
	if err != nil {
		return err
	}
	h.User.AdditionalGids = append(h.User.AdditionalGids, gids...)
	if c.Config.Privileged {
		if h.Devices, err = specgen.PrivilegedDevices(c.Config.SystemdMode); err != nil {
			return err
		}
	}
	for _, d := range c.Config.Devices {
		devs, err := specgen.HostDevice(d.PathOnHost, d.PathInContainer)
		if err != nil {
			return fmt.Errorf("device %s of container %s: %w", d.PathOnHost, c.Config.Name, err)
		}
		h.Devices = append(h.Devices, devs...)
	}
	if ownsShareableIPC(&c.Config) {
		if h.ShmSource, err = r.mountShm(c); err != nil {
			return err
		}
	}
	if len(c.Config.UIDMap) > 0 {
		if h.RootfsPath, err = bindUserNSRootfs(rootfs, c.Config.ID); err != nil {
			return err
		}
	}
	h.ContainerEnvPath = filepath.Join(runDir, ".containerenv")
	return os.WriteFile(h.ContainerEnvPath, containerEnv(c), 0o644)
}

// joinNamespaces resolves each "container:ID" mode to the running
// container's namespace file; a joined IPC namespace shares that
// container's /dev/shm too.
func (r *Runtime) joinNamespaces(ctx context.Context, c *define.Container, h *specgen.Host) error {
	for _, f := range nsFlags(&IsolationRequest{}, &c.Config.Namespaces) {
		kind, id := specgen.SplitNamespace(*f.dest)
		if kind != define.NSContainer {
			continue
		}
		pid, err := r.runningPID(ctx, c, id)
		if err != nil {
			return err
		}
		if h.NSPaths == nil {
			h.NSPaths = map[spec.LinuxNamespaceType]string{}
		}
		h.NSPaths[f.typ] = specgen.NamespaceFile(pid, f.typ)
		if f.typ == spec.IPCNamespace {
			// The donor's host-side /dev/shm: a mount of another mount
			// namespace cannot be bound.
			h.ShmSource = r.shmDir(id)
		}
	}
	return nil
}

// groupAddGIDs resolves --group-add values: numbers as they are, names in
// the container's /etc/group.
func groupAddGIDs(rootfs string, groups []string) ([]uint32, error) {
	var out []uint32
	for _, g := range groups {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			out = append(out, uint32(n))
			continue
		}
		u, _, err := specgen.ResolveUser(rootfs, "0:"+g)
		if err != nil {
			return nil, errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("unable to find group %s: %v", g, user.ErrNoGroupEntries))
		}
		out = append(out, u.GID)
	}
	return out, nil
}

// systemdMode reports whether c runs systemd: --systemd=always, or the
// default "true" with a command that is systemd or init.
func systemdMode(cfg *define.ContainerConfig) bool {
	switch cfg.Systemd {
	case "always":
		return true
	case "false":
		return false
	}
	args := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)
	if len(args) == 0 {
		return false
	}
	switch filepath.Base(args[0]) {
	case "init", "systemd":
		return true
	}
	return false
}

// containerEnv is /run/.containerenv: empty, except for a privileged
// container, which learns what podman tells it (engine, name, ID, image,
// rootless). The engine is "podman-pier-VERSION": tools look for the
// podman- prefix to know they run under podman's conventions.
func containerEnv(c *define.Container) []byte {
	if !c.Config.Privileged {
		return nil
	}
	return fmt.Appendf(nil, "engine=\"podman-pier-%s\"\nname=%q\nid=%q\nimage=%q\nimageid=%q\nrootless=%d\n",
		version.Version, c.Config.Name, c.Config.ID, c.Config.Image, c.Config.ImageID, boolInt(os.Geteuid() != 0))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ownsShareableIPC reports whether c has an IPC namespace others may join
// (podman's default, "shareable"; a pod's infra container): its /dev/shm
// then lives on the host (see shmDir), where joining containers bind it
// from.
func ownsShareableIPC(cfg *define.ContainerConfig) bool {
	return cfg.IPCMode == "" || cfg.IPCMode == define.NSShareable
}

// userNSRootfsDir holds the rootfs of containers with a user namespace.
// runc resolves the rootfs path from inside the namespace, where the
// storage root's 0700 directories are closed to the container's mapped
// root; podman binds it in a directory anyone may traverse for the same
// reason. /run is root's alone, so nobody can plant a link there.
const userNSRootfsDir = "/run/pier-userns"

// bindUserNSRootfs binds rootfs at userNSRootfsDir/ID and returns the path.
func bindUserNSRootfs(rootfs, id string) (string, error) {
	if err := os.MkdirAll(userNSRootfsDir, 0o711); err != nil {
		return "", fmt.Errorf("creating %s: %w", userNSRootfsDir, err)
	}
	if err := os.Chmod(userNSRootfsDir, 0o711); err != nil {
		return "", err
	}
	p := filepath.Join(userNSRootfsDir, id)
	unbindUserNSRootfs(id)
	if err := os.Mkdir(p, 0o755); err != nil && !os.IsExist(err) {
		return "", fmt.Errorf("creating %s: %w", p, err)
	}
	if err := unix.Mount(rootfs, p, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return "", fmt.Errorf("binding the rootfs at %s: %w", p, err)
	}
	return p, nil
}

// unbindUserNSRootfs undoes bindUserNSRootfs; nothing bound is no error.
func unbindUserNSRootfs(id string) {
	p := filepath.Join(userNSRootfsDir, id)
	for unix.Unmount(p, unix.MNT_DETACH) == nil {
	}
	_ = os.Remove(p)
}

// releaseHostMounts undoes the host mounts a start made for c (its shared
// /dev/shm, its rootfs bound for a user namespace); each is re-runnable.
func (r *Runtime) releaseHostMounts(c *define.Container) {
	r.unmountShm(c)
	if len(c.Config.UIDMap) > 0 {
		unbindUserNSRootfs(c.Config.ID)
	}
}
