package engine

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"

	units "github.com/docker/go-units"
	spec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/monitor"
	"github.com/pier-engine/pier/internal/specgen"
)

// Inspect returns podman's inspect view of one container. It reads the
// stored config and the synced state only; it takes no lock, so inspect
// never waits for a long stop or start.
func (r *Runtime) Inspect(ctx context.Context, nameOrID string, opts InspectOptions) (*define.InspectContainerData, error) {
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	d := inspectData(c, r.inspectFacts(c))
	if opts.Size {
		images, err := r.Images(ctx)
		if err != nil {
			return nil, err
		}
		rw, rootfs, err := images.ContainerSizes(c.Config.ID)
		if err != nil {
			return nil, err
		}
		d.SizeRw, d.SizeRootFs = &rw, rootfs
	}
	return d, nil
}

// inspectFacts gathers what inspect shows beyond the container itself.
func (r *Runtime) inspectFacts(c *define.Container) inspectFacts {
	return inspectFacts{paths: r.ctrPaths(c.Config.ID), driver: r.paths.GraphDriver, logPath: r.logPath(c),
		networkIDs: r.networkIDs(c)}
}

// inspectFacts are what inspect needs beyond the container itself.
type inspectFacts struct {
	paths           ctrPaths
	driver, logPath string
	networkIDs      map[string]string // network name -> ID
}

// inspectData is the pure conversion from pier's container to podman's
// inspect shape.
func inspectData(c *define.Container, f inspectFacts) *define.InspectContainerData {
	cfg, st := &c.Config, &c.State
	args := append(slices.Clone(cfg.Entrypoint), cfg.Cmd...)
	var path string
	if len(args) > 0 {
		path, args = args[0], args[1:]
	}
	if args == nil {
		args = []string{}
	}
	if cfg.Init {
		path, args = specgen.InitDest, append([]string{"--", path}, args...)
	}
	d := &define.InspectContainerData{
		ID:            cfg.ID,
		Created:       cfg.Created,
		Path:          path,
		Args:          args,
		PidFile:       cmp.Or(cfg.PidFile, monitor.PidFilePath(f.paths.RunDir)),
		ConmonPidFile: cmp.Or(cfg.MonitorPidFile, monitor.MonitorPidFilePath(f.paths.RunDir)),
		State:         inspectState(st, cfg.ID),
		Image:         cfg.ImageID,
		ImageDigest:   cfg.ImageDigest,
		ImageName:     cfg.Image,
		StaticDir:     f.paths.DataDir,
		Name:          cfg.Name,
		Pod:           cfg.Pod,
		IsInfra:       cfg.IsInfra,
		IsService:     cfg.IsService,
		RestartCount:  int32(st.RestartCount),
		Driver:        f.driver,
		GraphDriver:   &define.DriverData{Name: f.driver, Data: map[string]string{}},
		ExecIDs:       execIDs(st),
		Dependencies:  append([]string{}, ctrDependencies(c)...),
		Mounts:        []define.InspectMount{},
		// podman's value for containers not made by `kube play`
		KubeExitCodePropagation: cmp.Or(cfg.KubeExitCodePropagation, "invalid"),
		NetworkSettings:         inspectNetwork(c, f.networkIDs),
		Config:                  inspectConfig(cfg),
		HostConfig:              inspectHostConfig(cfg, f.logPath),
	}
	inspectIsolation(d, cfg)
	d.Rootfs = cfg.Rootfs
	d.UseImageHostname = cfg.NoHostname
	if cfg.Runtime != "" {
		d.OCIRuntime = cfg.Runtime // a path stays a path, as in podman
	}
	if st.Mounted && st.Mountpoint != "" {
		d.GraphDriver.Data["MergedDir"] = st.Mountpoint
	}
	// The host files and the bundle exist from the first start on.
	for dst, p := range map[*string]string{
		&d.ResolvConfPath: f.paths.ResolvConf, &d.HostnamePath: f.paths.Hostname,
		&d.HostsPath: f.paths.Hosts, &d.OCIConfigPath: f.paths.Bundle,
	} {
		if _, err := os.Stat(p); err == nil {
			*dst = p
		}
	}
	for _, m := range cfg.Mounts {
		if m.Type == "tmpfs" {
			continue
		}
		d.Mounts = append(d.Mounts, inspectMount(m))
	}
	return d
}

