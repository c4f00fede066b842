package cli

import (
	"errors"
	"fmt"
	"strings"

	units "github.com/docker/go-units"
	spec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/specgen"
)

// limitFlags are the cgroup limits beyond memory that create, run and
// update share.
type limitFlags struct {
	cpus                                 float64
	cpuShares, cpuPeriod, cpuRtPeriod    uint64
	cpuQuota, cpuRtRuntime, pidsLimit    int64
	swappiness                           int64
	cpusetCpus, cpusetMems, blkioWeight  string
	blkioWeightDevice, readBps, writeBps []string
	readIops, writeIops                  []string
	oomKillDisable                       bool
	set                                  func(name string) bool
}

func (o *limitFlags) add(f *pflag.FlagSet) {
	f.Float64Var(&o.cpus, "cpus", 0, "Number of CPUs. The default is 0.000 which means no limit")
	f.Uint64VarP(&o.cpuShares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	f.Uint64Var(&o.cpuPeriod, "cpu-period", 0, "Limit the CPU CFS (Completely Fair Scheduler) period")
	f.Int64Var(&o.cpuQuota, "cpu-quota", 0, "Limit the CPU CFS (Completely Fair Scheduler) quota")
	f.Uint64Var(&o.cpuRtPeriod, "cpu-rt-period", 0, "Limit the CPU real-time period in microseconds")
	f.Int64Var(&o.cpuRtRuntime, "cpu-rt-runtime", 0, "Limit the CPU real-time runtime in microseconds")
	f.StringVar(&o.cpusetCpus, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	f.StringVar(&o.cpusetMems, "cpuset-mems", "", "Memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA systems.")
	f.Int64Var(&o.pidsLimit, "pids-limit", 2048, "Tune container pids limit (set -1 for unlimited)")
	f.Int64Var(&o.swappiness, "memory-swappiness", -1, "Tune container memory swappiness (0 to 100, or -1 for system default)")
	f.StringVar(&o.blkioWeight, "blkio-weight", "", "Block IO weight (relative weight) accepts a weight value between 10 and 1000.")
	f.StringSliceVar(&o.blkioWeightDevice, "blkio-weight-device", nil, "Block IO weight (relative device weight, format: `DEVICE_NAME:WEIGHT`)")
	f.StringArrayVar(&o.readBps, "device-read-bps", nil, "Limit read rate (bytes per second) from a device (e.g. --device-read-bps=/dev/sda:1mb)")
	f.StringArrayVar(&o.readIops, "device-read-iops", nil, "Limit read rate (IO per second) from a device (e.g. --device-read-iops=/dev/sda:1000)")
	f.StringArrayVar(&o.writeBps, "device-write-bps", nil, "Limit write rate (bytes per second) to a device (e.g. --device-write-bps=/dev/sda:1mb)")
	f.StringArrayVar(&o.writeIops, "device-write-iops", nil, "Limit write rate (IO per second) to a device (e.g. --device-write-iops=/dev/sda:1000)")
	o.set = func(name string) bool { return f.Changed(name) }
}

// addCreateOnly adds the flags update does not have.
func (o *limitFlags) addCreateOnly(f *pflag.FlagSet) {
	f.BoolVar(&o.oomKillDisable, "oom-kill-disable", false, "Disable OOM Killer")
}

// apply adds the CPU, block IO, pids and swappiness limits to res (the
// memory flags' result, maybe nil) and returns it; nil when nothing is set.
func (o *limitFlags) apply(res *spec.LinuxResources) (*spec.LinuxResources, error) {
	if res == nil {
		res = &spec.LinuxResources{}
	}
	cpu, err := o.cpu()
	if err != nil {
		return nil, err
	}
	res.CPU = cpu
	if res.BlockIO, err = o.blockIO(); err != nil {
		return nil, err
	}
	if o.set("pids-limit") {
		res.Pids = &spec.LinuxPids{Limit: &o.pidsLimit}
	}
	if o.set("memory-swappiness") || o.oomKillDisable {
		if err := specgen.CheckSwappiness(o.swappiness); err != nil {
			return nil, err
		}
		if res.Memory == nil {
			res.Memory = &spec.LinuxMemory{}
		}
		if o.set("memory-swappiness") && o.swappiness >= 0 {
			sw := uint64(o.swappiness)
			res.Memory.Swappiness = &sw
		}
		if o.oomKillDisable {
			t := true
			res.Memory.DisableOOMKiller = &t
		}
	}
	if res.CPU == nil && res.BlockIO == nil && res.Pids == nil && res.Memory == nil {
		return nil, nil
	}
	return res, nil
}

func (o *limitFlags) cpu() (*spec.LinuxCPU, error) {
	var c spec.LinuxCPU
	any := false
	if o.set("cpus") {
		if o.set("cpu-period") || o.set("cpu-quota") {
			return nil, errors.New("--cpu-period and --cpus cannot be set together")
		}
		period, quota := uint64(specgen.CPUPeriod), specgen.CPUsQuota(o.cpus)
		c.Period, c.Quota, any = &period, &quota, true
	}
	if o.set("cpu-period") {
		c.Period, any = &o.cpuPeriod, true
	}
	if o.set("cpu-quota") {
		c.Quota, any = &o.cpuQuota, true
	}
	if o.set("cpu-shares") {
		c.Shares, any = &o.cpuShares, true
	}
	if o.set("cpu-rt-period") {
		c.RealtimePeriod, any = &o.cpuRtPeriod, true
	}
	if o.set("cpu-rt-runtime") {
		c.RealtimeRuntime, any = &o.cpuRtRuntime, true
	}
	if err := specgen.CheckCpuset("cpus", o.cpusetCpus); err != nil {
		return nil, err
	}
	if err := specgen.CheckCpuset("mems", o.cpusetMems); err != nil {
		return nil, err
	}
	if o.cpusetCpus != "" || o.cpusetMems != "" {
		c.Cpus, c.Mems, any = o.cpusetCpus, o.cpusetMems, true
	}
	if !any {
		return nil, nil
	}
	return &c, nil
}

func (o *limitFlags) blockIO() (*spec.LinuxBlockIO, error) {
	var b spec.LinuxBlockIO
	any := false
	if o.blkioWeight != "" {
		w, err := specgen.ParseBlkioWeight(o.blkioWeight)
		if err != nil {
			return nil, err
		}
		b.Weight, any = &w, true
	}
	for _, s := range o.blkioWeightDevice {
		d, err := specgen.ParseWeightDevice(s)
		if err != nil {
			return nil, err
		}
		b.WeightDevice, any = append(b.WeightDevice, d), true
	}
	for _, t := range []struct {
		in    []string
		bytes bool
		out   *[]spec.LinuxThrottleDevice
	}{
		{o.readBps, true, &b.ThrottleReadBpsDevice},
		{o.writeBps, true, &b.ThrottleWriteBpsDevice},
		{o.readIops, false, &b.ThrottleReadIOPSDevice},
		{o.writeIops, false, &b.ThrottleWriteIOPSDevice},
	} {
		for _, s := range t.in {
			d, err := specgen.ParseThrottleDevice(s, t.bytes)
			if err != nil {
				return nil, err
			}
			*t.out, any = append(*t.out, d), true
		}
	}
	if !any {
		return nil, nil
	}
	return &b, nil
}

// cgroupFlags are create's and run's flags for where the container's
// cgroup lives and its /dev/shm size and OOM score.
type cgroupFlags struct {
	cgroupParent, cgroups, shmSize string
	cgroupConf                     []string
	oomScoreAdj                    int
	set                            func(string) bool
}

func (o *cgroupFlags) add(f *pflag.FlagSet) {
	f.StringVar(&o.cgroupParent, "cgroup-parent", "", "Optional parent cgroup for the container")
	f.StringVar(&o.cgroups, "cgroups", "enabled", `control container cgroup configuration ("enabled"|"disabled"|"no-conmon"|"split")`)
	f.StringSliceVar(&o.cgroupConf, "cgroup-conf", nil, "Configure cgroup v2 (key=value)")
	f.StringVar(&o.shmSize, "shm-size", "65536k", "Size of /dev/shm (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
	f.IntVar(&o.oomScoreAdj, "oom-score-adj", 0, "Tune the host's OOM preferences (-1000 to 1000)")
	o.set = f.Changed
}

func (o *cgroupFlags) apply(req *engine.LimitsRequest) error {
	req.CgroupParent, req.Cgroups = o.cgroupParent, o.cgroups
	for _, kv := range o.cgroupConf {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--cgroup-conf must be formatted KEY=VALUE: %q", kv)
		}
		if req.CgroupConf == nil {
			req.CgroupConf = map[string]string{}
		}
		req.CgroupConf[k] = v
	}
	if o.set("shm-size") {
		n, err := units.RAMInBytes(o.shmSize)
		if err != nil {
			return fmt.Errorf("invalid value for shm-size: %w", err)
		}
		req.ShmSize = &n
	}
	if o.set("oom-score-adj") {
		n := o.oomScoreAdj
		req.OOMScoreAdj = &n
	}
	return nil
}
