package e2e

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// cgroup limits (--cpus, --cpu-shares, --cpuset-*, --pids-limit,
// --memory-swappiness, --shm-size, --oom-score-adj, --cgroup-parent) and
// `update`, checked in the container's own cgroup files (cgroup v1 here,
// mounted per controller).

func cgroupFiles(p *Pier, ctr string, files ...string) []string {
	p.t.Helper()
	var out []string
	for _, f := range files {
		out = append(out, p.MustRun("exec", ctr, "cat", "/sys/fs/cgroup/"+f).Out())
	}
	return out
}

func TestRunResourceLimits(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "lim", "--cpus", "1.5", "--cpu-shares", "512", "--cpuset-cpus", "0",
		"--pids-limit", "100", "--memory-swappiness", "10", "--shm-size", "1m", "--oom-score-adj", "100",
		"--cgroup-parent", "/pier-e2e-parent", Image, "sleep", "100")
	got := cgroupFiles(p, "lim", "cpu/cpu.cfs_quota_us", "cpu/cpu.shares", "cpuset/cpuset.cpus", "pids/pids.max", "memory/memory.swappiness")
	want := []string{"150000", "512", "0", "100", "10"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cgroup files: want %q, got %q", want, got)
	}
	if adj := p.MustRun("exec", "lim", "cat", "/proc/1/oom_score_adj").Out(); adj != "100" {
		t.Errorf("--oom-score-adj: want 100, got %s", adj)
	}
	if df := p.MustRun("exec", "lim", "df", "-k", "/dev/shm").Lines(); len(df) < 2 || strings.Fields(df[1])[1] != "1024" {
		t.Errorf("--shm-size 1m: want a 1024k /dev/shm: %q", df)
	}
	if cg := p.MustRun("exec", "lim", "cat", "/proc/1/cgroup").Stdout; !strings.Contains(cg, ":/pier-e2e-parent/") {
		t.Errorf("--cgroup-parent: the container's cgroup should be under /pier-e2e-parent:\n%s", cg)
	}
	if got := p.Inspect("lim", "{{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.MemorySwappiness}} {{.HostConfig.CgroupParent}}"); got != "1500000000 512 100 10 /pier-e2e-parent" {
		t.Errorf("inspect: %q", got)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--cpus", "1", "--cpu-period", "1000", Image, "true"), "--cpu-period and --cpus cannot be set together")
	p.ExpectEngineError(p.Run("run", "--rm", "--memory-swappiness", "200", Image, "true"), "valid memory swappiness range is 0-100")
	p.ExpectEngineError(p.Run("run", "--rm", "--cpuset-cpus", "abc", Image, "true"), "invalid value abc for cpuset cpus")
	p.ExpectEngineError(p.Run("run", "--rm", "--device-read-bps", "/dev/zero:1mb", Image, "true"), "/dev/zero: not a block device")
}

func TestUpdateRunning(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("run", "-d", Image, "sleep", "100").Out()
	r := p.MustRun("update", "--cpu-shares", "512", "--cpus", "5", "--cpuset-cpus", "0", "--memory", "1G",
		"--memory-swap", "3G", "--memory-reservation", "400M", "--pids-limit", "50", id)
	if r.Out() != id {
		t.Errorf("update prints the container's ID: %s", r)
	}
	got := cgroupFiles(p, id, "cpu/cpu.shares", "cpu/cpu.cfs_quota_us", "cpuset/cpuset.cpus", "memory/memory.limit_in_bytes",
		"memory/memory.memsw.limit_in_bytes", "memory/memory.soft_limit_in_bytes", "pids/pids.max")
	want := []string{"512", "500000", "0", "1073741824", "3221225472", "419430400", "50"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("after update: want %q, got %q", want, got)
	}
	// Stored: a restart keeps the new limits.
	p.MustRun("restart", "-t", "0", id)
	if got := cgroupFiles(p, id, "cpu/cpu.shares", "memory/memory.limit_in_bytes"); strings.Join(got, " ") != "512 1073741824" {
		t.Errorf("after restart: %q", got)
	}
	if got := p.Inspect(id, "{{.HostConfig.Memory}} {{.HostConfig.CpuShares}}"); got != "1073741824 512" {
		t.Errorf("inspect after update: %q", got)
	}
	// A stopped container takes the change at its next start.
	p.MustRun("stop", "-t", "0", id)
	p.MustRun("update", "--cpu-shares", "256", "--restart", "always", id)
	p.MustRun("start", id)
	if got := cgroupFiles(p, id, "cpu/cpu.shares"); got[0] != "256" {
		t.Errorf("update of a stopped container: cpu.shares %q", got[0])
	}
	if got := p.Inspect(id, "{{.HostConfig.RestartPolicy.Name}}"); got != "always" {
		t.Errorf("update --restart: %q", got)
	}
	p.ExpectEngineError(p.Run("update", "--memory", "1k", id), "minimum memory limit allowed is 6MB")
	r = p.Run("update", "--cpus", "1", "nosuchctr")
	p.ExpectEngineError(r, "nosuchctr")
}

// --ulimit: a value the engine may give is set; a hard limit above the
// engine's own, which it cannot raise, is refused at create with a clear
// message instead of failing in the runtime.
func TestRunUlimitHardLimit(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	if got := p.MustRun("run", "--rm", "--ulimit", "nofile=100:200", Image, "sh", "-c", "ulimit -Sn; ulimit -Hn").Lines(); strings.Join(got, " ") != "100 200" {
		t.Errorf("--ulimit nofile=100:200: %q", got)
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Max == ^uint64(0) || os.Geteuid() == 0 && hasCapResource() {
		t.Skip("this engine may raise any nofile limit")
	}
	above := strconv.FormatUint(rl.Max+1, 10)
	p.ExpectEngineError(p.Run("run", "--rm", "--ulimit", "nofile="+above+":"+above, Image, "true"), "hard limit "+above+" is above the engine's own hard limit")
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("a refused --ulimit created %v", ids)
	}
}

// hasCapResource reads CAP_SYS_RESOURCE (24) from the test's own
// effective set.
func hasCapResource() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return n&(1<<24) != 0
		}
	}
	return false
}

// --cgroups and --cgroup-conf as podman refuses them with runc on a
// cgroup v1 host.
func TestRunCgroupsFlags(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.ExpectEngineError(p.Run("run", "--rm", "--cgroups=disabled", Image, "true"), "requested OCI runtime runc is not compatible with NoCgroups")
	p.ExpectEngineError(p.Run("run", "--rm", "--cgroups=bogus", Image, "true"), `invalid cgroup mode "bogus"`)
	if got := p.MustRun("run", "--rm", "--cgroups=no-conmon", Image, "echo", "ok").Out(); got != "ok" {
		t.Errorf("--cgroups=no-conmon: %q", got)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs("/sys/fs/cgroup", &st); err == nil && st.Type == 0x63677270 {
		t.Skip("cgroup v2 host: --cgroup-conf is allowed")
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--cgroup-conf", "memory.high=1000000", Image, "true"), "cannot use --cgroup-conf without cgroup v2")
}
