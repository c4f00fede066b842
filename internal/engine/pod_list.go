package engine

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/specgen"
)

// PodContainerInfo is one container of a pod in inspect's shape.
type PodContainerInfo struct {
	ID    string `json:"Id"`
	Name  string `json:"Name"`
	State string `json:"State"`
}

// PodInfraInspect is the infra part of pod inspect.
type PodInfraInspect struct {
	PortBindings       map[string][]define.InspectHostPort `json:"PortBindings"`
	HostNetwork        bool                                `json:"HostNetwork"`
	StaticIP           string                              `json:"StaticIP"`
	StaticMAC          string                              `json:"StaticMAC"`
	NoManageResolvConf bool                                `json:"NoManageResolvConf"`
	DNSServer          []string                            `json:"DNSServer"`
	DNSSearch          []string                            `json:"DNSSearch"`
	DNSOption          []string                            `json:"DNSOption"`
	NoManageHostname   bool                                `json:"NoManageHostname"`
	NoManageHosts      bool                                `json:"NoManageHosts"`
	HostAdd            []string                            `json:"HostAdd"`
	HostsFile          string                              `json:"HostsFile"`
	Networks           []string                            `json:"Networks"`
	NetworkOptions     map[string][]string                 `json:"NetworkOptions"`
	PidNS              string                              `json:"pid_ns"`
	UserNS             string                              `json:"userns"`
	UtsNS              string                              `json:"uts_ns"`
}

// PodInspectReport is `pod inspect`'s shape (podman 5's field names).
type PodInspectReport struct {
	ID               string             `json:"Id"`
	Name             string             `json:"Name"`
	Created          time.Time          `json:"Created"`
	CreateCommand    []string           `json:"CreateCommand,omitempty"`
	ExitPolicy       string             `json:"ExitPolicy"`
	State            string             `json:"State"`
	Hostname         string             `json:"Hostname"`
	Labels           map[string]string  `json:"Labels,omitempty"`
	CreateCgroup     bool               `json:"CreateCgroup"`
	CgroupParent     string             `json:"CgroupParent"`
	CgroupPath       string             `json:"CgroupPath,omitempty"`
	CreateInfra      bool               `json:"CreateInfra"`
	InfraContainerID string             `json:"InfraContainerID,omitempty"`
	InfraConfig      *PodInfraInspect   `json:"InfraConfig,omitempty"`
	SharedNamespaces []string           `json:"SharedNamespaces,omitempty"`
	NumContainers    uint               `json:"NumContainers"`
	Containers       []PodContainerInfo `json:"Containers"`
	// The pod cgroup's limits, under podman's JSON names.
	CPUPeriod   uint64   `json:"cpu_period,omitempty"`
	CPUQuota    int64    `json:"cpu_quota,omitempty"`
	CPUSetCPUs  string   `json:"cpuset_cpus,omitempty"`
	CPUSetMems  string   `json:"cpuset_mems,omitempty"`
	MemoryLimit uint64   `json:"memory_limit,omitempty"`
	MemorySwap  uint64   `json:"memory_swap,omitempty"`
	SecurityOpt []string `json:"security_opt,omitempty"`
	LockNumber  uint32   `json:"LockNumber"`
}

// PodReport is one pod as `pod ps` lists it: the pod, its containers and
// its status, computed from theirs.
type PodReport struct {
	Pod        *define.Pod
	Status     string
	Containers []*define.Container
	// Networks are the infra container's networks.
	Networks []string
}

// InfraID is the pod's infra container ("" without one).
func (p *PodReport) InfraID() string { return p.Pod.Config.InfraContainerID }

