package define

import (
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/errdefs"
)

// KindPod is the dependency kind of a container's pod: the store refuses to
// remove a pod while containers record it.
const KindPod = "pod"

// Pod errors, with podman's texts.
var (
	ErrNoSuchPod = errdefs.New(errdefs.ErrNotFound, "no such pod")
	ErrPodExists = errdefs.New(errdefs.ErrConflict, "pod already exists")
)

// Pod statuses as podman computes them from its containers' statuses.
const (
	PodStateCreated  = "Created"
	PodStateRunning  = "Running"
	PodStateDegraded = "Degraded"
	PodStatePaused   = "Paused"
	PodStateExited   = "Exited"
	PodStateStopped  = "Stopped"
	PodStateErrored  = "Error"
)

// Namespaces a pod can share with its containers (--share).
const (
	PodNSNet    = "net"
	PodNSIPC    = "ipc"
	PodNSUTS    = "uts"
	PodNSPID    = "pid"
	PodNSCgroup = "cgroup"
	// PodNSUser is shared when the infra container has a user namespace
	// of its own (pod create --userns, --uidmap): members join it.
	PodNSUser = "user"
)

// PodConfig is a pod's record; it changes only when the infra container is
// attached to it after its creation.
type PodConfig struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Created   time.Time         `json:"created"`
	CreateCmd []string          `json:"createCommand,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	// Hostname is the pod's UTS hostname (its name unless --hostname).
	Hostname string `json:"hostname,omitempty"`
	// SharedNamespaces lists what members join of the infra container:
	// PodNS* values, sorted.
	SharedNamespaces []string `json:"sharedNamespaces"`
	// ExitPolicy is "continue" or "stop": stop ends the pod when its last
	// regular container exits.
	ExitPolicy string `json:"exitPolicy"`
	// HasInfra says the pod was created with an infra container; its ID
	// is InfraContainerID once created.
	HasInfra         bool   `json:"hasInfra"`
	InfraContainerID string `json:"infraContainerId,omitempty"`
	// ShareVolumes says the infra container holds the pod's volumes,
	// which every member mounts too (volumes-from the infra).
	ShareVolumes bool `json:"shareVolumes,omitempty"`
	// RestartPolicy and RestartRetries are given to members that set no
	// restart policy of their own.
	RestartPolicy  string `json:"restartPolicy,omitempty"`
	RestartRetries uint   `json:"restartRetries,omitempty"`
	// ServiceContainerID is the kube play service container (--service-
	// container) started with the pod and stopped once all its pods are.
	ServiceContainerID string `json:"serviceContainerId,omitempty"`
	// CgroupParent is where the pod's cgroup is made; the pod's
	// containers live under CgroupParent/ID, limited by Resources.
	CgroupParent string               `json:"cgroupParent,omitempty"`
	Resources    *spec.LinuxResources `json:"resources,omitempty"`
	// Infra is what the infra container was created with, shown by
	// pod inspect.
	Infra PodInfraConfig `json:"infra"`
	// NoShareParent (--share-parent=false) leaves members out of the
	// pod's cgroup: no pod cgroup is made.
	NoShareParent bool `json:"noShareParent,omitempty"`
	// Devices and CDIDevices are added to the infra and every member.
	Devices    []Device `json:"devices,omitempty"`
	CDIDevices []string `json:"cdiDevices,omitempty"`
	// NoHostname: neither the infra nor members get /etc/hostname.
	NoHostname bool `json:"noHostname,omitempty"`
}

// PodInfraConfig is the network setup the pod's infra container holds for
// every member.
type PodInfraConfig struct {
	Image         string   `json:"image,omitempty"`
	Command       []string `json:"command,omitempty"`
	Name          string   `json:"name,omitempty"`
	NetworkMode   string   `json:"networkMode,omitempty"`
	Networks      []string `json:"networks,omitempty"`
	Publish       []string `json:"publish,omitempty"`
	DNSServers    []string `json:"dnsServers,omitempty"`
	DNSSearch     []string `json:"dnsSearch,omitempty"`
	DNSOptions    []string `json:"dnsOptions,omitempty"`
	AddHosts      []string `json:"addHosts,omitempty"`
	MacAddress    string   `json:"macAddress,omitempty"`
	PidFile       string   `json:"pidFile,omitempty"`
	ConmonPidFile string   `json:"conmonPidFile,omitempty"`
	// PIDNS, UTSNS and UserNS are the infra container's modes as given
	// ("" is podman's private for pid and uts, host for the user
	// namespace); SecurityOpt its --security-opt values.
	PIDNS       string   `json:"pidNS,omitempty"`
	UTSNS       string   `json:"utsNS,omitempty"`
	UserNS      string   `json:"userNS,omitempty"`
	SecurityOpt []string `json:"securityOpt,omitempty"`
	// ShmSizeSystemd (pod create --shm-size-systemd) sizes the systemd
	// tmpfs mounts of the infra and of every member, over their own, as
	// podman's members inherit it from the infra.
	ShmSizeSystemd int64 `json:"shmSizeSystemd,omitempty"`
}

// Pod is what the state store keeps for one pod; its status is derived
// from its containers' and never stored.
type Pod struct {
	Config PodConfig `json:"config"`
}

// UTSHostname is the hostname of the pod's shared UTS namespace: the
// --hostname given, else the pod's name.
func (p *PodConfig) UTSHostname() string {
	if p.Hostname != "" {
		return p.Hostname
	}
	return p.Name
}

// Shares reports whether the pod's members join the infra's namespace ns.
func (p *PodConfig) Shares(ns string) bool {
	if !p.HasInfra {
		return false
	}
	for _, s := range p.SharedNamespaces {
		if s == ns {
			return true
		}
	}
	return false
}

// Pod init container types (create --init-ctr).
const (
	AlwaysInitContainer  = "always"
	OneShotInitContainer = "once"
)

// PodStatus is podman's rule for a pod's status from its containers'.
func PodStatus(statuses []Status) string {
	n := len(statuses)
	if n == 0 {
		return PodStateCreated
	}
	var running, paused, stopped, created, errored int
	for _, s := range statuses {
		switch s {
		case StatusExited, StatusStopped:
			stopped++
		case StatusRunning, StatusStopping:
			running++
		case StatusPaused:
			paused++
		case StatusCreated, StatusConfigured:
			created++
		default:
			errored++
		}
	}
	switch {
	case running == n:
		return PodStateRunning
	case running > 0:
		return PodStateDegraded
	case paused == n:
		return PodStatePaused
	case stopped == n:
		return PodStateExited
	case stopped > 0:
		return PodStateStopped
	case errored > 0:
		return PodStateErrored
	}
	return PodStateCreated
}
