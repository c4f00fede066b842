package engine

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"go.podman.io/common/pkg/capabilities"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/specgen"
)

// inspectIsolation fills inspect's namespace, group, privilege and device
// fields as podman 5 shows them: ipc "shareable" by default, cgroupns
// "host" on this cgroup v1 host, user namespace "private" with mappings
// and "" without.
func inspectIsolation(d *define.InspectContainerData, cfg *define.ContainerConfig) {
	h := d.HostConfig
	if d.State != nil && d.State.CgroupPath != "" {
		d.State.CgroupPath = cgroupPath(cfg)
	}
	h.IpcMode = cmp.Or(cfg.IPCMode, define.NSShareable)
	h.PidMode = cmp.Or(cfg.PIDMode, define.NSPrivate)
	if cfg.UTSMode != "" {
		h.UTSMode = cfg.UTSMode
	}
	h.CgroupMode = cmp.Or(cfg.CgroupNSMode, define.NSHost)
	h.UsernsMode = cfg.UserNSMode
	if kind, _ := specgen.SplitNamespace(cfg.UserNSMode); kind == define.NSAuto {
		h.UsernsMode = "" // podman shows only the maps storage picked
	}
	if len(cfg.UIDMap)+len(cfg.GIDMap) > 0 {
		h.IDMappings = &define.InspectIDMappings{UIDMap: idMapStrings(cfg.UIDMap), GIDMap: idMapStrings(cfg.GIDMap)}
	}
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
	inspectLimits(h, cfg)
	if d.Config != nil {
		d.Config.SystemdMode = cfg.SystemdMode
	}
	for _, sc := range cfg.Secrets {
		if d.Config != nil && !sc.Env {
			d.Config.Secrets = append(d.Config.Secrets, define.InspectContainerSecret{Name: sc.Name, ID: sc.ID, UID: sc.UID, GID: sc.GID, Mode: sc.Mode})
		}
	}
	caps := append([]string{}, cfg.Capabilities...)
	if cfg.Capabilities == nil {
		caps = []string{}
	}
	d.EffectiveCaps, d.BoundingCaps = caps, slices.Clone(caps)
}

// inspectLimits fills inspect's CPU, block IO and memory tuning fields as
// podman 5 shows them: the block IO lists are null without block IO
// limits, and devices are named by their /dev path.
func inspectLimits(h *define.InspectContainerHostConfig, cfg *define.ContainerConfig) {
	h.CgroupParent = cfg.CgroupParent
	if len(cfg.CgroupConf) > 0 {
		h.CgroupConf = cfg.CgroupConf
	}
	if m := cfg.Memory; m != nil {
		if m.Swappiness != nil {
			h.MemorySwappiness = int64(*m.Swappiness)
		}
		h.OomKillDisable = m.DisableOOMKiller != nil && *m.DisableOOMKiller
	}
	if c := cfg.CPU; c != nil {
		h.CpuShares, h.CpuPeriod, h.CpuQuota = deref(c.Shares), deref(c.Period), deref(c.Quota)
		h.CpuRealtimePeriod, h.CpuRealtimeRuntime = deref(c.RealtimePeriod), deref(c.RealtimeRuntime)
		h.CpusetCpus, h.CpusetMems = c.Cpus, c.Mems
		if h.CpuPeriod > 0 && h.CpuQuota > 0 {
			h.NanoCpus = h.CpuQuota * 1e9 / int64(h.CpuPeriod)
		}
	}
	b := cfg.BlockIO
	if b == nil {
		return
	}
	h.BlkioWeight = deref(b.Weight)
	h.BlkioWeightDevice = []define.InspectBlkioWeightDevice{}
	for _, d := range b.WeightDevice {
		h.BlkioWeightDevice = append(h.BlkioWeightDevice, define.InspectBlkioWeightDevice{Path: devPath(d.Major, d.Minor), Weight: deref(d.Weight)})
	}
	for _, t := range []struct {
		in  []spec.LinuxThrottleDevice
		out *[]define.InspectBlkioThrottleDevice
	}{
		{b.ThrottleReadBpsDevice, &h.BlkioDeviceReadBps},
		{b.ThrottleWriteBpsDevice, &h.BlkioDeviceWriteBps},
		{b.ThrottleReadIOPSDevice, &h.BlkioDeviceReadIOps},
		{b.ThrottleWriteIOPSDevice, &h.BlkioDeviceWriteIOps},
	} {
		*t.out = []define.InspectBlkioThrottleDevice{}
		for _, d := range t.in {
			*t.out = append(*t.out, define.InspectBlkioThrottleDevice{Path: devPath(d.Major, d.Minor), Rate: d.Rate})
		}
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// devPath names block device major:minor by the kernel's DEVNAME.
func devPath(major, minor int64) string {
	b, err := os.ReadFile(fmt.Sprintf("/sys/dev/block/%d:%d/uevent", major, minor))
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(l, "DEVNAME="); ok {
				return "/dev/" + name
			}
		}
	}
	return fmt.Sprintf("%d:%d", major, minor)
}

func idMapStrings(maps []spec.LinuxIDMapping) []string {
	out := make([]string, 0, len(maps))
	for _, m := range maps {
		out = append(out, fmt.Sprintf("%d:%d:%d", m.ContainerID, m.HostID, m.Size))
	}
	return out
}
