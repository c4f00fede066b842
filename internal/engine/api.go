package engine

import (
	"errors"
	"syscall"
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/monitor"
	"github.com/pier-engine/pier/internal/network"
	"github.com/pier-engine/pier/internal/oci"
)

// CreateRequest is the one request type for creating a container; the CLI
// (and later the REST API) fill it from their own input.
type CreateRequest struct {
	Image      string   // user reference; resolved against local images
	Name       string   // empty: a random adjective_surname
	Command    []string // overrides the image's CMD
	Entrypoint *string  // nil: image's; "" clears it; JSON array or a single string as podman
	Env        []string // KEY=VAL, already expanded by the CLI (-e, --env-file)
	WorkingDir string
	User       string
	Labels     map[string]string
	Hostname   string
	ReadOnly   bool
	Terminal   bool
	Stdin      bool
	// Mounts are bind and tmpfs mounts (the CLI parses -v and --tmpfs
	// with specgen.ParseVolume and ParseTmpfs); the engine validates them
	// again and checks that bind sources exist.
	Mounts []define.Mount
	// VolumesFrom are --volumes-from values: CONTAINER[:ro|rw[,z]].
	VolumesFrom []string
	// NetworkMode is --network: "", "none", "host", "private", "bridge",
	// "container:NAME" or network names separated by commas.
	NetworkMode string
	// ExtraNetworks are later --network values (more networks to join);
	// Static are --ip, --ip6, --mac-address and --network-alias.
	ExtraNetworks []string
	Static        network.StaticFlags
	Publish       []string // -p values
	PublishAll    bool     // -P
	Expose        []string // --expose values
	DNSServers    []string
	DNSSearch     []string
	DNSOptions    []string
	AddHosts      []string // --add-host NAME:IP
	// NoHosts leaves the image's /etc/hosts; HostsFile is --hosts-file,
	// the base of the one pier writes (containers.conf base_hosts_file).
	NoHosts   bool
	HostsFile string
	// Ulimits replace the defaults (containers.conf default_ulimits and
	// podman's nofile/nproc) of the same type.
	Ulimits     []spec.POSIXRlimit
	StopSignal  syscall.Signal // 0: the image's, else SIGTERM
	StopTimeout *uint
	AutoRemove  bool
	LogDriver   string
	CreateCmd   []string
	// HostEnv ranks over containers.conf's and the image's variables and
	// under Env, as in podman: the host's proxy variables, or its whole
	// environment (--env-host).
	HostEnv     []string
	Annotations map[string]string
	// Log options (--log-opt): a path other than the container's own log
	// file, a tag, a size cap (nil: containers.conf's, 0: none) and keys
	// no pier driver uses, kept as podman keeps them.
	LogPath    string
	LogTag     string
	LogSizeMax *int64
	LogOptions map[string]string
	// Replace removes a container already holding Name first.
	Replace bool
	// Files written for the user: the container's ID when created (the
	// file is removed with the container), the monitor's and the
	// container's PIDs at every start.
	define.RunFiles
	Timezone    string // "", "local" or a zone name (--tz)
	Init        bool   // run the command under catatonit (--init)
	InitPath    string // another init binary (--init-path)
	PreserveFDs uint   // pass fds 3..3+N-1 of the starting process (run --preserve-fds)
	// Sandbox are --personality, --rdt-class, --seccomp-policy,
	// --preserve-fd and --rootfs.
	Sandbox SandboxRequest
	// RestartPolicy is "", "no", "on-failure", "always" or
	// "unless-stopped"; RestartRetries only with on-failure.
	RestartPolicy  string
	RestartRetries uint
	// AutoRemoveImage removes the image after the container, with
	// AutoRemove (run --rmi).
	AutoRemoveImage bool
	// NoNewPrivileges, Seccomp ("" or "unconfined") and LabelDisable are
	// the --security-opt values pier supports.
	NoNewPrivileges bool
	Seccomp         string
	LabelDisable    bool
	// UnsetEnv and UnsetEnvAll drop default variables (--unsetenv,
	// --unsetenv-all); Env still applies.
	UnsetEnv    []string
	UnsetEnvAll bool
	// Timeout is seconds after which the container is killed (--timeout).
	Timeout uint
	// Resources are cgroup limits; only Memory (limit, reservation,
	// swap) is supported yet.
	Resources *spec.LinuxResources
	// HealthCheck replaces the image's healthcheck (--health-cmd);
	// HealthOverrides, without Test, adjusts the image's timings;
	// NoHealthCheck drops any. HealthOnFailure is none, kill, restart
	// or stop.
	HealthCheck *define.HealthConfig
	// StartupHealthCheck (--health-startup-*) needs a regular one.
	StartupHealthCheck *define.StartupHealthConfig
	HealthOverrides    *define.HealthConfig
	NoHealthCheck      bool
	HealthOnFailure    string
	// SdNotifyMode is --sdnotify; SdNotifySocket the NOTIFY_SOCKET of
	// the caller's environment (kept unless the mode is ignore).
	SdNotifyMode, SdNotifySocket string
	// HealthLogDestination is "local", "events_logger" or an existing
	// directory; HealthMaxLogCount/Size nil keep podman's defaults.
	HealthLogDestination                string
	HealthMaxLogCount, HealthMaxLogSize *uint
	// Isolation is namespaces, ID mappings, groups and privileges.
	Isolation IsolationRequest
	// Limits is the cgroup parent, /dev/shm size and OOM score.
	Limits LimitsRequest
	// Identity is the container's /etc files, umask, sysctls, merged
	// environment and image volumes (create_identity.go).
	Identity IdentityRequest
	// Pull, when set, pulls the image per its policy (run's and create's
	// --pull, "missing" by default); nil only looks the image up locally.
	Pull *image.PullOptions
	// Requires are containers (names or IDs) started before this one and
	// kept while it exists (--requires).
	Requires []string
	// Pod is the pod the container joins (name or ID), or "new:NAME" to
	// create one with it.
	Pod string
	// InitContainerType makes the container one of the pod's init
	// containers: define.AlwaysInitContainer or OneShotInitContainer.
	InitContainerType string
	// Sysctls are --sysctl's KEY=VALUE entries, over containers.conf's
	// default_sysctls; a namespace the container shares with the host
	// refuses its sysctls.
	Sysctls []string
	// NoHostname leaves the image's /etc/hostname (--no-hostname).
	NoHostname bool

	// infraOf makes the container the infra container of this pod.
	infraOf *define.Pod
	// isService makes it a kube play service container, with its exit
	// code propagation.
	isService   bool
	propagation string
}

