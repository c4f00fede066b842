// Package engine is pier's library: containers and their state machine,
// exec sessions, cp, mounts, volumes, networks as containers use them,
// locking, names, reboot refresh and the system commands (df, prune,
// reset). Every operation reads lock -> load -> check transition -> drivers
// (storage, specgen, network, monitor, OCI runtime) -> save. It never
// prints, never parses flags and never imports cobra.
package engine

import (
	"context"
	"errors"
	"fmt"
	"github.com/pier-engine/pier/internal/version"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/pier-engine/pier/internal/config"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/lock"
	"github.com/pier-engine/pier/internal/logging"
	"github.com/pier-engine/pier/internal/network"
	"github.com/pier-engine/pier/internal/oci"
	"github.com/pier-engine/pier/internal/state"
)

// Options are the engine's inputs from the global flags.
type Options struct {
	Config    *config.Config
	GraphRoot string
	RunRoot   string
	Runtime   string
	// RuntimeFlags are global flags for the OCI runtime, without their
	// leading "--" (--runtime-flag), given on every runtime call.
	RuntimeFlags  []string
	StorageDriver string
	StorageOpts   []string
	TmpDir        string
	// VolumePath is where named volumes live; empty means
	// <graphroot>/volumes.
	VolumePath string
	// NetworkConfigDir overrides containers.conf's network_config_dir.
	NetworkConfigDir string
	// DefaultMountsFile overrides containers.conf's default_mounts_file.
	DefaultMountsFile string
	// Explicit names the state.Paths fields the user set on the command
	// line; only those may differ from what the state was created with.
	Explicit map[string]bool
	// GlobalArgs are replayed to `pier container cleanup` by the monitor.
	GlobalArgs []string
	// SelfExe is pier's own executable; empty means os.Executable().
	SelfExe string
	// EventsBackend overrides containers.conf's events_logger
	// (--events-backend): file, journald or none.
	EventsBackend string
	// NotifySocket is the NOTIFY_SOCKET pier was started with (the CLI
	// takes it out of the environment, so that neither the OCI runtime
	// nor the monitor acts on it): a start reports there for containers
	// created without one.
	NotifySocket string
}

// Runtime is one opened engine. It is cheap to open: image storage is only
// opened by operations that need it, so `ps` never pays for it.
type Runtime struct {
	conf   *config.Config
	opts   Options
	paths  state.Paths
	store  state.Store
	locks  *lock.Manager
	runDir string // <runroot>/pier
	// netRunDir is netavark's config dir (aardvark-dns config, ipam.db):
	// podman's, so both engines share one IPAM and one aardvark.
	netRunDir string
	dataDir   string // <graphroot>/pier (or static_dir)
	selfExe   string
	imgOpts   image.Options
	// Lazily found drivers. Only successes are kept: a long-lived engine
	// (an API server) must see a storage or monitor fixed after a failure.
	imgMu   sync.Mutex
	images  *image.Store
	ociMu   sync.Mutex
	ociRts  map[string]*oci.Runtime
	monMu   sync.Mutex
	monPath string
	ev      eventerState
}

// Open opens the state and refreshes it after a reboot.
func Open(ctx context.Context, o Options) (*Runtime, error) {
	conf := o.Config
	if conf == nil {
		conf = config.Default()
	}
	if err := checkEventsBackend(o.EventsBackend); err != nil {
		return nil, err
	}
	imgOpts, err := image.ResolvePaths(image.Options{
		GraphRoot: o.GraphRoot, RunRoot: o.RunRoot, GraphDriver: o.StorageDriver,
		DriverOpts: o.StorageOpts,
	})
	if err != nil {
		return nil, fmt.Errorf("resolving storage paths: %w", err)
	}
	dataDir := conf.Engine.StaticDir
	if dataDir == "" {
		dataDir = filepath.Join(imgOpts.GraphRoot, "pier")
	}
	tmpDir := o.TmpDir
	if tmpDir == "" {
		tmpDir = conf.Engine.TmpDir
	}
	runDir := filepath.Join(imgOpts.RunRoot, "pier")
	for _, d := range []string{dataDir, runDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("creating engine directory: %w", err)
		}
	}
	want := state.Paths{
		GraphRoot: imgOpts.GraphRoot, RunRoot: imgOpts.RunRoot, StaticDir: dataDir,
		TmpDir: tmpDir, GraphDriver: imgOpts.GraphDriver,
	}
	store, paths, err := state.Open(ctx, filepath.Join(dataDir, "state.db"), want, o.Explicit)
	if err != nil {
		return nil, err
	}
	locks, err := lock.NewManager(filepath.Join(runDir, "locks"))
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	self := o.SelfExe
	if self == "" {
		if self, err = version.Executable(); err != nil {
			_ = store.Close()
			return nil, fmt.Errorf("finding pier's own executable: %w", err)
		}
	}
	r := &Runtime{
		conf: conf, opts: o, paths: paths, store: store, locks: locks,
		runDir: runDir, dataDir: dataDir, selfExe: self, imgOpts: imgOpts,
		netRunDir: network.RunDir(imgOpts.RunRoot),
	}
	if err := r.refreshAfterReboot(ctx); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

