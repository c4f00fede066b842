package engine

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/define"
)

// A pod with a user namespace (pod create --userns, --uidmap) shares it
// as podman's does: members join the infra's user namespace. The pod's
// network namespace must then belong to that user namespace, else a
// process inside it may not enter the network namespace (setns needs
// CAP_SYS_ADMIN over the owner). So for such an infra container pier
// makes both together, in a short-lived child, and keeps them by bind
// mounts: the user namespace at userNSPinPath, the network namespace at
// the usual netns path. The infra joins both; members join the infra's.

// userNSPinPath is where the infra container's user namespace is kept.
func userNSPinPath(id string) string {
	return filepath.Join(userNSRootfsDir, "userns-"+id)
}

// pinsUserNS reports whether c is an infra container whose network
// namespace is made inside its own user namespace.
func pinsUserNS(cfg *define.ContainerConfig) bool {
	return cfg.IsInfra && len(cfg.UIDMap) > 0 && ownNetNS(cfg)
}

// createUserNetNS makes c's user namespace (with its ID mappings) and a
// network namespace owned by it, kept at userNSPinPath and netnsPath.
func createUserNetNS(c *define.Container, netnsPath string) error {
	pin := userNSPinPath(c.Config.ID)
	unpinUserNS(c.Config.ID)
	for _, p := range []string{pin, netnsPath} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			return fmt.Errorf("creating namespace file %s: %w", p, err)
		}
	}
	cmd := exec.Command(pauseBinary, "-P")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings: sysIDMap(c.Config.UIDMap), GidMappings: sysIDMap(c.Config.GIDMap),
		GidMappingsEnableSetgroups: true,
		Pdeathsig:                  syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("creating the user namespace of container %s: %w", c.Config.Name, err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	for _, m := range []struct{ ns, dst string }{{"user", pin}, {"net", netnsPath}} {
		src := fmt.Sprintf("/proc/%d/ns/%s", cmd.Process.Pid, m.ns)
		if err := unix.Mount(src, m.dst, "", unix.MS_BIND, ""); err != nil {
			unpinUserNS(c.Config.ID)
			return fmt.Errorf("keeping the %s namespace of container %s: %w", m.ns, c.Config.Name, err)
		}
	}
	return nil
}

// unpinUserNS releases what createUserNetNS kept of the user namespace;
// nothing kept is no error.
func unpinUserNS(id string) {
	p := userNSPinPath(id)
	for unix.Unmount(p, unix.MNT_DETACH) == nil {
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return
	}
}

// pinnedUserNS is the kept user namespace c joins, "" when it has none.
func pinnedUserNS(cfg *define.ContainerConfig) string {
	if !pinsUserNS(cfg) {
		return ""
	}
	p := userNSPinPath(cfg.ID)
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

func sysIDMap(in []spec.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, 0, len(in))
	for _, m := range in {
		out = append(out, syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
	}
	return out
}