func inspectState(st *define.ContainerState, id string) *define.InspectContainerState {
	s := &define.InspectContainerState{
		OciVersion:    spec.Version,
		Status:        st.Status.String(),
		Running:       st.Status == define.StatusRunning,
		Paused:        st.Status == define.StatusPaused,
		Pid:           st.PID,
		ConmonPid:     st.MonitorPID,
		ExitCode:      st.ExitCode,
		OOMKilled:     st.OOMKilled,
		Error:         st.Error,
		StartedAt:     st.StartedAt,
		FinishedAt:    st.FinishedAt,
		StoppedByUser: st.StoppedByUser,
		Health:        st.Health,
	}
	if st.Running() {
		s.CgroupPath = "/pier/" + id
	}
	return s
}

func inspectConfig(cfg *define.ContainerConfig) *define.InspectContainerConfig {
	sig := syscall.SIGTERM
	if cfg.StopSignal != 0 {
		sig = syscall.Signal(cfg.StopSignal)
	}
	sigName := unix.SignalName(sig)
	switch {
	case sigName != "":
	case sig >= 34 && sig <= 49:
		sigName = fmt.Sprintf("SIGRTMIN+%d", sig-34) // podman's names for real-time signals
	case sig > 49 && sig <= 64:
		sigName = fmt.Sprintf("SIGRTMAX-%d", 64-sig)
	default:
		sigName = strings.TrimSpace(sig.String())
	}
	entrypoint := cfg.Entrypoint
	if entrypoint == nil {
		entrypoint = []string{}
	}
	return &define.InspectContainerConfig{
		Hostname:                   containerHostname(cfg),
		User:                       cfg.User,
		Tty:                        cfg.Terminal,
		OpenStdin:                  cfg.Stdin,
		Env:                        cfg.Env,
		Cmd:                        cfg.Cmd,
		Image:                      cfg.Image,
		WorkingDir:                 cfg.WorkingDir,
		Entrypoint:                 entrypoint,
		Labels:                     cfg.Labels,
		Annotations:                cfg.Annotations,
		StopSignal:                 sigName,
		Healthcheck:                cfg.HealthCheck,
		StartupHealthCheck:         cfg.StartupHealthCheck,
		HealthcheckOnFailureAction: cmp.Or(cfg.HealthOnFailure, define.HealthActionNone),
		HealthLogDestination:       cmp.Or(cfg.HealthLogDestination, define.HealthLogLocal),
		HealthMaxLogCount:          healthMaxLogCount(cfg),
		HealthMaxLogSize:           healthMaxLogSize(cfg),
		CreateCommand:              cfg.CreateCmd,
		Umask:                      inspectUmask(cfg.Umask),
		Passwd:                     new(cfg.PasswdEnabled()),
		ChrootDirs:                 cfg.ChrootDirs,
		StopTimeout:                cfg.StopTimeout,
		Timezone:                   cfg.Timezone,
		Timeout:                    cfg.Timeout,
		SdNotifyMode:               cfg.SdNotifyMode,
		SdNotifySocket:             cfg.SdNotifySocket,
	}
}