// Close releases the state and, if opened, image storage.
func (r *Runtime) Close() error {
	return r.close(true)
}

// CloseForExit is Close for a process about to exit: the state store may
// leave its files as a crash would, to save the next command work (see
// state.Store.Leave).
func (r *Runtime) CloseForExit() error {
	return r.close(false)
}

func (r *Runtime) close(full bool) error {
	var errs []error
	r.imgMu.Lock()
	defer r.imgMu.Unlock()
	if r.images != nil {
		errs = append(errs, r.images.Shutdown(false))
		r.images = nil // a second Close (after Reset) must not touch it again
	}
	if full {
		errs = append(errs, r.store.Close())
	} else {
		errs = append(errs, r.store.Leave())
	}
	return errors.Join(errs...)
}

// Config is the containers.conf in effect.
func (r *Runtime) Config() *config.Config { return r.conf }

// Paths are the storage paths in effect.
func (r *Runtime) Paths() state.Paths { return r.paths }

// VolumePath is the directory of named volumes: --volumepath, else
// containers.conf volume_path, else <graphroot>/volumes as in podman.
func (r *Runtime) VolumePath() string {
	if r.opts.VolumePath != "" {
		return r.opts.VolumePath
	}
	return r.conf.VolumePathFor(r.paths.GraphRoot)
}

// Images opens image storage on first use.
func (r *Runtime) Images(ctx context.Context) (*image.Store, error) {
	r.imgMu.Lock()
	defer r.imgMu.Unlock()
	if r.images != nil {
		return r.images, nil
	}
	o := r.imgOpts
	o.GraphRoot, o.RunRoot, o.GraphDriver = r.paths.GraphRoot, r.paths.RunRoot, r.paths.GraphDriver
	images, err := image.Open(o)
	if err != nil {
		return nil, err
	}
	images.SetEventFunc(r.writeEvent)
	r.images = images
	return images, nil
}

// OCIRuntime is the runtime new containers get: --runtime, else
// containers.conf's engine.runtime.
func (r *Runtime) OCIRuntime() (*oci.Runtime, error) {
	name := r.opts.Runtime
	if name == "" {
		name = r.conf.Engine.Runtime
	}
	return r.findRuntime(name)
}

// runtimeFor is the runtime a container was created with: a container
// keeps its runtime whatever --runtime later commands pass.
func (r *Runtime) runtimeFor(c *define.Container) (*oci.Runtime, error) {
	if c.Config.Runtime == "" {
		return r.OCIRuntime()
	}
	return r.findRuntime(c.Config.Runtime)
}

// findRuntime resolves a runtime name or path once per process.
func (r *Runtime) findRuntime(name string) (*oci.Runtime, error) {
	r.ociMu.Lock()
	defer r.ociMu.Unlock()
	if rt, ok := r.ociRts[name]; ok {
		return rt, nil
	}
	rt, err := oci.Find(name, r.conf.Engine.Runtimes)
	if err != nil {
		return nil, err
	}
	if r.ociRts == nil {
		r.ociRts = map[string]*oci.Runtime{}
	}
	r.ociRts[name] = rt
	// A runtime state root under our run root keeps test roots isolated
	// from the host's /run/runc and is wiped with the run root on reboot.
	rt.Args = append(rt.Args, "--root", r.runtimeRoot(rt))
	for _, f := range r.opts.RuntimeFlags {
		rt.Args = append(rt.Args, "--"+f)
	}
	slog.Log(context.Background(), logging.LevelTrace, fmt.Sprintf("found runtime %q", rt.Path))
	return rt, nil
}

// refreshAfterReboot resets runtime state when the run directory (a tmpfs)
// lost its alive file, i.e. the host rebooted or the run root was wiped.
func (r *Runtime) refreshAfterReboot(ctx context.Context) error {
	alive := filepath.Join(r.runDir, "alive")
	if _, err := os.Stat(alive); err == nil {
		return nil
	}
	l, err := r.locks.Lock(ctx, runtimeLock)
	if err != nil {
		return fmt.Errorf("taking the runtime lock: %w", err)
	}
	defer l.Unlock()
	if _, err := os.Stat(alive); err == nil {
		return nil // another pier refreshed while we waited
	}
	err = r.store.UpdateAllContainerStates(ctx, func(c *define.Container) bool {
		c.State.ResetForReboot()
		return true
	})
	if err != nil {
		return fmt.Errorf("refreshing container states after reboot: %w", err)
	}
	f, err := os.OpenFile(alive, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("creating %s: %w", alive, err)
	}
	r.writeEvent(events.NewEvent(events.System, events.Refresh))
	return f.Close()
}

// monitorLog is where monitors record what fails after the container
// exited (a failed `container cleanup`): one file for all containers, so
// it outlives them. See docs/status.md.
func (r *Runtime) monitorLog() string { return filepath.Join(r.dataDir, "monitor.log") }
