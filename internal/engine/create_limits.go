package engine

import (
	"fmt"
	"maps"
	"path/filepath"

	"github.com/moby/sys/capability"
	"golang.org/x/sys/unix"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// LimitsRequest is where a new container's cgroup lives, its /dev/shm
// size and OOM score (nil: containers.conf's); its CPU, block IO, pids and
// memory limits are CreateRequest.Resources.
type LimitsRequest struct {
	CgroupParent string
	Cgroups      string // "", "enabled", "no-conmon"; "disabled" and "split" are refused
	ShmSize      *int64
	OOMScoreAdj  *int
	// CgroupConf are --cgroup-conf's cgroup v2 files and values.
	CgroupConf map[string]string
}

// applyLimits checks and stores the request's limits beyond memory.
func applyLimits(cfg *define.ContainerConfig, req *CreateRequest) error {
	l := req.Limits
	switch l.Cgroups {
	case "", "enabled", "no-conmon":
		cfg.CgroupsMode = l.Cgroups
	case "disabled":
		// podman's text for runc, which cannot run without cgroups.
		return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("requested OCI runtime %s is not compatible with NoCgroups: invalid argument", cfg.Runtime))
	case "split":
		return fmt.Errorf("--cgroups=split needs systemd, which pier does not use: %w", errdefs.ErrNotImplemented)
	default:
		return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("running container create option: invalid cgroup mode %q: invalid argument", l.Cgroups))
	}
	if l.CgroupParent != "" {
		if !filepath.IsAbs(l.CgroupParent) {
			return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("cgroup parent %q must be an absolute path on cgroupfs", l.CgroupParent))
		}
		cfg.CgroupParent = filepath.Clean(l.CgroupParent)
	}
	if l.ShmSize != nil {
		if *l.ShmSize <= 0 {
			return errdefs.New(errdefs.ErrInvalidArgument, "shm-size must be larger than 0")
		}
		cfg.ShmSize = *l.ShmSize
	}
	if l.OOMScoreAdj != nil {
		if *l.OOMScoreAdj < -1000 || *l.OOMScoreAdj > 1000 {
			return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("oom_score_adj %d must be between -1000 and 1000", *l.OOMScoreAdj))
		}
		n := *l.OOMScoreAdj
		cfg.OOMScoreAdj = &n
	}
	if len(l.CgroupConf) > 0 {
		if !cgroupV2() {
			return errdefs.New(errdefs.ErrInvalidArgument, "cannot use --cgroup-conf without cgroup v2")
		}
		cfg.CgroupConf = maps.Clone(l.CgroupConf)
	}
	setLimits(cfg, req.Resources)
	return nil
}

// cgroupV2 reports whether the host has the unified cgroup hierarchy
// alone.
func cgroupV2() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// setLimits stores the CPU, block IO and pids limits of res (memory is
// checkResources'); for update, only what res sets changes.
func setLimits(cfg *define.ContainerConfig, res *spec.LinuxResources) {
	if res == nil {
		return
	}
	if res.CPU != nil {
		cfg.CPU = mergeCPU(cfg.CPU, res.CPU)
	}
	if res.BlockIO != nil {
		cfg.BlockIO = mergeBlockIO(cfg.BlockIO, res.BlockIO)
	}
	if res.Pids != nil && res.Pids.Limit != nil {
		cfg.PidsLimit = max(*res.Pids.Limit, 0)
	}
}

// mergeCPU is old with what n sets.
func mergeCPU(old, n *spec.LinuxCPU) *spec.LinuxCPU {
	out := spec.LinuxCPU{}
	if old != nil {
		out = *old
	}
	if n.Shares != nil {
		out.Shares = n.Shares
	}
	if n.Quota != nil {
		out.Quota = n.Quota
	}
	if n.Period != nil {
		out.Period = n.Period
	}
	if n.RealtimePeriod != nil {
		out.RealtimePeriod = n.RealtimePeriod
	}
	if n.RealtimeRuntime != nil {
		out.RealtimeRuntime = n.RealtimeRuntime
	}
	if n.Cpus != "" {
		out.Cpus = n.Cpus
	}
	if n.Mems != "" {
		out.Mems = n.Mems
	}
	return &out
}

// mergeBlockIO is old with what n sets; device lists replace the old ones.
func mergeBlockIO(old, n *spec.LinuxBlockIO) *spec.LinuxBlockIO {
	out := spec.LinuxBlockIO{}
	if old != nil {
		out = *old
	}
	if n.Weight != nil {
		out.Weight = n.Weight
	}
	if len(n.WeightDevice) > 0 {
		out.WeightDevice = n.WeightDevice
	}
	if len(n.ThrottleReadBpsDevice) > 0 {
		out.ThrottleReadBpsDevice = n.ThrottleReadBpsDevice
	}
	if len(n.ThrottleWriteBpsDevice) > 0 {
		out.ThrottleWriteBpsDevice = n.ThrottleWriteBpsDevice
	}
	if len(n.ThrottleReadIOPSDevice) > 0 {
		out.ThrottleReadIOPSDevice = n.ThrottleReadIOPSDevice
	}
	if len(n.ThrottleWriteIOPSDevice) > 0 {
		out.ThrottleWriteIOPSDevice = n.ThrottleWriteIOPSDevice
	}
	return &out
}

// hasCapSysResource reports whether pier may raise hard rlimits for its
// containers (CAP_SYS_RESOURCE in its effective set).
func hasCapSysResource() bool {
	c, err := capability.NewPid2(0)
	if err != nil || c.Load() != nil {
		return false
	}
	return c.Get(capability.EFFECTIVE, capability.CAP_SYS_RESOURCE)
}
