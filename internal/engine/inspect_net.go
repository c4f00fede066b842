package engine

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/pier-engine/pier/internal/define"
)

// inspectNetwork is podman's NetworkSettings: published and exposed
// ports, each network's addresses while the container runs, and the
// top-level addresses when it is on exactly one network.
func inspectNetwork(c *define.Container, ids map[string]string) *define.InspectNetworkSettings {
	ns := &define.InspectNetworkSettings{Ports: inspectPorts(&c.Config), SandboxKey: c.State.NetNS,
		Networks: map[string]*define.InspectNetwork{}}
	switch c.Config.NetworkMode {
	case "none", "host":
		ns.Networks[c.Config.NetworkMode] = &define.InspectNetwork{NetworkID: c.Config.NetworkMode}
		return ns
	case "bridge":
	default:
		ns.Networks = nil
		return ns
	}
	for name, opts := range c.Config.Networks {
		in := &define.InspectNetwork{Aliases: append(slices.Clone(opts.Aliases), extraAliases(c)...), NetworkID: ids[name]}
		for _, ifc := range c.State.NetworkStatus[name].Interfaces {
			in.MacAddress = ifc.MacAddress.String()
			for _, a := range ifc.Subnets {
				ones, _ := a.IPNet.Mask.Size()
				gw := ""
				if a.Gateway != nil {
					gw = a.Gateway.String()
				}
				if a.IPNet.IP.To4() != nil {
					in.IPAddress, in.IPPrefixLen, in.Gateway = a.IPNet.IP.String(), ones, gw
				} else {
					in.GlobalIPv6Address, in.GlobalIPv6PrefixLen, in.IPv6Gateway = a.IPNet.IP.String(), ones, gw
				}
			}
		}
		ns.Networks[name] = in
		if len(c.Config.Networks) == 1 {
			ns.Gateway, ns.IPAddress, ns.IPPrefixLen, ns.MacAddress = in.Gateway, in.IPAddress, in.IPPrefixLen, in.MacAddress
			ns.IPv6Gateway, ns.GlobalIPv6Address, ns.GlobalIPv6PrefixLen = in.IPv6Gateway, in.GlobalIPv6Address, in.GlobalIPv6PrefixLen
		}
	}
	return ns
}

// networkIDs are the IDs of the networks c is on.
func (r *Runtime) networkIDs(c *define.Container) map[string]string {
	ids := map[string]string{}
	for name := range c.Config.Networks {
		if n, err := r.networks().Lookup(name); err == nil {
			ids[name] = n.ID
		}
	}
	return ids
}

// inspectPorts maps "port/proto" to the host addresses it is published
// on; an exposed port that is not published maps to null.
func inspectPorts(cfg *define.ContainerConfig) map[string][]define.InspectHostPort {
	out := map[string][]define.InspectHostPort{}
	for _, e := range cfg.ExposedPorts {
		out[e] = nil
	}
	for _, m := range cfg.PortMappings {
		ip := m.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		for i := uint16(0); i < max(m.Range, 1); i++ {
			key := fmt.Sprintf("%d/%s", m.ContainerPort+i, m.Protocol)
			out[key] = append(out[key], define.InspectHostPort{HostIP: ip, HostPort: strconv.Itoa(int(m.HostPort + i))})
		}
	}
	return out
}
