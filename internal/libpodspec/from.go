package libpodspec

import (
	"strconv"
	"strings"
	"syscall"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
)

// FromContainer is `generate spec`: the SpecGenerator that creates a
// container configured as c, named name, from the same image ID. It is
// what libpod's create endpoint takes back.
func FromContainer(c *define.Container, name string) *SpecGenerator {
	cf := &c.Config
	sp := &SpecGenerator{
		Name: name, Image: cf.ImageID, CreateCommand: cf.CreateCmd, Command: cf.Cmd,
		Entrypoint: cf.Entrypoint, WorkDir: cf.WorkingDir, User: cf.User, Groups: cf.GroupAdd,
		Labels: cf.Labels, Annotations: cf.Annotations, Hostname: cf.Hostname,
		Terminal: cf.Terminal, Stdin: cf.Stdin, Remove: cf.AutoRemove, ReadOnly: cf.ReadOnly,
		Restart: cf.RestartPolicy, Init: cf.Init, InitPath: cf.InitPath,
		Privileged: cf.Privileged, CapAdd: cf.CapAdd, CapDrop: cf.CapDrop, NoNewPrivs: cf.NoNewPrivileges,
		UnsetEnv: cf.UnsetEnv, UnsetEnvAll: cf.UnsetEnvAll,
		PidNS: namespace(cf.PIDMode), UtsNS: namespace(cf.UTSMode), IpcNS: namespace(cf.IPCMode),
		CgroupNS: namespace(cf.CgroupNSMode), UserNS: namespace(cf.UserNSMode),
		PublishAll: cf.PublishAll, DNSServers: cf.DNSServers, DNSSearch: cf.DNSSearch,
		DNSOptions: cf.DNSOptions, HostAdd: cf.AddHosts, UseImageHosts: cf.UseImageHosts,
		VolumesFrom: cf.VolumesFrom, Sysctl: cf.Sysctls, Rlimits: cf.Rlimits,
		OOMScoreAdj: cf.OOMScoreAdj, CgroupParent: cf.CgroupParent, Timezone: cf.Timezone, Pod: cf.Pod,
		LogConfig: LogConfig{Driver: cf.LogDriver, Options: cf.LogOptions, Size: cf.LogSizeMax},
	}
	if cf.StopSignal != 0 {
		sig := syscall.Signal(cf.StopSignal)
		sp.StopSignal = &sig
	}
	if cf.StopTimeout != 0 {
		t := cf.StopTimeout
		sp.StopTimeout = &t
	}
	if cf.RestartRetries != 0 {
		n := cf.RestartRetries
		sp.RestartTries = &n
	}
	if cf.ShmSize != 0 {
		n := cf.ShmSize
		sp.ShmSize = &n
	}
	if len(cf.Env) > 0 {
		sp.Env = map[string]string{}
		for _, kv := range cf.Env {
			k, v, _ := strings.Cut(kv, "=")
			sp.Env[k] = v
		}
	}
	network(sp, cf)
	storage(sp, cf)
	sp.Resources = resources(cf)
	return sp
}

// namespace turns pier's --pid/--ipc/... value into podman's Namespace.
func namespace(mode string) Namespace {
	switch {
	case mode == "":
		return Namespace{Mode: "default"}
	case strings.HasPrefix(mode, "container:"):
		return Namespace{Mode: "container", Value: strings.TrimPrefix(mode, "container:")}
	case strings.HasPrefix(mode, "ns:"):
		return Namespace{Mode: "path", Value: strings.TrimPrefix(mode, "ns:")}
	}
	return Namespace{Mode: mode}
}

// network maps the network mode, the networks joined (by name only: the
// aliases and addresses were the original's) and the ports.
func network(sp *SpecGenerator, cf *define.ContainerConfig) {
	sp.NetNS = namespace(cf.NetworkMode)
	if len(cf.Networks) > 0 {
		sp.NetNS = Namespace{Mode: "bridge"}
		sp.Networks = map[string]types.PerNetworkOptions{}
		for n := range cf.Networks {
			sp.Networks[n] = types.PerNetworkOptions{}
		}
	}
	for _, p := range cf.PortMappings {
		sp.PortMappings = append(sp.PortMappings, PortMapping{HostIP: p.HostIP, ContainerPort: p.ContainerPort,
			HostPort: p.HostPort, Range: p.Range, Protocol: p.Protocol})
	}
	for _, e := range cf.ExposedPorts {
		port, proto, _ := strings.Cut(e, "/")
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			continue // pier records only valid ports
		}
		if proto == "" {
			proto = "tcp"
		}
		if sp.Expose == nil {
			sp.Expose = map[uint16]string{}
		}
		sp.Expose[uint16(n)] = proto
	}
}

// storage maps mounts, volumes and devices.
func storage(sp *SpecGenerator, cf *define.ContainerConfig) {
	for _, m := range cf.Mounts {
		if m.Type == "volume" {
			sp.Volumes = append(sp.Volumes, NamedVolume{Name: m.Name, Dest: m.Destination, Options: m.Options})
			continue
		}
		sp.Mounts = append(sp.Mounts, Mount{Destination: m.Destination, Type: m.Type, Source: m.Source, Options: m.Options})
	}
	for _, d := range cf.Devices {
		p := d.PathOnHost
		if d.PathInContainer != "" && d.PathInContainer != d.PathOnHost || d.Permissions != "" && d.Permissions != "rwm" {
			p += ":" + d.PathInContainer
			if d.Permissions != "" {
				p += ":" + d.Permissions
			}
		}
		sp.Devices = append(sp.Devices, struct{ Path string }{p})
	}
}

// resources are the cgroup limits the container was created with.
func resources(cf *define.ContainerConfig) *spec.LinuxResources {
	r := &spec.LinuxResources{Memory: cf.Memory, CPU: cf.CPU, BlockIO: cf.BlockIO}
	if cf.PidsLimit != 0 {
		n := cf.PidsLimit
		r.Pids = &spec.LinuxPids{Limit: &n}
	}
	if r.Memory == nil && r.CPU == nil && r.BlockIO == nil && r.Pids == nil {
		return nil
	}
	return r
}