func inspectHostConfig(cfg *define.ContainerConfig, logPath string) *define.InspectContainerHostConfig {
	h := &define.InspectContainerHostConfig{
		Binds:         []string{},
		CgroupManager: "cgroupfs",
		CgroupMode:    "private",
		LogConfig: &define.InspectLogConfig{
			Type: cfg.LogDriver, Path: logPath, Tag: cfg.LogTag,
			Size: units.HumanSize(float64(cfg.LogSizeMax)),
		},
		NetworkMode:  cfg.NetworkMode,
		PortBindings: map[string][]define.InspectHostPort{},
		RestartPolicy: &define.InspectRestartPolicy{
			Name: cmp.Or(cfg.RestartPolicy, "no"), MaximumRetryCount: cfg.RestartRetries,
		},
		AutoRemove:      cfg.AutoRemove,
		AutoRemoveImage: cfg.AutoRemoveImage,
		Annotations:     cfg.Annotations,
		ContainerIDFile: cfg.CIDFile,
		VolumesFrom:     cfg.VolumesFrom,
		Init:            cfg.Init,
		CapAdd:          []string{},
		CapDrop:         []string{},
		DNS:             []string{},
		DNSOptions:      []string{},
		DNSSearch:       []string{},
		ExtraHosts:      []string{},
		GroupAdd:        []string{},
		IpcMode:         "shareable",
		Cgroups:         "default",
		PidMode:         "private",
		ReadonlyRootfs:  cfg.ReadOnly,
		SecurityOpt:     securityOpts(cfg),
		Tmpfs:           map[string]string{},
		UTSMode:         "private",
		ShmSize:         cmp.Or(cfg.ShmSize, specgen.DefaultShmSize),
		PidsLimit:       max(cfg.PidsLimit, 0),
		Runtime:         "oci",
		ConsoleSize:     []uint{0, 0},
		Devices:         []define.InspectDevice{},
		Ulimits:         []define.InspectUlimit{},
	}
	if cfg.OOMScoreAdj != nil {
		h.OomScoreAdj = *cfg.OOMScoreAdj
	}
	if cfg.LogPath != "" {
		h.LogConfig.Path = cfg.LogPath
	}
	if cfg.NetworkMode == "host" {
		h.UTSMode = "host"
	}
	for _, m := range cfg.Mounts {
		opts := strings.Join(bindOptions(m), ",")
		if m.Type == "tmpfs" {
			h.Tmpfs[m.Destination] = opts
			continue
		}
		src := m.Source
		if m.Type == "volume" {
			src = m.Name
		}
		h.Binds = append(h.Binds, src+":"+m.Destination+":"+opts)
	}
	if m := cfg.Memory; m != nil {
		h.Memory = derefInt(m.Limit)
		h.MemorySwap = max(derefInt(m.Swap), 0) // podman shows unlimited (-1) as 0
		h.MemoryReservation = derefInt(m.Reservation)
	}
	for _, l := range cfg.Rlimits {
		h.Ulimits = append(h.Ulimits, define.InspectUlimit{Name: l.Type, Soft: int64(l.Soft), Hard: int64(l.Hard)})
	}
	return h
}

// bindOptions are a bind mount's options with the defaults the spec
// gets, as podman shows them: the propagation (private for a
// non-recursive bind, else rprivate), then rbind unless "bind" was asked.
func bindOptions(m define.Mount) []string {
	if m.Type != "bind" {
		return m.Options
	}
	out := slices.Clone(m.Options)
	prop := slices.ContainsFunc(out, func(o string) bool {
		switch o {
		case "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable":
			return true
		}
		return false
	})
	if !prop {
		if slices.Contains(out, "bind") {
			out = append(out, "private")
		} else {
			out = append(out, "rprivate")
		}
	}
	if !slices.Contains(out, "bind") && !slices.Contains(out, "rbind") {
		out = append(out, "rbind")
	}
	return out
}

// inspectMount renders a bind mount as podman does: RW unless "ro",
// propagation from the options (rprivate by default).
func inspectMount(m define.Mount) define.InspectMount {
	im := define.InspectMount{
		Type: m.Type, Source: m.Source, Destination: m.Destination,
		RW: true, Propagation: "rprivate", Options: []string{},
	}
	if m.Type == "volume" {
		im.Name, im.Driver = m.Name, "local"
	}
	for _, o := range bindOptions(m) {
		switch o {
		case "ro":
			im.RW = false
		case "rw":
		case "private", "rprivate", "shared", "rshared", "slave", "rslave":
			im.Propagation = o
		case "z", "Z":
			im.Mode = o
		default:
			im.Options = append(im.Options, o)
		}
	}
	if m.Type == "devpts" {
		im.Type, im.Propagation = "bind", "" // as podman 5 shows it
	}
	return im
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// securityOpts are the --security-opt values as podman's inspect lists them.
func securityOpts(cfg *define.ContainerConfig) []string {
	out := []string{}
	if cfg.LabelDisable {
		out = append(out, "label=disable")
	}
	if cfg.Seccomp != "" {
		out = append(out, "seccomp="+cfg.Seccomp)
	}
	if cfg.NoNewPrivileges {
		out = append(out, "no-new-privileges")
	}
	return out
}

// inspectUmask is the umask as podman shows it: padded to four digits.
func inspectUmask(u string) string {
	u = cmp.Or(u, "0022")
	return strings.Repeat("0", max(0, 4-len(u))) + u
}
