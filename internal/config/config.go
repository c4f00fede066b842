// Package config owns containers.conf: the keys pier supports, their
// defaults (podman's, except where this file says otherwise and why), and the
// order in which the files of the containers ecosystem are read.
//
// It only reads configuration; it never creates directories, never probes
// for runtimes or binaries and never touches the engine's state. Resolving a
// runtime name to an executable, deriving paths from storage.conf and acting
// on the values belong to the engine.
package config

import (
	"path/filepath"
	"slices"

	cconfig "go.podman.io/common/pkg/config"
)

// Config is the part of containers.conf that pier acts on, in plain Go
// types, as podman's own parser (go.podman.io/common/pkg/config) read it.
// Keys pier does not act on are still parsed and validated by that parser
// (so one file serves podman and pier alike) and stay reachable in Common;
// docs/status.md lists which keys pier honours.
type Config struct {
	Containers ContainersConfig
	Engine     EngineConfig
	// Common is the whole file as podman reads it; nil for Default().
	// Read only: it may be shared.
	Common *cconfig.Config
}

// ContainersConfig is the [containers] table: defaults for new containers.
type ContainersConfig struct {
	// DefaultUlimits are "name=soft[:hard]" entries applied to every
	// container, as --ulimit spells them.
	DefaultUlimits []string
	// Env is the environment every container starts from; the image's and
	// the user's variables override it.
	Env []string
	// EnvHost is the default of --env-host: pass pier's own environment
	// to every container.
	EnvHost bool
	// DefaultCapabilities is the capability set of a container's process
	// ("CAP_" names).
	DefaultCapabilities []string
	// DefaultSysctls are "name=value" entries set in every container;
	// net.* ones only when the container has its own network namespace.
	DefaultSysctls []string
	// Umask is the octal umask of the container's process.
	Umask string
	// PidsLimit is the pids cgroup limit; <= 0 means none.
	PidsLimit int64
	// ShmSize is the size of /dev/shm ("65536k"; podman reads it with
	// decimal units).
	ShmSize string
	// OOMScoreAdj is the process's OOM score adjustment; nil keeps pier's.
	OOMScoreAdj *int
	// SeccompProfile is the seccomp profile file ("unconfined" for none);
	// empty means the built-in default profile.
	SeccompProfile string
	// ContainerNameAsHostname makes a container's name its hostname
	// when --hostname is not given.
	ContainerNameAsHostname bool
	// ReadOnly is the default of --read-only.
	ReadOnly bool
	// HTTPProxy is the default of --http-proxy: pass the host's proxy
	// variables to the container.
	HTTPProxy bool
	// TZ and Init are the defaults of --tz and --init (init_path is
	// resolved by the engine through Common.FindInitBinary).
	TZ   string
	Init bool
	// Annotations are "key=value" entries every container gets, under
	// the user's --annotation.
	Annotations []string
	// LogTag is the default of --log-opt tag=.
	LogTag string
	// LogDriver is "k8s-file", "journald" or "none".
	LogDriver string
	// Volumes are -v specs every container gets, under the user's.
	Volumes []string
	// LogPath is the directory of k8s-file logs (<LogPath>/<id>/ctr.log);
	// empty means the container's own directory.
	LogPath string
	// LogSizeMax caps a container's log file in bytes; negative means no cap.
	LogSizeMax int64
}

// EngineConfig is the [engine] table: how the engine itself runs.
type EngineConfig struct {
	// Runtime is the OCI runtime used when a container names none: a key
	// of Runtimes or an absolute path.
	Runtime string
	// Runtimes maps a runtime name to candidate executables; the first
	// one that exists wins. A file's [engine.runtimes] table adds to and
	// overrides entries of earlier files, it does not replace the table.
	Runtimes map[string][]string
	// StopTimeout is the default seconds between the stop signal and
	// SIGKILL.
	StopTimeout uint
	// TmpDir holds per-boot engine state (the "alive" file that detects a
	// reboot). It must be on a tmpfs. Empty means <runroot>/pier, see
	// TmpDirFor.
	TmpDir string
	// StaticDir holds the persistent engine state (the database). Empty
	// means <graphroot>/pier, see StaticDirFor.
	StaticDir string
	// MonitorPath lists candidate paths of the pier-monitor binary, the
	// process that plays conmon's role. It is pier's own key (podman's
	// conmon_path names a different program with a different protocol, so
	// pier cannot reuse it). The engine searches these after the directory
	// of the running pier executable, so a freshly built pier finds the
	// monitor built beside it.
	MonitorPath []string
	// CgroupManager is "cgroupfs", the only manager pier drives.
	CgroupManager string
	// EventsLogger is where podman writes events ("file", "journald",
	// "none"); pier reports it.
	EventsLogger string
	// EventsLogFilePath is the file backend's log; empty means
	// <tmp_dir>/events/events.log, as podman.
	EventsLogFilePath string
	// EventsLogFileMaxSize is the size past which the log is cut in half
	// (0: never).
	EventsLogFileMaxSize uint64
	// HealthcheckEvents records a health_status event at every
	// healthcheck run (podman's default); false records none.
	HealthcheckEvents bool
	// PullPolicy is the default of --pull.
	PullPolicy string
	// VolumePath is where named volumes live. Empty means
	// <graphroot>/volumes, see VolumePathFor.
	VolumePath string
	// HooksDir lists the OCI hooks directories.
	HooksDir []string
}

