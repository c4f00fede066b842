package engine

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/opencontainers/cgroups"
	cgmanager "github.com/opencontainers/cgroups/manager"
	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
)

// defaultPodCgroupParent is where pods' cgroups live on cgroupfs, as
// podman's libpod_parent.
const defaultPodCgroupParent = "/pier_parent"

// podCgroupPath is the pod's own cgroup, the parent of its containers'.
func podCgroupPath(p *define.PodConfig) string {
	return path.Join(p.CgroupParent, p.ID)
}

// ensurePodCgroup makes the cgroup of c's pod with the pod's limits
// (pod create --cpus, --memory, ...) before a member starts, so runc puts
// the member under it; after a reboot it is made again.
func (r *Runtime) ensurePodCgroup(ctx context.Context, c *define.Container) error {
	if c.Config.Pod == "" {
		return nil
	}
	p, err := r.store.Pod(ctx, c.Config.Pod)
	if errors.Is(err, define.ErrNoSuchPod) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Config.NoShareParent {
		return nil
	}
	m, err := podCgroupManager(&p.Config)
	if err != nil {
		return err
	}
	if err := m.Apply(-1); err != nil {
		return fmt.Errorf("creating the cgroup of pod %s: %w", p.Config.Name, err)
	}
	if p.Config.Resources == nil {
		return nil
	}
	if err := m.Set(cgroupResources(p.Config.Resources)); err != nil {
		return fmt.Errorf("setting the limits of pod %s: %w", p.Config.Name, err)
	}
	return nil
}

// removePodCgroup deletes the pod's cgroup (best effort: a process left
// in it keeps it, and a reboot removes it anyway).
func removePodCgroup(p *define.PodConfig) {
	if m, err := podCgroupManager(p); err == nil {
		_ = m.Destroy()
	}
}

func podCgroupManager(p *define.PodConfig) (cgroups.Manager, error) {
	cg := &cgroups.Cgroup{Path: podCgroupPath(p), Resources: cgroupResources(p.Resources)}
	m, err := cgmanager.New(cg)
	if err != nil {
		return nil, fmt.Errorf("cgroup of pod %s: %w", p.Name, err)
	}
	return m, nil
}

// cgroupResources converts the OCI limits pier stores to the cgroup
// library's; devices are never touched (the pod's cgroup allows what its
// parent allows).
func cgroupResources(res *spec.LinuxResources) *cgroups.Resources {
	out := &cgroups.Resources{SkipDevices: true}
	if res == nil {
		return out
	}
	if m := res.Memory; m != nil {
		out.Memory, out.MemorySwap, out.MemoryReservation = deref(m.Limit), deref(m.Swap), deref(m.Reservation)
		out.MemorySwappiness = m.Swappiness
		out.OomKillDisable = m.DisableOOMKiller != nil && *m.DisableOOMKiller
	}
	if c := res.CPU; c != nil {
		out.CpuShares, out.CpuQuota, out.CpuPeriod = deref(c.Shares), deref(c.Quota), deref(c.Period)
		out.CpuRtRuntime, out.CpuRtPeriod = deref(c.RealtimeRuntime), deref(c.RealtimePeriod)
		out.CpusetCpus, out.CpusetMems = c.Cpus, c.Mems
	}
	if res.Pids != nil && res.Pids.Limit != nil {
		out.PidsLimit = res.Pids.Limit
	}
	if b := res.BlockIO; b != nil {
		out.BlkioWeight = deref(b.Weight)
		for _, d := range b.WeightDevice {
			out.BlkioWeightDevice = append(out.BlkioWeightDevice, cgroups.NewWeightDevice(d.Major, d.Minor, deref(d.Weight), deref(d.LeafWeight)))
		}
		out.BlkioThrottleReadBpsDevice = throttle(b.ThrottleReadBpsDevice)
		out.BlkioThrottleWriteBpsDevice = throttle(b.ThrottleWriteBpsDevice)
		out.BlkioThrottleReadIOPSDevice = throttle(b.ThrottleReadIOPSDevice)
		out.BlkioThrottleWriteIOPSDevice = throttle(b.ThrottleWriteIOPSDevice)
	}
	return out
}

func throttle(in []spec.LinuxThrottleDevice) []*cgroups.ThrottleDevice {
	var out []*cgroups.ThrottleDevice
	for _, d := range in {
		out = append(out, cgroups.NewThrottleDevice(d.Major, d.Minor, d.Rate))
	}
	return out
}
