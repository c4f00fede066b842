// Package cgstats reads a process's resource use from its cgroup: cgroup
// v2 (the unified hierarchy) or v1 (a hierarchy per controller, as on
// hosts still booted that way). go.podman.io/common/pkg/cgroups reads v2
// only, and pier must report on both.
package cgstats

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stats is a cgroup's use; zero where the controller is missing.
type Stats struct {
	CPUNano       uint64   // CPU time used, all CPUs
	CPUSystemNano uint64   // of it, in the kernel
	PerCPU        []uint64 // per CPU (v1 only)
	MemUsage      uint64   // bytes, inactive file cache left out (docker's rule)
	MemLimit      uint64   // bytes; 0 is no limit
	PIDs          uint64
	BlockRead     uint64 // bytes
	BlockWrite    uint64
}

// ErrNoCgroup: the process has no cgroup we can read.
var ErrNoCgroup = errors.New("no cgroup available for gathering statistics")

// ForProcess reads the stats of pid's cgroup.
func ForProcess(pid int) (*Stats, error) {
	paths, err := cgroupPaths(pid)
	if err != nil {
		return nil, err
	}
	if dir, ok := paths[""]; ok && len(paths) == 1 {
		return readV2(dir)
	}
	return readV1(paths)
}

// cgroupPaths maps each controller of pid (v1; "" for the unified
// hierarchy) to its directory on this host.
func cgroupPaths(pid int) (map[string]string, error) {
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return nil, fmt.Errorf("reading the cgroup of %d: %w", pid, err)
	}
	defer f.Close()
	paths := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, ctl := range strings.Split(parts[1], ",") {
			if m, ok := mounts[ctl]; ok {
				rel := strings.TrimPrefix(parts[2], m.root)
				paths[ctl] = filepath.Join(m.point, rel)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	// A hybrid host has both; its unified hierarchy holds no controllers.
	if len(paths) > 1 {
		delete(paths, "")
	}
	if len(paths) == 0 {
		return nil, ErrNoCgroup
	}
	return paths, nil
}

type mount struct{ root, point string }

// cgroupMounts maps v1 controllers, and "" for cgroup2, to their mounts.
func cgroupMounts() (map[string]mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]mount{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 3 {
			continue
		}
		mt := mount{root: fields[3], point: fields[4]}
		switch tail[0] {
		case "cgroup2":
			m[""] = mt
		case "cgroup":
			for _, o := range strings.Split(tail[2], ",") {
				if _, seen := m[o]; !seen {
					m[o] = mt
				}
			}
		}
	}
	return m, sc.Err()
}

func readV2(dir string) (*Stats, error) {
	s := &Stats{}
	cpu, err := keyed(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return nil, err
	}
	s.CPUNano, s.CPUSystemNano = cpu["usage_usec"]*1000, cpu["system_usec"]*1000
	s.MemUsage, _ = single(filepath.Join(dir, "memory.current"))
	if st, err := keyed(filepath.Join(dir, "memory.stat")); err == nil && st["inactive_file"] < s.MemUsage {
		s.MemUsage -= st["inactive_file"]
	}
	s.MemLimit, _ = single(filepath.Join(dir, "memory.max")) // "max": 0
	s.PIDs, _ = single(filepath.Join(dir, "pids.current"))
	if b, err := os.ReadFile(filepath.Join(dir, "io.stat")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			for _, kv := range strings.Fields(line) {
				k, v, _ := strings.Cut(kv, "=")
				n, _ := strconv.ParseUint(v, 10, 64)
				switch k {
				case "rbytes":
					s.BlockRead += n
				case "wbytes":
					s.BlockWrite += n
				}
			}
		}
	}
	return s, nil
}

// userHZ is the unit of cpuacct.stat.
const userHZ = 100