// CgroupfsManager is the only cgroup_manager pier drives.
const CgroupfsManager = cconfig.CgroupfsCgroupsManager

// DefaultPath is the PATH a container gets when neither containers.conf nor
// the image sets one; it is podman's.
const DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Default returns the built-in configuration, before any file is read.
func Default() *Config {
	return &Config{
		Containers: ContainersConfig{
			DefaultUlimits:      []string{},
			Env:                 []string{DefaultPath},
			DefaultCapabilities: slices.Clone(cconfig.DefaultCapabilities),
			DefaultSysctls:      []string{},
			Annotations:         []string{},
			Volumes:             []string{},
			Umask:               "0022",
			PidsLimit:           cconfig.DefaultPidsLimit,
			ShmSize:             cconfig.DefaultShmSize,
			HTTPProxy:           true,
			LogDriver:           "k8s-file",
			LogSizeMax:          -1,
		},
		Engine: EngineConfig{
			// podman 5 defaults to crun, but crun (1.8 here) refuses hosts
			// with hybrid cgroups, which this project must run on; runc
			// works on every cgroup layout, so it is the default. A user
			// can still choose crun in containers.conf or with --runtime.
			Runtime: "runc",
			Runtimes: map[string][]string{
				"runc": {
					"/usr/bin/runc",
					"/usr/sbin/runc",
					"/usr/local/bin/runc",
					"/usr/local/sbin/runc",
					"/sbin/runc",
					"/bin/runc",
					"/usr/lib/cri-o-runc/sbin/runc",
				},
				"crun": {
					"/usr/bin/crun",
					"/usr/sbin/crun",
					"/usr/local/bin/crun",
					"/usr/local/sbin/crun",
					"/sbin/crun",
					"/bin/crun",
				},
			},
			StopTimeout:   10,
			CgroupManager: CgroupfsManager,
			EventsLogger:  "file",
			// podman's default, go.podman.io/common's DefaultEventsLogSizeMax
			EventsLogFileMaxSize: 1000000,
			HealthcheckEvents:    true,
			PullPolicy:           "missing",
			HooksDir:             slices.Clone(cconfig.DefaultHooksDirs),
			MonitorPath: []string{
				"/usr/libexec/pier/pier-monitor",
				"/usr/local/libexec/pier/pier-monitor",
				"/usr/lib/pier/pier-monitor",
				"/usr/bin/pier-monitor",
				"/usr/local/bin/pier-monitor",
			},
		},
	}
}

// VolumePathFor returns where named volumes live with storage graph root
// graphRoot: <graphroot>/volumes unless containers.conf names a path, as
// in podman.
func (c *Config) VolumePathFor(graphRoot string) string {
	if c.Engine.VolumePath != "" {
		return c.Engine.VolumePath
	}
	return filepath.Join(graphRoot, "volumes")
}

// TmpDirFor returns the tmp dir to use with storage run root runRoot. pier
// keeps its per-boot state beside storage's (as DESIGN.md lays out) rather
// than in podman's /run/libpod, so the two engines never read each other's
// reboot markers.
func (c *Config) TmpDirFor(runRoot string) string {
	if c.Engine.TmpDir != "" {
		return c.Engine.TmpDir
	}
	return filepath.Join(runRoot, "pier")
}

// StaticDirFor returns the static dir to use with storage graph root
// graphRoot: <graphroot>/pier unless containers.conf names one (podman
// uses <graphroot>/libpod the same way).
func (c *Config) StaticDirFor(graphRoot string) string {
	if c.Engine.StaticDir != "" {
		return c.Engine.StaticDir
	}
	return filepath.Join(graphRoot, "pier")
}
