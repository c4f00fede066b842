package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/failpoint"
	"github.com/pier-engine/pier/internal/monitor"
	"github.com/pier-engine/pier/internal/oci"
	"github.com/pier-engine/pier/internal/specgen"
	"github.com/pier-engine/pier/internal/version"
)

// Start runs the container and returns once the runtime has started the
// process. With opts.Attach it first registers an attach client with the
// monitor and returns it as an AttachSession for Attach: output the
// process writes from its first instant reaches that client.
func (r *Runtime) Start(ctx context.Context, nameOrID string, opts StartOptions) (*AttachSession, error) {
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	if err := r.startDependencies(ctx, c); err != nil {
		return nil, err
	}
	c, l, err := r.locked(ctx, c.Config.ID)
	if err != nil {
		return nil, err
	}
	if !c.State.Running() {
		c.State.RestartCount = 0 // a start by the user begins anew, as podman
	}
	att, err := r.startLocked(ctx, c, opts.Attach, opts.ConsoleSize)
	l.Unlock()
	if err != nil {
		return nil, err
	}
	if c.Config.SdNotifyMode == define.SdNotifyHealthy {
		// As podman: a detached start returns once the container is
		// healthy; an attached one streams meanwhile.
		if att == nil {
			if err := r.waitHealthyNotify(ctx, c.Config.ID); err != nil {
				return nil, err
			}
		} else {
			go func() { _ = r.waitHealthyNotify(context.WithoutCancel(ctx), c.Config.ID) }()
		}
	}
	if att == nil {
		return nil, nil
	}
	return &AttachSession{id: c.Config.ID, name: c.Config.Name, conn: att}, nil
}

// startLocked takes a container from any non-running state to running.
// Each step undoes what it did if a later step fails; a crash between steps
// is repaired by the next start or remove, which redo every step
// idempotently.
func (r *Runtime) startLocked(ctx context.Context, c *define.Container, attach bool, initial *TermSize) (*monitor.AttachConn, error) {
	switch c.State.Status {
	case define.StatusRunning, define.StatusPaused:
		if attach {
			return nil, fmt.Errorf("container %s is already running: %w", c.Config.Name, define.ErrCtrStateInvalid)
		}
		return nil, nil // podman: starting a running container is a no-op
	case define.StatusRemoving:
		return nil, fmt.Errorf("container %s is being removed: %w", c.Config.Name, define.ErrCtrStateInvalid)
	case define.StatusStopping:
		return nil, fmt.Errorf("unable to start container %q: container %s must be in Created or Stopped state to be started: %w", c.Config.ID, c.Config.ID, define.ErrCtrStateInvalid)
	case define.StatusCreated:
		if monitorAlive(&c.State) {
			// Initialized (`init`): the runtime holds it; only the start
			// is left.
			att, err := r.startCreated(ctx, c, attach)
			if err == nil {
				r.ctrEvent(c, events.Start)
				r.notifyStarted(c)
			}
			return att, err
		}
	}
	pending := r.spawnMonitor(c)
	defer pending.Close()
	p, err := r.prepareRun(ctx, c, initial)
	if err != nil {
		return nil, err
	}
	rt, monPath, mcfg, rootfs := p.rt, p.monPath, p.mcfg, p.rootfs
	fail := func(err error) (*monitor.AttachConn, error) { return r.failStart(ctx, c, err) }
	var att *monitor.AttachConn
	if rt.CanRunDetached() {
		att, err = r.runDetached(ctx, c, rt, monPath, mcfg, rootfs, attach, fail, pending)
	} else {
		att, err = r.launchThenStart(ctx, c, rt, monPath, mcfg, rootfs, attach, fail)
	}
	if err == nil {
		r.ctrEvent(c, events.Init)
		r.ctrEvent(c, events.Start)
		r.notifyStarted(c)
		if attach {
			r.ctrEvent(c, events.Attach)
		}
	}
	return att, err
}

// spawnMonitor starts c's monitor ahead, so that its start-up runs beside
// prepareRun, when a runtime run will use it (runDetached) and it can
// serve c; nil otherwise, and on any error (the launch then starts one).
func (r *Runtime) spawnMonitor(c *define.Container) *monitor.Pending {
	if c.Config.PreserveFDs > 0 || len(c.Config.PreserveFD) > 0 || !monitor.PendingServes(monitorLogDriver(c.Config.LogDriver)) {
		return nil
	}
	rt, err := r.runtimeFor(c)
	if err != nil || !rt.CanRunDetached() {
		return nil
	}
	monPath, err := r.monitorPath()
	if err != nil {
		return nil
	}
	return monitor.Spawn(monPath, r.monitorLog(), c.Config.ID, r.ctrPaths(c.Config.ID).RunDir)
}

