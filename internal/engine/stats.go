package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/cgstats"
	"github.com/pier-engine/pier/internal/define"
)

// StatsOptions choose the containers Stats samples and how often.
type StatsOptions struct {
	// Containers are names or IDs; none means every running container
	// (every container with All), listed again at each interval.
	Containers []string
	All        bool
	// Stream samples every Interval until ctx ends; otherwise once.
	Stream   bool
	Interval time.Duration
}

// Stats samples the containers' resource use and hands each round to
// report, as podman's stats does.
func (r *Runtime) Stats(ctx context.Context, o StatsOptions, report func([]*define.ContainerStats) error) error {
	if o.Interval <= 0 {
		return errors.New("invalid interval, must be a positive number greater zero")
	}
	prev := map[string]*define.ContainerStats{}
	for {
		cs, err := r.statsTargets(ctx, o)
		if err != nil {
			return err
		}
		round := make([]*define.ContainerStats, 0, len(cs))
		for _, c := range cs {
			s, err := r.ContainerStats(ctx, c, prev[c.Config.ID])
			if err != nil {
				return err
			}
			prev[c.Config.ID] = s
			round = append(round, s)
		}
		if err := report(round); err != nil {
			return err
		}
		if !o.Stream {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.Interval):
		}
	}
}

func (r *Runtime) statsTargets(ctx context.Context, o StatsOptions) ([]*define.Container, error) {
	if len(o.Containers) > 0 {
		cs := make([]*define.Container, 0, len(o.Containers))
		for _, n := range o.Containers {
			c, err := r.Lookup(ctx, n)
			if err != nil {
				return nil, fmt.Errorf("unable to get list of containers: unable to look up container %s: %w", n, err)
			}
			cs = append(cs, c)
		}
		return cs, nil
	}
	all, err := r.Containers(ctx)
	if err != nil {
		return nil, fmt.Errorf("unable to get list of containers: %w", err)
	}
	if o.All {
		return all, nil
	}
	cs := all[:0]
	for _, c := range all {
		if c.State.Status == define.StatusRunning || c.State.Status == define.StatusPaused {
			cs = append(cs, c)
		}
	}
	return cs, nil
}

// ContainerStats samples c's resource use from its cgroup. prev is the
// previous sample of c (nil for the first): CPU is the percent of one CPU
// used since then (since the start for the first), AvgCPU the mean of
// every sample's. A container that does not run uses nothing.
func (r *Runtime) ContainerStats(ctx context.Context, c *define.Container, prev *define.ContainerStats) (*define.ContainerStats, error) {
	s := &define.ContainerStats{ContainerID: c.Config.ID, Name: c.Config.Name}
	if (c.State.Status != define.StatusRunning && c.State.Status != define.StatusPaused) || c.State.PID <= 0 {
		return s, nil
	}
	cg, err := cgstats.ForProcess(c.State.PID)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return s, nil // it exited since it was looked up
		}
		return nil, fmt.Errorf("reading the cgroup of container %s: %w", c.Config.Name, err)
	}
	if prev == nil {
		// The first sample's CPU use is measured from the start.
		prev = &define.ContainerStats{SystemNano: uint64(c.State.StartedAt.UnixNano())}
	}
	now := uint64(time.Now().UnixNano())
	s.CPUNano, s.CPUSystemNano, s.PerCPU = cg.CPUNano, cg.CPUSystemNano, cg.PerCPU
	s.Duration, s.UpTime = cg.CPUNano, time.Duration(cg.CPUNano)
	if cg.CPUNano > prev.CPUNano && now > prev.SystemNano {
		s.CPU = float64(cg.CPUNano-prev.CPUNano) / float64(now-prev.SystemNano) * 100
	}
	s.AvgCPU = (prev.AvgCPU*float64(prev.DataPoints) + s.CPU) / float64(prev.DataPoints+1)
	s.DataPoints = prev.DataPoints + 1
	s.SystemNano = now
	s.MemUsage, s.MemLimit = cg.MemUsage, memLimit(cg.MemLimit)
	if s.MemLimit > 0 {
		s.MemPerc = float64(s.MemUsage) / float64(s.MemLimit) * 100
	}
	s.PIDs = cg.PIDs
	s.BlockInput, s.BlockOutput = cg.BlockRead, cg.BlockWrite
	s.Network = netStats(r.netOwnerView(ctx, c))
	return s, nil
}

// netOwnerView is c as seen by netStats: a container joining another's
// network namespace (a pod member) counts that namespace's interfaces,
// which the owner's network status names, read through c's own PID.
func (r *Runtime) netOwnerView(ctx context.Context, c *define.Container) *define.Container {
	id, ok := strings.CutPrefix(c.Config.NetworkMode, netnsPrefix)
	if !ok {
		return c
	}
	owner, err := r.store.Container(ctx, id)
	if err != nil {
		return c
	}
	view := *c
	view.State.NetNS, view.State.NetworkStatus = owner.State.NetNS, owner.State.NetworkStatus
	return &view
}

// memLimit caps a cgroup limit at the host's memory, as podman shows it
// (no limit reads as a huge number, or 0 on cgroup v2).
func memLimit(limit uint64) uint64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return limit
	}
	phys := uint64(si.Totalram) * uint64(si.Unit)
	if limit == 0 || limit > phys {
		return phys
	}
	return limit
}

// netStats reads the counters of the container's network interfaces
// (those netavark set up) from its network namespace's /proc/net/dev.
func netStats(c *define.Container) map[string]define.ContainerNetworkStats {
	if c.State.NetNS == "" || len(c.State.NetworkStatus) == 0 {
		return nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", c.State.PID))
	if err != nil {
		return nil
	}
	want := map[string]bool{}
	for _, st := range c.State.NetworkStatus {
		for name := range st.Interfaces {
			want[name] = true
		}
	}
	out := map[string]define.ContainerNetworkStats{}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || !want[name] {
			continue
		}
		var v [16]uint64
		f := strings.Fields(rest)
		for i := 0; i < len(f) && i < len(v); i++ {
			fmt.Sscan(f[i], &v[i])
		}
		out[name] = define.ContainerNetworkStats{
			RxBytes: v[0], RxPackets: v[1], RxErrors: v[2], RxDropped: v[3],
			TxBytes: v[8], TxPackets: v[9], TxErrors: v[10], TxDropped: v[11],
		}
	}
	return out
}