// ContainerSummary is what `ps` needs, computed from the stored config and
// state without touching image storage.
type ContainerSummary struct {
	define.Container
	// Size fields and pod fields come later.
}

// StartOptions controls Start.
type StartOptions struct {
	// Attach registers an attach client before the process starts; Start
	// returns it as an AttachSession for Attach.
	Attach bool
	// ConsoleSize sizes a terminal container's pty before its process
	// runs (a resize afterwards would race with its first ioctl).
	ConsoleSize *TermSize
}

// AttachStreams are the CLI's ends of a container's stdio; Resize, when
// set, delivers terminal size changes (the first value is the initial size).
type AttachStreams = monitor.AttachStreams

// TermSize is a terminal size in cells.
type TermSize = monitor.TermSize

// InspectOptions mirror `inspect` flags.
type InspectOptions struct {
	Size bool // fill SizeRw and SizeRootFs (reads storage)
}

// RemoveOptions mirror `rm` flags.
type RemoveOptions struct {
	Force   bool
	Volumes bool
	Timeout *uint

	// podRemoval lets PodRemove remove the pod's infra container.
	podRemoval bool
}

// LogOptions mirror `logs` flags.
type LogOptions struct {
	Follow       bool
	Tail         int // -1: all
	Since, Until time.Time
	Timestamps   bool
}

// WaitConditions are the states `wait --condition` accepts.
type WaitConditions []define.Status

// CheckInheritedFDs reports whether this process inherited fds 3..3+n-1,
// which run --preserve-fds passes to the container, with podman's error.
func CheckInheritedFDs(n uint) error { return monitor.CheckInheritedFDs(int(n)) }

// CheckInheritedFD is CheckInheritedFDs for run --preserve-fd's list.
func CheckInheritedFD(fds []uint) error { return monitor.CheckInheritedFD(fdInts(fds)) }

// IsRuntimeError reports whether err is the OCI runtime's own failure.
func IsRuntimeError(err error) bool {
	var e *oci.Error
	// A taken host port counts: podman binds ports while the runtime
	// creates the container.
	return errors.As(err, &e) || errors.Is(err, define.ErrPortInUse) || errors.Is(err, errUserSetup)
}