// preparedRun is what runs a container, ready for its monitor.
type preparedRun struct {
	rt      *oci.Runtime
	monPath string
	mcfg    *monitor.Config
	rootfs  string
}

// prepareRun does every step before the monitor: run dir, storage,
// network, bundle. A failure is recorded and undone (failStart).
func (r *Runtime) prepareRun(ctx context.Context, c *define.Container, initial *TermSize) (*preparedRun, error) {
	rt, err := r.runtimeFor(c)
	if err != nil {
		return nil, err
	}
	monPath, err := r.monitorPath()
	if err != nil {
		return nil, err
	}
	paths := r.ctrPaths(c.Config.ID)
	if err := r.clearRunDir(ctx, c, paths.RunDir); err != nil {
		return nil, err
	}
	rootfs, err := r.mountStorage(ctx, c)
	if err != nil {
		return nil, err
	}
	failpoint.Hit("start-after-mount")
	fail := func(err error) (*preparedRun, error) {
		_, err = r.failStart(ctx, c, err)
		return nil, err
	}
	if err := r.setupNetwork(ctx, c); err != nil {
		return fail(err)
	}
	if err := r.ensurePodCgroup(ctx, c); err != nil {
		return fail(err)
	}
	if err := r.writeBundle(ctx, c, rootfs, paths, initial); err != nil {
		return fail(err)
	}
	mcfg, err := r.monitorConfig(ctx, c, rt, paths)
	if err != nil {
		return fail(err)
	}
	return &preparedRun{rt: rt, monPath: monPath, mcfg: mcfg, rootfs: rootfs}, nil
}

// failStart records a failed start and undoes its network and mount.
func (r *Runtime) failStart(ctx context.Context, c *define.Container, err error) (*monitor.AttachConn, error) {
	c.State.Status = define.StatusConfigured
	c.State.Error = err.Error()
	c.State.PID, c.State.MonitorPID = 0, 0
	r.teardownNetwork(ctx, c)
	r.leaveSharedHosts(ctx, c)
	r.unmountStorage(ctx, c)
	_ = r.save(ctx, c)
	return nil, err
}

// Init creates the container in the runtime without starting its process
// (podman's init): its monitor runs and holds its stdio; `start` then only
// starts the process.
func (r *Runtime) Init(ctx context.Context, nameOrID string) error {
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil {
		return err
	}
	c, l, err := r.locked(ctx, c.Config.ID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	switch c.State.Status {
	case define.StatusConfigured, define.StatusStopped, define.StatusExited:
	default:
		return fmt.Errorf("container %s has already been created in runtime: %w", c.Config.ID, define.ErrCtrStateInvalid)
	}
	p, err := r.prepareRun(ctx, c, nil)
	if err != nil {
		return err
	}
	fail := func(err error) (*monitor.AttachConn, error) { return r.failStart(ctx, c, err) }
	if err := r.launchCreated(ctx, c, p.rt, p.monPath, p.mcfg, p.rootfs, fail); err != nil {
		return err
	}
	r.ctrEvent(c, events.Init)
	return nil
}

// clearRunDir removes the leftovers of an earlier run (the runtime
// container, a stale monitor, the exit file) and makes the run directory
// anew. runc keeps its state in <root>/<id>; checking it saves a runc exec
// on the common path.
func (r *Runtime) clearRunDir(ctx context.Context, c *define.Container, runDir string) error {
	_ = r.deleteRuntimeContainer(ctx, c)
	if err := monitor.KillStale(runDir, c.Config.ID); err != nil {
		return err
	}
	if err := os.RemoveAll(runDir); err != nil {
		return fmt.Errorf("clearing run directory of %s: %w", c.Config.Name, err)
	}
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return fmt.Errorf("creating run directory of %s: %w", c.Config.Name, err)
	}
	return nil
}

