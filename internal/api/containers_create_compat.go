package api

import (
	"fmt"
	"sort"
	"strings"

	"github.com/moby/moby/api/types/container"
	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/specgen"
)

// applyIsolation maps Docker's privileges and namespace modes. Docker's
// "default" and "" both mean the engine's default.
func applyIsolation(req *engine.CreateRequest, hc *container.HostConfig) {
	iso := &req.Isolation
	iso.Privileged = hc.Privileged
	iso.CapAdd, iso.CapDrop, iso.GroupAdd = hc.CapAdd, hc.CapDrop, hc.GroupAdd
	mode := func(s string) string {
		if s == "default" {
			return ""
		}
		return s
	}
	iso.PID, iso.IPC, iso.UTS = mode(string(hc.PidMode)), mode(string(hc.IpcMode)), mode(string(hc.UTSMode))
	iso.CgroupNS, iso.UserNS = mode(string(hc.CgroupnsMode)), mode(string(hc.UsernsMode))
	req.Init = hc.Init != nil && *hc.Init
	if hc.ShmSize > 0 {
		req.Limits.ShmSize = &hc.ShmSize
	}
	if hc.OomScoreAdj != 0 {
		req.Limits.OOMScoreAdj = &hc.OomScoreAdj
	}
	req.Limits.CgroupParent = hc.CgroupParent
}

// applyHostFiles maps tmpfs mounts, devices, ulimits and sysctls through
// the same parsers as the CLI's flags.
func applyHostFiles(req *engine.CreateRequest, hc *container.HostConfig) error {
	for _, dest := range sortedKeys(hc.Tmpfs) {
		v := dest
		if o := hc.Tmpfs[dest]; o != "" {
			v += ":" + o
		}
		m, err := specgen.ParseTmpfs(v)
		if err != nil {
			return err
		}
		req.Mounts = append(req.Mounts, m)
	}
	for _, d := range hc.Devices {
		dev, err := specgen.ParseDevice(strings.TrimSuffix(d.PathOnHost+":"+d.PathInContainer+":"+d.CgroupPermissions, ":"))
		if err != nil {
			return err
		}
		req.Isolation.Devices = append(req.Isolation.Devices, dev)
	}
	for _, u := range hc.Ulimits {
		l, err := specgen.ParseUlimit(fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
		if err != nil {
			return err
		}
		req.Ulimits = append(req.Ulimits, l)
	}
	for _, k := range sortedKeys(hc.Sysctls) {
		req.Sysctls = append(req.Sysctls, k+"="+hc.Sysctls[k])
	}
	return nil
}

// applyResources maps Docker's cgroup limits onto the OCI resources the
// engine takes; nil when none is set.
func applyResources(req *engine.CreateRequest, r *container.Resources) {
	var res spec.LinuxResources
	// Docker clients send OomKillDisable false and MemorySwappiness -1
	// for "not set".
	swappiness := r.MemorySwappiness != nil && *r.MemorySwappiness >= 0
	oomOff := r.OomKillDisable != nil && *r.OomKillDisable
	if r.Memory != 0 || r.MemoryReservation != 0 || r.MemorySwap != 0 || swappiness || oomOff {
		m := &spec.LinuxMemory{}
		if oomOff {
			m.DisableOOMKiller = r.OomKillDisable
		}
		m.Limit, m.Reservation, m.Swap = nonZero(r.Memory), nonZero(r.MemoryReservation), nonZero(r.MemorySwap)
		if swappiness {
			sw := uint64(*r.MemorySwappiness)
			m.Swappiness = &sw
		}
		res.Memory = m
	}
	res.CPU = cpuLimits(r)
	if r.PidsLimit != nil && *r.PidsLimit != 0 {
		res.Pids = &spec.LinuxPids{Limit: r.PidsLimit}
	}
	if r.BlkioWeight > 0 {
		w := r.BlkioWeight
		res.BlockIO = &spec.LinuxBlockIO{Weight: &w}
	}
	if res.Memory != nil || res.CPU != nil || res.Pids != nil || res.BlockIO != nil {
		req.Resources = &res
	}
}

// unsupportedHostConfig names a set field pier cannot apply yet, so the
// create fails clearly instead of running a container without it.
func unsupportedHostConfig(hc *container.HostConfig) error {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"SecurityOpt", len(hc.SecurityOpt) > 0},
		{"Mounts", len(hc.Mounts) > 0},
		{"DeviceRequests", len(hc.DeviceRequests) > 0},
		{"DeviceCgroupRules", len(hc.DeviceCgroupRules) > 0},
		{"Links", len(hc.Links) > 0},
		{"Blkio device limits", len(hc.BlkioWeightDevice)+len(hc.BlkioDeviceReadBps)+len(hc.BlkioDeviceWriteBps)+len(hc.BlkioDeviceReadIOps)+len(hc.BlkioDeviceWriteIOps) > 0},
		{"MaskedPaths", len(hc.MaskedPaths) > 0},
		{"ReadonlyPaths", len(hc.ReadonlyPaths) > 0},
		{"StorageOpt", len(hc.StorageOpt) > 0},
		{"Runtime", hc.Runtime != "" && hc.Runtime != "runc"},
	} {
		if f.set {
			return fmt.Errorf("HostConfig.%s is not supported by pier's API yet: %w", f.name, define.ErrNotImplemented)
		}
	}
	return nil
}

// cpuLimits is Docker's CPU settings as OCI's; nil when none is set.
func cpuLimits(r *container.Resources) *spec.LinuxCPU {
	cpu := &spec.LinuxCPU{Cpus: r.CpusetCpus, Mems: r.CpusetMems, Quota: nonZero(r.CPUQuota)}
	set := cpu.Cpus != "" || cpu.Mems != "" || cpu.Quota != nil
	if r.CPUShares > 0 {
		sh := uint64(r.CPUShares)
		cpu.Shares, set = &sh, true
	}
	if r.CPUPeriod > 0 {
		p := uint64(r.CPUPeriod)
		cpu.Period, set = &p, true
	}
	if r.NanoCPUs > 0 {
		// --cpus: a quota over podman's default period of 100ms.
		p, q := uint64(100000), r.NanoCPUs/10000
		cpu.Period, cpu.Quota, set = &p, &q, true
	}
	if !set {
		return nil
	}
	return cpu
}

func nonZero(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
