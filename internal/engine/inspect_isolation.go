package engine

import (
	"cmp"
	"slices"

	"go.podman.io/common/pkg/capabilities"

	"github.com/pier-engine/pier/internal/define"
)

// inspectIsolation fills inspect's namespace, group, privilege and device
// fields as podman 5 shows them: ipc "shareable" by default, cgroupns
// "host" on this cgroup v1 host, user namespace "private" with mappings
// and "" without.
func inspectIsolation(d *define.InspectContainerData, cfg *define.ContainerConfig) {
	h := d.HostConfig
	h.IpcMode = cmp.Or(cfg.IPCMode, define.NSShareable)
	h.PidMode = cmp.Or(cfg.PIDMode, define.NSPrivate)
	if cfg.UTSMode != "" {
		h.UTSMode = cfg.UTSMode
	}
	h.CgroupMode = cmp.Or(cfg.CgroupNSMode, define.NSHost)
	h.UsernsMode = cfg.UserNSMode
	h.Privileged = cfg.Privileged
	h.GroupAdd = append([]string{}, cfg.GroupAdd...)
	if cfg.KeepGroups {
		h.GroupAdd = []string{"keep-groups"}
	}
	if cfg.Privileged {
		h.SecurityOpt = append(h.SecurityOpt, "unmask=all")
		// Whatever the engine could not give, as podman lists it.
		h.CapDrop = []string{}
		for _, c := range capabilities.AllCapabilities() {
			if !slices.Contains(cfg.Capabilities, c) {
				h.CapDrop = append(h.CapDrop, c)
			}
		}
	} else {
		h.CapAdd = append([]string{}, cfg.CapAdd...)
		h.CapDrop = append([]string{}, cfg.CapDrop...)
	}
	for _, dev := range cfg.Devices {
		// podman 5 leaves the permissions out here.
		h.Devices = append(h.Devices, define.InspectDevice{PathOnHost: dev.PathOnHost, PathInContainer: dev.PathInContainer})
	}
	caps := append([]string{}, cfg.Capabilities...)
	if cfg.Capabilities == nil {
		caps = []string{}
	}
	d.EffectiveCaps, d.BoundingCaps = caps, slices.Clone(caps)
}