// writeBundle writes the runtime's config.json for c, whose rootfs is
// mounted and whose network is set up.
func (r *Runtime) writeBundle(ctx context.Context, c *define.Container, rootfs string, paths ctrPaths, initial *TermSize) error {
	host, err := r.prepareHost(ctx, c, rootfs, paths)
	if err != nil {
		return err
	}
	if host.NetNSPath, err = r.joinedNetNS(ctx, c); err != nil {
		return err
	}
	if c.State.NetNS != "" {
		host.NetNSPath = c.State.NetNS
	}
	if err := r.prepareIsolation(ctx, c, rootfs, paths.RunDir, host); err != nil {
		return err
	}
	cfg := c.Config
	cfg.Hostname = containerHostname(&c.Config)
	if p := pinnedUserNS(&c.Config); p != "" {
		cfg.UserNSMode = define.NSPath + ":" + p
	}
	if cfg.Mounts, err = r.prepareVolumes(ctx, c, rootfs); err != nil {
		return err
	}
	if cfg.Mounts, err = r.mountImages(ctx, c, cfg.Mounts); err != nil {
		return err
	}
	if err := prepareMountOptions(&cfg, paths.RunDir, host); err != nil {
		return err
	}
	s, err := specgen.Generate(&cfg, host)
	if err != nil {
		return err
	}
	r.addSubscriptionMounts(s, &c.Config, paths.RunDir, rootfs)
	secMounts, secEnv, err := r.prepareSecrets(c, paths.RunDir)
	if err != nil {
		return err
	}
	s.Mounts = append(s.Mounts, secMounts...)
	s.Process.Env = append(s.Process.Env, secEnv...)
	if err := addNotifyMount(s, c, paths.RunDir); err != nil {
		return err
	}
	if err := r.injectCDIDevices(s, c); err != nil {
		return err
	}
	if err := r.applyHooks(ctx, s, c); err != nil {
		return err
	}
	// A privileged container runs without the default profile, as in
	// podman.
	if c.Config.Seccomp != "unconfined" && !(c.Config.Privileged && c.Config.Seccomp == "") {
		if err := specgen.ApplySeccompProfile(s, c.Config.Seccomp, c.Config.SeccompImageProfile); err != nil {
			return err
		}
	}
	if initial != nil && s.Process != nil && s.Process.Terminal {
		// The runtime sizes the pty before the process runs; a resize
		// through the monitor would race with the first ioctl.
		s.Process.ConsoleSize = &rspec.Box{Height: uint(initial.Height), Width: uint(initial.Width)}
	}
	return writeJSON(paths.Bundle, s)
}

// monitorConfig is what c's monitor is started with.
func (r *Runtime) monitorConfig(ctx context.Context, c *define.Container, rt *oci.Runtime, paths ctrPaths) (*monitor.Config, error) {
	id, runDir := c.Config.ID, paths.RunDir
	logPath := r.logPath(c)
	if logPath == paths.DefaultLog {
		if err := os.MkdirAll(paths.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("creating log directory: %w", err)
		}
	}
	mcfg := &monitor.Config{
		ID: id, Bundle: runDir, RunDir: runDir, Runtime: *rt,
		Terminal: specgen.RuntimeTerminal(&c.Config), Stdin: c.Config.Stdin,
		LogDriver: monitorLogDriver(c.Config.LogDriver), LogPath: logPath, LogSizeMax: c.Config.LogSizeMax,
		Name: c.Config.Name, LogTag: c.Config.LogTag,
		ExitCommand: r.exitCommand(id), ExitEnv: failpoint.Env(), ErrorLog: r.monitorLog(), Version: version.Version,
		PreserveFDs:    int(c.Config.PreserveFDs),
		MonitorPidFile: c.Config.MonitorPidFile, PidFile: c.Config.PidFile,
		Timeout: c.Config.Timeout,
	}
	if proxiesNotify(c) {
		mcfg.NotifySocket = c.Config.SdNotifySocket
	}
	if hasHealthCheck(c) {
		mcfg.HealthInterval = c.Config.HealthCheck.Interval
		if sc := c.Config.StartupHealthCheck; sc != nil && sc.Interval > 0 {
			mcfg.StartupInterval, mcfg.StartupDoneFile = sc.Interval, r.startupDoneFile(id)
		}
		if mcfg.HealthInterval > 0 || mcfg.StartupInterval > 0 {
			mcfg.HealthCommand = r.healthCommandLine(id)
		}
	}
	if err := preserveFD(mcfg, c.Config.PreserveFD); err != nil {
		return nil, err
	}
	if err := monitor.CheckInheritedFDs(mcfg.PreserveFDs); len(mcfg.PreserveFD) == 0 && err != nil {
		// run checked them before creating; a later start whose caller
		// passes none starts the container without them.
		slog.DebugContext(ctx, "not passing preserved fds", "container", id, "error", err)
		mcfg.PreserveFDs = 0
	}
	return mcfg, nil
}

