// Package define holds the plain data types shared by the engine, the state
// store, specgen and the CLI: container and volume configs and states,
// statuses, exec sessions, the inspect and info shapes podman prints, and
// the sentinel errors. It owns no behaviour beyond small helpers on these types.
package define

import (
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/libnetwork/types"
)

// Status is a container's lifecycle state, as libpod names them.
type Status string

const (
	StatusConfigured Status = "configured" // in the store, no runtime container
	StatusCreated    Status = "created"    // runtime container created, not started
	StatusRunning    Status = "running"
	StatusPaused     Status = "paused"
	StatusStopping   Status = "stopping" // stop sent, waiting for the exit (lock released meanwhile)
	StatusStopped    Status = "stopped"  // stopped by pier, runtime container may exist
	StatusExited     Status = "exited"
	StatusRemoving   Status = "removing"
	// StatusStorage is a container only storage knows (ps --external).
	StatusStorage Status = "storage"
)

// String is what users see: podman shows "configured" as "created".
func (s Status) String() string {
	switch s {
	case StatusConfigured:
		return string(StatusCreated)
	case StatusCreated:
		return "initialized" // in the runtime, not started: podman 5's name
	}
	return string(s)
}

// Mount is a bind or tmpfs mount asked for by the user.
type Mount struct {
	Type string `json:"type"` // "bind", "tmpfs" or "volume"
	// Name is a volume mount's volume ("" in a request: a new anonymous
	// one); Source is then the volume's data directory.
	Name        string   `json:"name,omitempty"`
	Source      string   `json:"source,omitempty"`
	Destination string   `json:"destination"`
	Options     []string `json:"options,omitempty"`
}

