package libpodspec

import (
	spec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
)

// PodSpecGenerator is the part of podman's PodSpecGenerator that describes
// a pier pod, with podman's JSON names.
type PodSpecGenerator struct {
	Name           string                             `json:"name,omitempty"`
	Hostname       string                             `json:"hostname,omitempty"`
	ExitPolicy     string                             `json:"exit_policy,omitempty"`
	Labels         map[string]string                  `json:"labels,omitempty"`
	NoInfra        bool                               `json:"no_infra,omitempty"`
	InfraCommand   []string                           `json:"infra_command,omitempty"`
	InfraImage     string                             `json:"infra_image,omitempty"`
	InfraName      string                             `json:"infra_name,omitempty"`
	IpcNS          Namespace                          `json:"ipcns"`
	Shared         []string                           `json:"shared_namespaces,omitempty"`
	Restart        string                             `json:"restart_policy,omitempty"`
	RestartTries   *uint                              `json:"restart_tries,omitempty"`
	CreateCommand  []string                           `json:"pod_create_command,omitempty"`
	PidNS          Namespace                          `json:"pidns"`
	UserNS         Namespace                          `json:"userns"`
	UtsNS          Namespace                          `json:"utsns"`
	NetNS          Namespace                          `json:"netns"`
	PortMappings   []PortMapping                      `json:"portmappings,omitempty"`
	Networks       map[string]types.PerNetworkOptions `json:"Networks,omitempty"`
	DNSServers     []string                           `json:"dns_server,omitempty"`
	DNSSearch      []string                           `json:"dns_search,omitempty"`
	DNSOptions     []string                           `json:"dns_option,omitempty"`
	HostAdd        []string                           `json:"hostadd,omitempty"`
	CgroupParent   string                             `json:"cgroup_parent,omitempty"`
	ResourceLimits *spec.LinuxResources               `json:"resource_limits,omitempty"`
	ShmSize        *int64                             `json:"shm_size,omitempty"`
}

// FromPod is `generate spec` of a pod, named name; infra is its infra
// container (nil without one), which holds the pod's namespaces and
// network.
func FromPod(p *define.Pod, infra *define.Container, name string) *PodSpecGenerator {
	pc := &p.Config
	ps := &PodSpecGenerator{
		Name: name, Hostname: pc.Hostname, ExitPolicy: pc.ExitPolicy, Labels: pc.Labels,
		NoInfra: !pc.HasInfra, InfraCommand: pc.Infra.Command, InfraImage: pc.Infra.Image,
		Shared: pc.SharedNamespaces, Restart: pc.RestartPolicy, CreateCommand: pc.CreateCmd,
		CgroupParent: pc.CgroupParent, ResourceLimits: pc.Resources,
		IpcNS: Namespace{Mode: "default"}, PidNS: Namespace{Mode: "default"},
		UserNS: Namespace{Mode: "default"}, UtsNS: Namespace{Mode: "default"}, NetNS: Namespace{Mode: "default"},
	}
	if pc.RestartRetries != 0 {
		n := pc.RestartRetries
		ps.RestartTries = &n
	}
	if infra == nil {
		return ps
	}
	is := FromContainer(infra, "")
	ps.IpcNS, ps.PidNS, ps.UserNS, ps.UtsNS, ps.NetNS = is.IpcNS, is.PidNS, is.UserNS, is.UtsNS, is.NetNS
	ps.PortMappings, ps.Networks, ps.ShmSize = is.PortMappings, is.Networks, is.ShmSize
	ps.DNSServers, ps.DNSSearch, ps.DNSOptions, ps.HostAdd = is.DNSServers, is.DNSSearch, is.DNSOptions, is.HostAdd
	return ps
}