// launchThenStart starts the monitor, which has the runtime create the
// container, then starts it with a runtime exec of its own (runtimes that
// cannot `run --detach`).
func (r *Runtime) launchThenStart(ctx context.Context, c *define.Container, rt *oci.Runtime, monPath string,
	mcfg *monitor.Config, rootfs string, attach bool, fail func(error) (*monitor.AttachConn, error)) (*monitor.AttachConn, error) {
	if err := r.launchCreated(ctx, c, rt, monPath, mcfg, rootfs, fail); err != nil {
		return nil, err
	}
	return r.startCreated(ctx, c, attach)
}

// launchCreated starts the monitor, which has the runtime create the
// container, and records it created.
func (r *Runtime) launchCreated(ctx context.Context, c *define.Container, rt *oci.Runtime, monPath string,
	mcfg *monitor.Config, rootfs string, fail func(error) (*monitor.AttachConn, error)) error {
	id := c.Config.ID
	pid, monPID, err := monitor.Launch(ctx, monPath, mcfg)
	if err != nil {
		_, err = fail(fmt.Errorf("starting container %s: %w", c.Config.Name, err))
		return err
	}
	failpoint.Hit("start-after-monitor")
	c.State = define.ContainerState{
		Status: define.StatusCreated, PID: pid, MonitorPID: monPID,
		PIDStart: startTime(pid), MonitorStart: startTime(monPID),
		Mounted: true, Mountpoint: rootfs, RestartCount: c.State.RestartCount,
		NetNS: c.State.NetNS, NetworkStatus: c.State.NetworkStatus,
		SlirpPID: c.State.SlirpPID, SlirpSubnet: c.State.SlirpSubnet,
		ImageMounts: c.State.ImageMounts,
	}
	if err := r.save(ctx, c); err != nil {
		_ = rt.Delete(context.WithoutCancel(ctx), id, true)
		_, err = fail(err)
		return err
	}
	return nil
}

// startCreated starts the process of a container the runtime created,
// after registering an attach client if asked.
func (r *Runtime) startCreated(ctx context.Context, c *define.Container, attach bool) (*monitor.AttachConn, error) {
	id, runDir := c.Config.ID, r.ctrRunDir(c.Config.ID)
	rt, err := r.runtimeFor(c)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*monitor.AttachConn, error) { return r.failStart(ctx, c, err) }
	var att *monitor.AttachConn
	if attach {
		if att, err = monitor.DialAttach(ctx, runDir); err != nil {
			_ = rt.Delete(context.WithoutCancel(ctx), id, true)
			return fail(fmt.Errorf("attaching to container %s: %w", c.Config.Name, err))
		}
	}
	if err := rt.Start(ctx, id); err != nil {
		if att != nil {
			att.Close()
		}
		_ = rt.Delete(context.WithoutCancel(ctx), id, true)
		return fail(fmt.Errorf("starting container %s: %w", c.Config.Name, err))
	}
	failpoint.Hit("start-after-runtime-start")
	c.State.Status = define.StatusRunning
	c.State.StartedAt = time.Now()
	if err := r.save(ctx, c); err != nil {
		return att, err
	}
	return att, nil
}

