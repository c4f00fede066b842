package engine

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/version"
)

// VersionInfo is what `pier version` reports. It needs no engine, so
// `version` works without a state and stays fast.
func VersionInfo() define.Version {
	commit, built := version.Build()
	return define.Version{
		APIVersion: version.Version,
		Version:    version.Version,
		GoVersion:  runtime.Version(),
		BuiltTime:  built.Format(time.ANSIC),
		GitCommit:  commit,
		Built:      built.Unix(),
		OsArch:     runtime.GOOS + "/" + runtime.GOARCH,
		Os:         runtime.GOOS,
	}
}

// Info gathers `pier info`. Host facts that cannot be read are left empty
// rather than failing the command, as podman does; the stores must open.
func (r *Runtime) Info(ctx context.Context) (*define.Info, error) {
	host := hostInfo()
	host.LogDriver = r.conf.Containers.LogDriver
	host.EventLogger = cmp.Or(r.eventsOptions().Backend, events.BackendFile)
	// buildah's library does pier's commit (and later build), as podman's.
	host.BuildahVersion = buildahVersion
	host.Security.DefaultCapabilities = strings.Join(r.conf.Containers.DefaultCapabilities, ",")
	// The helper queries (--version, the package manager) take a few
	// hundred ms together; run them side by side.
	var wg sync.WaitGroup
	if rt, err := r.OCIRuntime(); err == nil {
		host.OCIRuntime = &define.OCIRuntimeInfo{Name: rt.Name, Path: rt.Path}
		wg.Add(2)
		go func() { defer wg.Done(); host.OCIRuntime.Version = toolVersion(ctx, rt.Path) }()
		go func() { defer wg.Done(); host.OCIRuntime.Package = packageOf(ctx, rt.Path) }()
	}
	if p, err := r.monitorPath(); err == nil {
		host.Conmon = &define.ConmonInfo{Path: p, Version: "pier-monitor version " + version.Version}
		wg.Add(1)
		go func() { defer wg.Done(); host.Conmon.Package = packageOf(ctx, p) }()
	}
	// slirp4netns, for --network slirp4netns, found as common's Setup
	// finds it (helper_binaries_dir, then $PATH).
	var slirp string
	if c := r.conf.Common; c != nil {
		slirp, _ = c.FindHelperBinary("slirp4netns", true)
	}
	if slirp != "" {
		host.Slirp4NetNS = &define.ProgramInfo{Executable: slirp}
		wg.Add(2)
		go func() { defer wg.Done(); host.Slirp4NetNS.Version = toolVersion(ctx, slirp) }()
		go func() { defer wg.Done(); host.Slirp4NetNS.Package = packageOf(ctx, slirp) }()
	}
	host.NetworkBackendInfo = r.networkInfo(ctx, &wg)
	host.NetworkBackend = host.NetworkBackendInfo.Backend
	store, err := r.storeInfo(ctx)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	registries, err := images.Registries()
	if err != nil {
		return nil, err
	}
	return &define.Info{
		Host:       host,
		Store:      store,
		Registries: registries,
		// Only what pier has: the local volume driver, netavark's
		// bridge, and the log drivers create accepts.
		Plugins: define.Plugins{
			Volume:  []string{"local"},
			Network: []string{"bridge"},
			Log:     []string{"k8s-file", "none", "passthrough", "journald"},
		},
		Version: VersionInfo(),
	}, nil
}

// networkInfo describes netavark and aardvark-dns, the network backend
// pier drives; their versions and packages are filled in by goroutines
// added to wg.
func (r *Runtime) networkInfo(ctx context.Context, wg *sync.WaitGroup) *define.NetworkBackendInfo {
	d := r.netDriver()
	info := &define.NetworkBackendInfo{
		Backend:        "netavark",
		DefaultNetwork: r.networks().Default(),
	}
	probe := func(path string, p, ver, pkg *string) {
		if !fileExists(path) {
			return
		}
		*p = path
		wg.Add(2)
		go func() { defer wg.Done(); *ver = toolVersion(ctx, path) }()
		go func() { defer wg.Done(); *pkg = packageOf(ctx, path) }()
	}
	probe(d.Netavark, &info.Path, &info.Version, &info.Package)
	probe(d.Aardvark, &info.DNS.Path, &info.DNS.Version, &info.DNS.Package)
	return info
}

// unknownPackage is podman's answer for a file no package manager owns.
const unknownPackage = "Unknown"

// packageOf names the distribution package that installed path, as
// podman's info does: "name_version_arch" from dpkg, rpm's NVR.
func packageOf(ctx context.Context, path string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "/usr/bin/dpkg", "-S", path).Output(); err == nil {
		name, _, _ := strings.Cut(string(out), ": ")
		q := exec.CommandContext(ctx, "/usr/bin/dpkg-query", "-f", "${Package}_${Version}_${Architecture}", "-W", name)
		if out, err := q.Output(); err == nil {
			return strings.TrimSpace(string(out))
		}
		return strings.TrimSpace(name)
	}
	if out, err := exec.CommandContext(ctx, "/usr/bin/rpm", "-q", "-f", path).Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return unknownPackage
}