// ContainerConfig is immutable after create (except Name on rename).
// Entrypoint, Cmd, Env, WorkingDir and User are already merged with the
// image's config at create time, as podman does, so start never needs the
// image config again.
type ContainerConfig struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Image   string    `json:"image"`   // the name the user gave, resolved (e.g. localhost/busybox:latest)
	ImageID string    `json:"imageID"` // full 64-hex image ID
	// ImageDigest is the image's manifest digest at create.
	ImageDigest string   `json:"imageDigest,omitempty"`
	RawImage    string   `json:"rawImage,omitempty"`
	CreateCmd   []string `json:"createCommand,omitempty"`

	Entrypoint  []string          `json:"entrypoint,omitempty"`
	Cmd         []string          `json:"cmd,omitempty"`
	Env         []string          `json:"env,omitempty"`
	WorkingDir  string            `json:"workingDir,omitempty"`
	User        string            `json:"user,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Hostname    string            `json:"hostname,omitempty"`
	ReadOnly    bool              `json:"readOnly,omitempty"`
	Terminal    bool              `json:"terminal,omitempty"`
	Stdin       bool              `json:"stdin,omitempty"`
	Mounts      []Mount           `json:"mounts,omitempty"`
	// VolumesFrom are the --volumes-from values the mounts came from, as
	// given (inspect shows them).
	VolumesFrom []string `json:"volumesFrom,omitempty"`
	NetworkMode string   `json:"networkMode"` // "none", "host", "bridge", "container:ID"
	// Networks are the networks a "bridge" container joins, by name,
	// with its options on each (aliases, static IPs).
	Networks map[string]types.PerNetworkOptions `json:"networks,omitempty"`
	// NetworkOptions are a mode's options by program, as podman keeps
	// them: --network slirp4netns:cidr=... is {"slirp4netns": ["cidr=..."]}.
	NetworkOptions map[string][]string `json:"networkOptions,omitempty"`
	// PortMappings are -p's (random host ports already picked at create,
	// as podman picks them); ExposedPorts are --expose's and the image's
	// ("80/tcp"); PublishAll is -P.
	PortMappings []types.PortMapping `json:"portMappings,omitempty"`
	ExposedPorts []string            `json:"exposedPorts,omitempty"`
	PublishAll   bool                `json:"publishAll,omitempty"`
	DNSServers   []string            `json:"dnsServers,omitempty"`
	DNSSearch    []string            `json:"dnsSearch,omitempty"`
	DNSOptions   []string            `json:"dnsOptions,omitempty"`
	AddHosts     []string            `json:"addHosts,omitempty"`
	// UseImageHosts is --no-hosts (or containers.conf no_hosts): no
	// /etc/hosts is mounted. BaseHostsFile is --hosts-file.
	UseImageHosts bool   `json:"useImageHosts,omitempty"`
	BaseHostsFile string `json:"baseHostsFile,omitempty"`
	// UseImageResolvConf is --dns none: no /etc/resolv.conf is mounted.
	UseImageResolvConf bool `json:"useImageResolvConf,omitempty"`
	// Capabilities, Sysctls and Umask are fixed at create from
	// containers.conf (default_capabilities, default_sysctls, umask), as
	// podman fixes them, so editing the file later changes new containers
	// only. A nil Capabilities (rows older than the field) means podman's
	// default set; an empty one means none. An empty Umask means 0022.
	Capabilities []string          `json:"capabilities"`
	Sysctls      map[string]string `json:"sysctls,omitempty"`
	// NoHostname: no /etc/hostname is mounted (--no-hostname).
	NoHostname bool   `json:"noHostname,omitempty"`
	Umask      string `json:"umask,omitempty"`
	// PidsLimit, ShmSize and OOMScoreAdj are fixed at create the same way
	// (pids_limit, shm_size, oom_score_adj). PidsLimit <= 0 means no
	// limit; ShmSize 0 means podman's 65536k; a nil OOMScoreAdj leaves the
	// process pier's own score, as podman does.
	PidsLimit   int64 `json:"pidsLimit,omitempty"`
	ShmSize     int64 `json:"shmSize,omitempty"`
	OOMScoreAdj *int  `json:"oomScoreAdj,omitempty"`

	Rlimits     []spec.POSIXRlimit `json:"rlimits,omitempty"`
	StopSignal  int                `json:"stopSignal,omitempty"` // 0 = SIGTERM
	StopTimeout uint               `json:"stopTimeout"`
	AutoRemove  bool               `json:"autoRemove,omitempty"`

	Runtime    string `json:"runtime"` // name or absolute path, resolved at start
	LogDriver  string `json:"logDriver"`
	LogPath    string `json:"logPath,omitempty"`
	LogSizeMax int64  `json:"logSizeMax,omitempty"`
	LogTag     string `json:"logTag,omitempty"`
	// LogOptions are the --log-opt keys pier's drivers do not use; kept
	// (and shown nowhere) as podman keeps them.
	LogOptions map[string]string `json:"logOptions,omitempty"`

	RunFiles
	// Timezone is --tz: "" (the image's), "local" (the host's) or a zone
	// name; /etc/localtime is set up from it at every start.
	Timezone string `json:"timezone,omitempty"`
	// Init runs the container's command under an init process (--init),
	// InitPath's or containers.conf's.
	Init     bool   `json:"init,omitempty"`
	InitPath string `json:"initPath,omitempty"`
	// PreserveFDs passes the starting process's fds 3..3+N-1 to the
	// container (run --preserve-fds).
	PreserveFDs uint `json:"preserveFds,omitempty"`
	// RestartPolicy is "no", "on-failure", "always" or "unless-stopped";
	// stored and shown, not acted on yet.
	RestartPolicy  string `json:"restartPolicy,omitempty"`
	RestartRetries uint   `json:"restartRetries,omitempty"`
	// AutoRemoveImage removes the image once the (auto-removed) container
	// is gone (run --rmi).
	AutoRemoveImage bool `json:"autoRemoveImage,omitempty"`
	// HealthCheck is the healthcheck its monitor runs (--health-*, else
	// the image's); HealthOnFailure what an unhealthy result does.
	HealthCheck *HealthConfig `json:"healthCheck,omitempty"`
	// StartupHealthCheck runs before HealthCheck until it passes.
	StartupHealthCheck *StartupHealthConfig `json:"startupHealthCheck,omitempty"`
	HealthOnFailure    string               `json:"healthOnFailure,omitempty"`
	// Where the results go ("" or "local": the run directory; a
	// directory; "events_logger": also into health_status events) and how
	// many runs and characters are kept (nil: 5 and 500; 0: no limit).
	HealthLogDestination string `json:"healthLogDestination,omitempty"`
	HealthMaxLogCount    *uint  `json:"healthMaxLogCount,omitempty"`
	HealthMaxLogSize     *uint  `json:"healthMaxLogSize,omitempty"`
	// Security options (--security-opt): no_new_privs for the process,
	// "unconfined" to run without the default seccomp profile, and
	// label=disable (pier applies no SELinux labels either way).
	NoNewPrivileges bool   `json:"noNewPrivileges,omitempty"`
	Seccomp         string `json:"seccomp,omitempty"`
	LabelDisable    bool   `json:"labelDisable,omitempty"`
	// UnsetEnv and UnsetEnvAll remove default variables (containers.conf's,
	// the image's, the host's, and PATH, TERM and container that pier adds
	// at start); HOME and HOSTNAME are always set, as in podman.
	UnsetEnv    []string `json:"unsetEnv,omitempty"`
	UnsetEnvAll bool     `json:"unsetEnvAll,omitempty"`
	// Timeout is --timeout: seconds after which the monitor kills the
	// container (exit code -1); 0 is none.
	Timeout uint `json:"timeout,omitempty"`
	// SdNotifyMode is --sdnotify (container, conmon, healthy, ignore; ""
	// is container); SdNotifySocket the NOTIFY_SOCKET pier was given at
	// create, to which the start reports (none with ignore).
	SdNotifyMode   string `json:"sdNotifyMode,omitempty"`
	SdNotifySocket string `json:"sdNotifySocket,omitempty"`
	// Memory is the container's memory cgroup limits, nil without any.
	Memory *spec.LinuxMemory `json:"memory,omitempty"`
	Namespaces
	Security
	Limits
	Sandbox
	Identity

	// Dependencies are objects the container needs while it exists; the
	// store refuses to remove them first.
	Dependencies []Dependency `json:"dependencies,omitempty"`

	// Pod is the ID of the pod the container belongs to; IsInfra marks
	// the pod's infra container, which holds the namespaces members join.
	Pod     string `json:"pod,omitempty"`
	IsInfra bool   `json:"isInfra,omitempty"`
	// InitContainerType makes a member a pod init container (create
	// --init-ctr): "always" runs to completion at every pod start before
	// the other members, "once" only at the first, then it is removed.
	InitContainerType string `json:"initContainerType,omitempty"`
	// A member joins the infra container's namespaces through
	// Namespaces' "container:ID" modes.

	// IsService marks a kube play service container: it runs while the
	// pods that name it (PodConfig.ServiceContainerID) run.
	IsService bool `json:"isService,omitempty"`
	// KubeExitCodePropagation is a service container's "none", "all" or
	// "any": whether it is killed (exit 137) rather than stopped when all,
	// or any, of its pods' containers failed.
	KubeExitCodePropagation string `json:"kubeExitCodePropagation,omitempty"`
}

// Listed is the part of the config that listings read: ps's columns,
// --format fields and filters, sync events, and the status sync of every
// read (runtime, healthcheck, --rm). Listings decode only these fields
// (state.Store.ListContainers); tests hold that a listing of a full
// config and of its Listed part print the same.
func (c *ContainerConfig) Listed() ContainerConfig {
	return ContainerConfig{
		ID: c.ID, Name: c.Name, Created: c.Created,
		Image: c.Image, ImageID: c.ImageID, RawImage: c.RawImage,
		Cmd: c.Cmd, Labels: c.Labels, Mounts: c.Mounts,
		NetworkMode: c.NetworkMode, Networks: c.Networks,
		PortMappings: c.PortMappings, ExposedPorts: c.ExposedPorts,
		RestartPolicy: c.RestartPolicy, AutoRemove: c.AutoRemove, Runtime: c.Runtime,
		HealthCheck: c.HealthCheck, HealthLogDestination: c.HealthLogDestination,
		Pod: c.Pod, IsInfra: c.IsInfra,
	}
}

// Kinds of objects a container can depend on.
const (
	KindContainer = "container"
	// KindVolume (volume.go), KindPod (pod.go); KindNetwork comes with
	// network objects in the store.
)

// Dependency is one object a container needs.
type Dependency struct {
	Kind   string `json:"kind"` // KindContainer, ...
	ID     string `json:"id"`
	Reason string `json:"reason"` // what for, e.g. "netns"
}

// RunFiles are files outside pier's directories that pier writes for the
// user: the container's ID (removed with the container), the monitor's and
// the container's PIDs (left in place, as podman does).
type RunFiles struct {
	CIDFile        string `json:"cidFile,omitempty"`
	MonitorPidFile string `json:"monitorPidFile,omitempty"`
	PidFile        string `json:"pidFile,omitempty"`
}

// ContainerState changes over the container's life. It is saved whole.
type ContainerState struct {
	Status        Status    `json:"status"`
	PID           int       `json:"pid,omitempty"`
	MonitorPID    int       `json:"monitorPid,omitempty"`
	StartedAt     time.Time `json:"startedAt,omitempty"`
	FinishedAt    time.Time `json:"finishedAt,omitempty"`
	ExitCode      int32     `json:"exitCode"`
	OOMKilled     bool      `json:"oomKilled,omitempty"`
	Mounted       bool      `json:"mounted,omitempty"`
	Mountpoint    string    `json:"mountpoint,omitempty"`
	StoppedByUser bool      `json:"stoppedByUser,omitempty"`
	Error         string    `json:"error,omitempty"`
	RestartCount  uint      `json:"restartCount,omitempty"`
	// Health is read from the run's health file when the container is
	// loaded (never stored with the state): nil without a healthcheck.
	Health *HealthCheckResults `json:"-"`
	// Start times (clock ticks since boot) of PID and MonitorPID: a PID
	// alone may have been reused by an unrelated process.
	PIDStart     uint64 `json:"pidStart,omitempty"`
	MonitorStart uint64 `json:"monitorStart,omitempty"`
	// StopperPID/StopperStart name the pier process waiting in a stop
	// (status "stopping"): if it dies, the container is running again.
	StopperPID   int    `json:"stopperPid,omitempty"`
	StopperStart uint64 `json:"stopperStart,omitempty"`
	// NetNS is the container's own network namespace (bind mount path),
	// recorded before it is set up so that a crash is cleaned up later;
	// NetworkStatus is netavark's answer, which holds the addresses
	// allocated to the container (pier's IPAM reads them back).
	NetNS         string                       `json:"netns,omitempty"`
	NetworkStatus map[string]types.StatusBlock `json:"networkStatus,omitempty"`
	// SlirpPID is the slirp4netns process serving NetNS (killed at
	// teardown when it still is slirp4netns) and SlirpSubnet its subnet,
	// from which the container's address and resolver follow.
	SlirpPID    int    `json:"slirpPid,omitempty"`
	SlirpSubnet string `json:"slirpSubnet,omitempty"`
	// ExecSessions are the container's exec sessions by ID, kept while
	// they are attached or (exec -d) until the container starts again.
	ExecSessions map[string]*ExecSession `json:"execSessions,omitempty"`
	// ImageMounts are the images this run mounted for --mount
	// type=image, released at cleanup.
	ImageMounts []string `json:"imageMounts,omitempty"`
}

// ExecSession is one `exec` into a running container. Its monitor's run
// dir holds its exit file; the session has exited once that exists.
type ExecSession struct {
	ID         string   `json:"id"`
	Command    []string `json:"command"`
	Terminal   bool     `json:"terminal,omitempty"`
	Stdin      bool     `json:"stdin,omitempty"`
	User       string   `json:"user,omitempty"`
	WorkDir    string   `json:"workDir,omitempty"`
	Privileged bool     `json:"privileged,omitempty"`
	Detached   bool     `json:"detached,omitempty"`
	PID        int      `json:"pid,omitempty"`
	MonitorPID int      `json:"monitorPid,omitempty"`
}

// Container is what the state store keeps for one container.
type Container struct {
	Config ContainerConfig `json:"config"`
	State  ContainerState  `json:"state"`
}

// Running reports whether a process may be alive in the container.
func (s *ContainerState) Running() bool {
	return s.Status == StatusRunning || s.Status == StatusPaused || s.Status == StatusStopping
}

// ResetForReboot applies libpod's rule after a reboot: anything that ran
// during the last boot becomes exited; anything only created becomes
// configured; runtime-only facts are forgotten.
func (s *ContainerState) ResetForReboot() {
	switch s.Status {
	case StatusStopped, StatusExited, StatusRunning, StatusPaused, StatusStopping:
		s.Status = StatusExited
	case StatusRemoving:
	default:
		s.Status = StatusConfigured
	}
	s.PID, s.PIDStart = 0, 0
	s.MonitorPID, s.MonitorStart = 0, 0
	s.StopperPID, s.StopperStart = 0, 0
	s.Mounted = false
	s.Mountpoint = ""
	s.StoppedByUser = false
	// The netns mounts, interfaces and firewall rules went with the boot.
	s.NetNS = ""
	s.NetworkStatus = nil
	s.SlirpPID, s.SlirpSubnet = 0, ""
	s.ExecSessions = nil
}

// Restart policies (--restart), podman's names.
const (
	RestartNo            = "no"
	RestartAlways        = "always"
	RestartOnFailure     = "on-failure"
	RestartUnlessStopped = "unless-stopped"
)