// runDetached has the monitor create and start the container with one
// runtime process (`run --detach`) instead of create, then start: a
// runtime exec less per start. Before the runtime runs, the monitor's PID
// is saved with the status created: a crash from then on leaves a row
// whose live monitor shows the container running (syncCreated). An
// attaching caller is registered with the monitor before the start.
func (r *Runtime) runDetached(ctx context.Context, c *define.Container, rt *oci.Runtime, monPath string,
	mcfg *monitor.Config, rootfs string, attach bool, fail func(error) (*monitor.AttachConn, error), pending *monitor.Pending) (*monitor.AttachConn, error) {
	mcfg.Start = true
	// An attached --rm run removes the container itself (Start).
	mcfg.FirstClientCleans = attach && c.Config.AutoRemove
	listening := func(monPID int) error {
		c.State = define.ContainerState{
			Status: define.StatusCreated, MonitorPID: monPID, MonitorStart: startTime(monPID),
			Mounted: true, Mountpoint: rootfs, RestartCount: c.State.RestartCount,
			NetNS: c.State.NetNS, NetworkStatus: c.State.NetworkStatus,
			SlirpPID: c.State.SlirpPID, SlirpSubnet: c.State.SlirpSubnet,
			ImageMounts: c.State.ImageMounts,
		}
		if err := r.save(ctx, c); err != nil {
			return err
		}
		failpoint.Hit("start-after-monitor")
		return nil
	}
	pid, _, att, err := monitor.LaunchStartPending(ctx, pending, monPath, mcfg, attach, listening)
	if err != nil {
		c.State.MonitorPID, c.State.MonitorStart = 0, 0
		return fail(fmt.Errorf("starting container %s: %w", c.Config.Name, err))
	}
	failpoint.Hit("start-after-runtime-start")
	c.State.Status = define.StatusRunning
	c.State.PID, c.State.PIDStart = pid, startTime(pid)
	c.State.StartedAt = time.Now()
	if err := r.save(ctx, c); err != nil {
		if att != nil {
			att.Close()
		}
		_ = rt.Delete(context.WithoutCancel(ctx), c.Config.ID, true)
		return fail(err)
	}
	return att, nil
}

// healthCommandLine is what the monitor runs for each healthcheck.
func (r *Runtime) healthCommandLine(id string) []string {
	args := append([]string{r.selfExe}, r.opts.GlobalArgs...)
	return append(args, "healthcheck", "run", id)
}

// exitCommand is what the monitor runs after the container exits: this
// same pier, with the same global flags, cleaning up the container.
func (r *Runtime) exitCommand(id string) []string {
	args := append([]string{r.selfExe}, r.opts.GlobalArgs...)
	return append(args, "container", "cleanup", id)
}

func (r *Runtime) monitorPath() (string, error) {
	r.monMu.Lock()
	defer r.monMu.Unlock()
	if r.monPath != "" {
		return r.monPath, nil
	}
	p, err := monitor.FindMonitor(r.selfExe, r.conf.Engine.MonitorPath, r.runDir)
	if err != nil {
		return "", err
	}
	r.monPath = p
	return p, nil
}

// mountStorage creates the container's storage if a crash lost it, mounts
// it and records the mount before anything else can fail.
func (r *Runtime) mountStorage(ctx context.Context, c *define.Container) (string, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return "", err
	}
	if c.Config.Rootfs != "" {
		return r.mountRootfs(ctx, c, images)
	}
	if err := images.CreateContainer(ctx, c.Config.ID, c.Config.ImageID, storageOptions(&c.Config)); err != nil {
		return "", fmt.Errorf("creating storage for container %s: %w", c.Config.Name, err)
	}
	if c.State.Mounted {
		// The last run's mount was never released (its cleanup did not
		// run): release it, so a user's `mount` stays counted alone.
		_ = images.UnmountOnce(c.Config.ID, false)
	}
	rootfs, err := images.Mount(c.Config.ID)
	if err != nil {
		return "", fmt.Errorf("mounting storage for container %s: %w", c.Config.Name, err)
	}
	c.State.Mounted, c.State.Mountpoint = true, rootfs
	if err := r.save(ctx, c); err != nil {
		_ = images.UnmountOnce(c.Config.ID, false)
		return "", err
	}
	return rootfs, nil
}

// unmountStorage releases the run's one mount, as podman does: mounts a
// user made with `mount` stay. It is best effort: remove force-unmounts.
func (r *Runtime) unmountStorage(ctx context.Context, c *define.Container) {
	r.releaseHostMounts(c)
	r.unmountImages(ctx, c)
	if !c.State.Mounted {
		return
	}
	if c.Config.Rootfs != "" {
		unmountRootfs(c)
		return
	}
	images, err := r.Images(ctx)
	if err != nil {
		return
	}
	if err := images.UnmountOnce(c.Config.ID, false); err == nil {
		c.State.Mounted, c.State.Mountpoint = false, ""
	}
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", filepath.Base(path), err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
