package specgen

import (
	"strconv"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
)

// SystemdStopSignal is SIGRTMIN+3, which makes systemd shut down; podman
// makes it a systemd container's stop signal.
const SystemdStopSignal = 37

// applySystemd prepares the container for systemd as its init, as podman
// does: writable tmpfs on /run, /run/lock, /tmp and /var/log/journal
// (starting with the image's content), systemd's own cgroup hierarchy on
// a cgroup v1 host, and container_uuid in the environment.
func applySystemd(s *spec.Spec, c *define.ContainerConfig, h *Host) {
	if !c.SystemdMode {
		return
	}
	have := map[string]bool{}
	for _, m := range s.Mounts {
		have[m.Destination] = true
	}
	opts := []string{"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}
	if c.ShmSizeSystemd != 0 {
		opts = append(opts, "size="+strconv.FormatInt(c.ShmSizeSystemd, 10))
	}
	for _, dest := range []string{"/run", "/run/lock", "/tmp", "/var/log/journal"} {
		if !have[dest] {
			s.Mounts = append(s.Mounts, spec.Mount{Destination: dest, Type: "tmpfs", Source: "tmpfs", Options: opts})
		}
	}
	if !h.CgroupV2 && !have["/sys/fs/cgroup/systemd"] {
		s.Mounts = append(s.Mounts, spec.Mount{Destination: "/sys/fs/cgroup/systemd", Type: "bind", Source: "/sys/fs/cgroup/systemd", Options: []string{"bind", "rprivate"}})
	}
	if len(c.ID) >= 32 {
		s.Process.Env = append(s.Process.Env, "container_uuid="+c.ID[:32])
	}
	sortMounts(s.Mounts)
}