// Pods lists every pod with its containers and status, oldest first. It
// takes no locks: a pod removed while listing is simply left out.
func (r *Runtime) Pods(ctx context.Context) ([]*PodReport, error) {
	pods, err := r.store.Pods(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*PodReport, 0, len(pods))
	for _, p := range pods {
		if err := r.repairInfraID(ctx, p); err != nil {
			return nil, err
		}
		rep, err := r.podReport(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
	return out, nil
}

func (r *Runtime) podReport(ctx context.Context, p *define.Pod) (*PodReport, error) {
	members, err := r.podMembers(ctx, p.Config.ID)
	if err != nil {
		return nil, err
	}
	rep := &PodReport{Pod: p, Status: podStatus(members), Containers: members}
	for _, c := range members {
		if c.Config.IsInfra {
			rep.Networks = slices.Sorted(maps.Keys(c.Config.Networks))
		}
	}
	return rep, nil
}

// PodInspect reports a pod in podman's inspect shape.
func (r *Runtime) PodInspect(ctx context.Context, nameOrID string) (*PodInspectReport, error) {
	p, err := r.LookupPod(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	rep, err := r.podReport(ctx, p)
	if err != nil {
		return nil, err
	}
	cfg := &p.Config
	out := &PodInspectReport{
		ID: cfg.ID, Name: cfg.Name, Created: cfg.Created, CreateCommand: cfg.CreateCmd,
		ExitPolicy: cfg.ExitPolicy, State: rep.Status, Hostname: cfg.Hostname, Labels: cfg.Labels,
		CreateCgroup: !cfg.NoShareParent, CgroupParent: cfg.CgroupParent,
		CreateInfra: cfg.HasInfra, InfraContainerID: cfg.InfraContainerID,
		SharedNamespaces: cfg.SharedNamespaces, SecurityOpt: cfg.Infra.SecurityOpt,
		NumContainers: uint(len(rep.Containers)),
		Containers:    []PodContainerInfo{},
	}
	if !cfg.NoShareParent {
		out.CgroupPath = podCgroupPath(cfg)
	}
	if res := cfg.Resources; res != nil {
		if c := res.CPU; c != nil {
			out.CPUPeriod, out.CPUQuota, out.CPUSetCPUs, out.CPUSetMems = deref(c.Period), deref(c.Quota), c.Cpus, c.Mems
		}
		if m := res.Memory; m != nil {
			out.MemoryLimit, out.MemorySwap = uint64(max(deref(m.Limit), 0)), uint64(max(deref(m.Swap), 0))
		}
	}
	for _, c := range rep.Containers {
		out.Containers = append(out.Containers, PodContainerInfo{ID: c.Config.ID, Name: c.Config.Name, State: c.State.Status.String()})
		if c.Config.IsInfra {
			out.InfraConfig = infraInspect(c, rep.Networks)
			out.InfraConfig.PidNS = nsInspect(cfg.Infra.PIDNS, "private")
			out.InfraConfig.UtsNS = nsInspect(cfg.Infra.UTSNS, "private")
			out.InfraConfig.UserNS = nsInspect(cfg.Infra.UserNS, "host")
			if len(c.Config.UIDMap) > 0 {
				out.InfraConfig.UserNS = "private"
			}
			out.InfraConfig.NoManageHostname = cfg.NoHostname
		}
	}
	return out, nil
}

func infraInspect(c *define.Container, networks []string) *PodInfraInspect {
	in := &PodInfraInspect{
		PortBindings: inspectPorts(&c.Config),
		HostNetwork:  c.Config.NetworkMode == "host",
		DNSServer:    c.Config.DNSServers, DNSSearch: c.Config.DNSSearch, DNSOption: c.Config.DNSOptions,
		HostAdd:  c.Config.AddHosts,
		Networks: networks,
		PidNS:    "private", UserNS: "host", UtsNS: "private",
	}
	if in.PortBindings == nil {
		in.PortBindings = map[string][]define.InspectHostPort{}
	}
	for _, name := range networks {
		opts := c.Config.Networks[name]
		if len(opts.StaticIPs) > 0 && in.StaticIP == "" {
			in.StaticIP = opts.StaticIPs[0].String()
		}
		if len(opts.StaticMAC) > 0 && in.StaticMAC == "" {
			in.StaticMAC = opts.StaticMAC.String()
		}
	}
	return in
}

// PodTop is `pod top`: the processes of every running container of the
// pod, infra first, under one header row, as podman 5 prints them. A pod
// with nothing running has no rows.
func (r *Runtime) PodTop(ctx context.Context, nameOrID string, descriptors []string) ([][]string, error) {
	p, err := r.LookupPod(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	members, err := r.podMembers(ctx, p.Config.ID)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, c := range members {
		if c.State.Status != define.StatusRunning {
			continue
		}
		rows, err := r.ContainerTop(ctx, c, descriptors)
		if errors.Is(err, define.ErrCtrStateInvalid) {
			continue // stopped since the listing
		}
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && len(rows) > 0 {
			rows = rows[1:] // one header for all
		}
		out = append(out, rows...)
	}
	return out, nil
}

// PodContainers returns the pod's containers, infra first, states synced.
func (r *Runtime) PodContainers(ctx context.Context, nameOrID string) ([]*define.Container, error) {
	p, err := r.LookupPod(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	return r.podMembers(ctx, p.Config.ID)
}

// nsInspect is a namespace mode as pod inspect shows it: podman's kind
// ("host", "private", ...), def when none was given.
func nsInspect(mode, def string) string {
	if mode == "" {
		return def
	}
	kind, _ := specgen.SplitNamespace(mode)
	if kind == define.NSKeepID {
		return "private"
	}
	return kind
}