func readV1(paths map[string]string) (*Stats, error) {
	s := &Stats{}
	if dir, ok := paths["cpuacct"]; ok {
		s.CPUNano, _ = single(filepath.Join(dir, "cpuacct.usage"))
		if st, err := keyed(filepath.Join(dir, "cpuacct.stat")); err == nil {
			s.CPUSystemNano = st["system"] * (1e9 / userHZ)
		}
		if b, err := os.ReadFile(filepath.Join(dir, "cpuacct.usage_percpu")); err == nil {
			for _, f := range strings.Fields(string(b)) {
				n, _ := strconv.ParseUint(f, 10, 64)
				s.PerCPU = append(s.PerCPU, n)
			}
		}
	}
	if dir, ok := paths["memory"]; ok {
		s.MemUsage, _ = single(filepath.Join(dir, "memory.usage_in_bytes"))
		if st, err := keyed(filepath.Join(dir, "memory.stat")); err == nil && st["total_inactive_file"] < s.MemUsage {
			s.MemUsage -= st["total_inactive_file"]
		}
		s.MemLimit, _ = single(filepath.Join(dir, "memory.limit_in_bytes"))
	}
	if dir, ok := paths["pids"]; ok {
		s.PIDs, _ = single(filepath.Join(dir, "pids.current"))
	}
	if dir, ok := paths["blkio"]; ok {
		if b, err := os.ReadFile(filepath.Join(dir, "blkio.throttle.io_service_bytes_recursive")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(line)
				if len(f) != 3 {
					continue
				}
				n, _ := strconv.ParseUint(f[2], 10, 64)
				switch strings.ToLower(f[1]) {
				case "read":
					s.BlockRead += n
				case "write":
					s.BlockWrite += n
				}
			}
		}
	}
	return s, nil
}

// single reads a file holding one number; "max" is 0.
func single(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v := strings.TrimSpace(string(b))
	if v == "max" {
		return 0, nil
	}
	return strconv.ParseUint(v, 10, 64)
}

// keyed reads "key value" lines.
func keyed(path string) (map[string]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]uint64{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			m[f[0]], _ = strconv.ParseUint(f[1], 10, 64)
		}
	}
	return m, nil
}

// MemoryDir is the directory of pid's memory cgroup (v1's memory
// controller or the unified hierarchy), "" when it has none.
func MemoryDir(pid int) string {
	paths, err := cgroupPaths(pid)
	if err != nil {
		return ""
	}
	if d, ok := paths["memory"]; ok {
		return d
	}
	return paths[""]
}

// OOMKills is how many processes the kernel's OOM killer ended in the
// memory cgroup dir: memory.events on v2, memory.oom_control on v1.
func OOMKills(dir string) uint64 {
	for _, name := range []string{"memory.events", "memory.oom_control"} {
		if m, err := keyed(filepath.Join(dir, name)); err == nil {
			return m["oom_kill"]
		}
	}
	return 0
}

// JoinCgroup moves the calling process into the cgroup rel (such as
// "/pier/conmon") of every v1 hierarchy with controllers, or of the
// unified hierarchy on a cgroup v2 host, creating it where needed.
func JoinCgroup(rel string) error {
	mounts, err := cgroupMounts()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var dirs []string
	for ctl, m := range mounts {
		if ctl == "" || strings.HasPrefix(ctl, "name=") || !isController(ctl) || seen[m.point] {
			continue
		}
		seen[m.point] = true
		dirs = append(dirs, filepath.Join(m.point, rel))
	}
	if m, ok := mounts[""]; ok && len(dirs) == 0 {
		dirs = append(dirs, filepath.Join(m.point, rel))
	}
	if len(dirs) == 0 {
		return ErrNoCgroup
	}
	var errs []error
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			errs = append(errs, err)
			continue
		}
		fillCpuset(d)
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte("0"), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("joining %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

// fillCpuset gives a new v1 cpuset cgroup (and new parents) their
// parent's CPUs and memory nodes: empty ones refuse every process.
func fillCpuset(dir string) {
	if _, err := os.Stat(filepath.Join(dir, "cpuset.cpus")); err != nil {
		return
	}
	parent := filepath.Dir(dir)
	if _, err := os.Stat(filepath.Join(parent, "cpuset.cpus")); err == nil {
		fillCpuset(parent)
	}
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(parent, f)); err == nil {
			_ = os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
	}
}

// isController tells a v1 controller from the other words of a cgroup
// mount's super options (rw, nsdelegate, ...).
func isController(opt string) bool {
	switch opt {
	case "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
		"blkio", "perf_event", "hugetlb", "pids", "rdma", "misc":
		return true
	}
	return false
}