func (r *Runtime) storeInfo(ctx context.Context) (*define.StoreInfo, error) {
	s := &define.StoreInfo{
		GraphDriverName: r.paths.GraphDriver,
		GraphOptions:    map[string]any{},
		GraphRoot:       r.paths.GraphRoot,
		GraphStatus:     map[string]string{},
		RunRoot:         r.paths.RunRoot,
		VolumePath:      r.VolumePath(),
		ImageCopyTmpDir: r.imgOpts.TmpDir,
	}
	if s.ImageCopyTmpDir == "" {
		s.ImageCopyTmpDir = "/var/tmp"
	}
	if _, err := os.Stat("/etc/containers/storage.conf"); err == nil {
		s.ConfigFile = "/etc/containers/storage.conf"
	} else if _, err := os.Stat("/usr/share/containers/storage.conf"); err == nil {
		s.ConfigFile = "/usr/share/containers/storage.conf"
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(r.paths.GraphRoot, &fs); err == nil {
		s.GraphRootAllocated = fs.Blocks * uint64(fs.Bsize)
		s.GraphRootUsed = (fs.Blocks - fs.Bfree) * uint64(fs.Bsize)
	}
	cs, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	s.ContainerStore.Number = len(cs)
	for _, c := range cs {
		switch c.State.Status {
		case define.StatusRunning:
			s.ContainerStore.Running++
		case define.StatusPaused:
			s.ContainerStore.Paused++
		default:
			s.ContainerStore.Stopped++
		}
	}
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	imgs, err := images.Storage().Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	s.ImageStore.Number = len(imgs)
	if status, err := images.Storage().Status(); err == nil {
		for _, kv := range status {
			s.GraphStatus[kv[0]] = kv[1]
		}
	}
	for _, o := range images.Storage().GraphOptions() {
		k, v, _ := strings.Cut(o, "=")
		s.GraphOptions[k] = v
	}
	return s, nil
}

// toolVersion runs `path --version`, as podman does for the OCI runtime.
func toolVersion(ctx context.Context, path string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// hostInfo reads the host facts; none of them needs the engine.
func hostInfo() *define.HostInfo {
	h := &define.HostInfo{
		Arch:            runtime.GOARCH,
		CgroupManager:   "cgroupfs",
		CPUs:            runtime.NumCPU(),
		DatabaseBackend: "sqlite",
		OS:              runtime.GOOS,
		Linkmode:        "dynamic",
		Security: define.SecurityInfo{
			Rootless:       os.Geteuid() != 0,
			SECCOMPEnabled: fileExists("/proc/self/status") && procStatusHas("Seccomp:"),
			SELinuxEnabled: fileExists("/sys/fs/selinux/enforce"),
			AppArmorEnabled: func() bool {
				b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled")
				return err == nil && strings.HasPrefix(string(b), "Y")
			}(),
		},
	}
	h.Hostname, _ = os.Hostname()
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		h.Kernel = unix.ByteSliceToString(uts.Release[:])
	}
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		unit := int64(si.Unit)
		h.MemTotal = int64(si.Totalram) * unit
		h.MemFree = int64(si.Freeram) * unit
		h.SwapTotal = int64(si.Totalswap) * unit
		h.SwapFree = int64(si.Freeswap) * unit
		h.Uptime = formatUptime(float64(si.Uptime))
	}
	h.CgroupsVersion, h.CgroupControllers = cgroupInfo()
	h.CPUUtilization = cpuUsage()
	h.Distribution = distribution()
	return h
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func procStatusHas(key string) bool {
	b, err := os.ReadFile("/proc/self/status")
	return err == nil && strings.Contains(string(b), key)
}

// formatUptime renders uptime as podman 5 does: "1h 31m 5.00s" (4.x
// added "(Approximately 0.04 days)").
func formatUptime(secs float64) string {
	hours := math.Floor(secs / 3600)
	minutes := math.Floor((secs - hours*3600) / 60)
	rest := secs - hours*3600 - minutes*60
	return fmt.Sprintf("%.0fh %.0fm %.2fs", hours, minutes, rest)
}

// cgroupInfo reports the cgroup version and the controllers available:
// cgroup.controllers on v2, the mounted v1 hierarchies otherwise.
func cgroupInfo() (string, []string) {
	var fs unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &fs) == nil && fs.Type == unix.CGROUP2_SUPER_MAGIC {
		b, _ := os.ReadFile("/sys/fs/cgroup/cgroup.controllers")
		return "v2", strings.Fields(string(b))
	}
	f, err := os.Open("/proc/cgroups")
	if err != nil {
		return "v1", nil
	}
	defer f.Close()
	var ctrls []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || strings.HasPrefix(fields[0], "#") || fields[3] != "1" {
			continue
		}
		if fileExists(filepath.Join("/sys/fs/cgroup", fields[0])) {
			ctrls = append(ctrls, fields[0])
		}
	}
	return "v1", ctrls
}

// cpuUsage splits the CPU time since boot from /proc/stat, as podman does.
func cpuUsage() *define.CPUUsage {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 8 || fields[0] != "cpu" {
		return nil
	}
	v := make([]float64, 0, len(fields)-1)
	var total float64
	for _, f := range fields[1:] {
		n, _ := strconv.ParseFloat(f, 64)
		v = append(v, n)
		total += n
	}
	if total == 0 {
		return nil
	}
	pct := func(n float64) float64 { return math.Round(n/total*10000) / 100 }
	// user nice system idle iowait irq softirq steal ...
	return &define.CPUUsage{
		UserPercent:   pct(v[0] + v[1]),
		SystemPercent: pct(v[2] + v[5] + v[6]),
		IdlePercent:   pct(v[3]),
	}
}

// distribution reads /etc/os-release.
func distribution() define.DistributionInfo {
	var d define.DistributionInfo
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return d
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			d.Distribution = v
		case "VERSION_ID":
			d.Version = v
		case "VERSION_CODENAME":
			d.Codename = v
		case "VARIANT_ID":
			d.Variant = v
		}
	}
	return d
}
