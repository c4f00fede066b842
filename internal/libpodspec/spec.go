// Package libpodspec holds podman's SpecGenerator, the JSON of libpod's
// container create endpoint and of `generate spec`, as far as pier applies
// it. Fields are omitted when empty, as podman writes them.
package libpodspec

import (
	"fmt"
	"strings"
	"syscall"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/libnetwork/types"
)

// Namespace is podman's Namespace: a mode and, for container/path, a value.
type Namespace struct {
	Mode  string `json:"nsmode,omitempty"`
	Value string `json:"value,omitempty"`
}

// Flag is the namespace as the CLI's --pid/--network value.
func (n Namespace) Flag() string {
	switch n.Mode {
	case "", "default":
		return ""
	case "container", "ns":
		return n.Mode + ":" + n.Value
	case "path":
		return "ns:" + n.Value
	}
	return n.Mode
}

// Mount is an OCI mount: bind, tmpfs and the like.
type Mount struct {
	Destination string   `json:"destination,omitempty"`
	Type        string   `json:"type,omitempty"`
	Source      string   `json:"source,omitempty"`
	Options     []string `json:"options,omitempty"`
}

// NamedVolume is a named or anonymous volume, spelled as podman's.
type NamedVolume struct {
	Name, Dest  string
	SubPath     string `json:",omitempty"`
	Options     []string
	IsAnonymous bool
}

// PortMapping is a published port (range).
type PortMapping struct {
	HostIP        string `json:"host_ip,omitempty"`
	ContainerPort uint16 `json:"container_port,omitempty"`
	HostPort      uint16 `json:"host_port,omitempty"`
	Range         uint16 `json:"range,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
}

// LogConfig is the log driver and its options.
type LogConfig struct {
	Driver  string            `json:"driver,omitempty"`
	Path    string            `json:"path,omitempty"`
	Options map[string]string `json:"options,omitempty"`
	Size    int64             `json:"size,omitempty"`
}

// SpecGenerator is the part of podman's SpecGenerator pier applies. The
// REST API refuses a create that sets any other field beyond podman's
// "not set" values, so a client never believes an option was applied.
type SpecGenerator struct {
	Name          string                             `json:"name,omitempty"`
	Image         string                             `json:"image,omitempty"`
	RawImageName  string                             `json:"raw_image_name,omitempty"`
	CreateCommand []string                           `json:"containerCreateCommand,omitempty"`
	Command       []string                           `json:"command,omitempty"`
	Entrypoint    []string                           `json:"entrypoint,omitempty"`
	Env           map[string]string                  `json:"env,omitempty"`
	EnvHost       bool                               `json:"env_host,omitempty"`
	HTTPProxy     bool                               `json:"httpproxy,omitempty"`
	UnsetEnv      []string                           `json:"unsetenv,omitempty"`
	UnsetEnvAll   bool                               `json:"unsetenvall,omitempty"`
	WorkDir       string                             `json:"work_dir,omitempty"`
	User          string                             `json:"user,omitempty"`
	Groups        []string                           `json:"groups,omitempty"`
	Labels        map[string]string                  `json:"labels,omitempty"`
	Annotations   map[string]string                  `json:"annotations,omitempty"`
	Hostname      string                             `json:"hostname,omitempty"`
	Terminal      bool                               `json:"terminal,omitempty"`
	Stdin         bool                               `json:"stdin,omitempty"`
	Remove        bool                               `json:"remove,omitempty"`
	ReadOnly      bool                               `json:"read_only_filesystem,omitempty"`
	StopSignal    *syscall.Signal                    `json:"stop_signal,omitempty"`
	StopTimeout   *uint                              `json:"stop_timeout,omitempty"`
	Restart       string                             `json:"restart_policy,omitempty"`
	RestartTries  *uint                              `json:"restart_tries,omitempty"`
	Init          bool                               `json:"init,omitempty"`
	InitPath      string                             `json:"init_path,omitempty"`
	Privileged    bool                               `json:"privileged,omitempty"`
	CapAdd        []string                           `json:"cap_add,omitempty"`
	CapDrop       []string                           `json:"cap_drop,omitempty"`
	NoNewPrivs    bool                               `json:"no_new_privileges,omitempty"`
	PidNS         Namespace                          `json:"pidns,omitempty"`
	UtsNS         Namespace                          `json:"utsns,omitempty"`
	IpcNS         Namespace                          `json:"ipcns,omitempty"`
	CgroupNS      Namespace                          `json:"cgroupns,omitempty"`
	UserNS        Namespace                          `json:"userns,omitempty"`
	NetNS         Namespace                          `json:"netns,omitempty"`
	Networks      map[string]types.PerNetworkOptions `json:"Networks,omitempty"`
	PortMappings  []PortMapping                      `json:"portmappings,omitempty"`
	PublishAll    bool                               `json:"publish_image_ports,omitempty"`
	Expose        map[uint16]string                  `json:"expose,omitempty"`
	DNSServers    []string                           `json:"dns_server,omitempty"`
	DNSSearch     []string                           `json:"dns_search,omitempty"`
	DNSOptions    []string                           `json:"dns_option,omitempty"`
	HostAdd       []string                           `json:"hostadd,omitempty"`
	UseImageHosts bool                               `json:"use_image_hosts,omitempty"`
	Mounts        []Mount                            `json:"mounts,omitempty"`
	Volumes       []NamedVolume                      `json:"volumes,omitempty"`
	VolumesFrom   []string                           `json:"volumes_from,omitempty"`
	Devices       []struct{ Path string }            `json:"devices,omitempty"`
	Sysctl        map[string]string                  `json:"sysctl,omitempty"`
	Rlimits       []spec.POSIXRlimit                 `json:"r_limits,omitempty"`
	Resources     *spec.LinuxResources               `json:"resource_limits,omitempty"`
	ShmSize       *int64                             `json:"shm_size,omitempty"`
	OOMScoreAdj   *int                               `json:"oom_score_adj,omitempty"`
	CgroupParent  string                             `json:"cgroup_parent,omitempty"`
	LogConfig     LogConfig                          `json:"log_configuration,omitempty"`
	Timezone      string                             `json:"timezone,omitempty"`
	Pod           string                             `json:"pod,omitempty"`
	// Volatile asks for storage without fsync (run --rm); pier's layers
	// behave the same either way, so it needs nothing.
	Volatile bool `json:"volatile,omitempty"`
}

// Flag is the mapping as a -p value.
func (p PortMapping) Flag() string {
	rng := func(start uint16) string {
		if p.Range > 1 {
			return fmt.Sprintf("%d-%d", start, start+p.Range-1)
		}
		return fmt.Sprint(start)
	}
	v := rng(p.ContainerPort)
	if p.Protocol != "" {
		v += "/" + p.Protocol
	}
	host := ""
	if p.HostPort != 0 {
		host = rng(p.HostPort)
	}
	ip := p.HostIP
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	switch {
	case ip != "":
		return ip + ":" + host + ":" + v
	case host != "":
		return host + ":" + v
	}
	return v
}
