package engine

import (
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sort"
	"strings"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/network"
)

// defaultNetworkMode is the mode of a container created without
// --network: containers.conf's netns, else podman's rootful default, the
// bridge to the default network.
func (r *Runtime) defaultNetworkMode() string {
	if c := r.conf.Common; c != nil {
		switch c.Containers.NetNS {
		case "host", "none", "bridge":
			return c.Containers.NetNS
		}
	}
	return "bridge"
}

// applyNetwork settles the network mode, the networks a bridge container
// joins (each checked to exist, with its per-network options) and its
// ports and DNS options.
func (r *Runtime) applyNetwork(cfg *define.ContainerConfig, req *CreateRequest) error {
	f, err := network.ParseNetworkFlag(append([]string{req.NetworkMode}, req.ExtraNetworks...), "")
	if err != nil {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "%v", err)
	}
	if req.NetworkMode == "" && len(req.ExtraNetworks) == 0 {
		f.Order, f.Networks = nil, map[string]types.PerNetworkOptions{}
	}
	if err := req.Static.Apply(&f); err != nil {
		return err
	}
	mode := req.NetworkMode
	// A pod member's "pod" mode is settled by applyPod, which joins the
	// infra container's namespace; until then it is the default.
	if f.Mode == "pod" && req.Pod != "" {
		f.Mode = "private"
	}
	if f.Mode == "private" {
		mode = r.defaultNetworkMode()
	}
	switch {
	case mode == "none" || mode == "host" || strings.HasPrefix(mode, netnsPrefix):
		cfg.NetworkMode = mode
	case f.Mode == slirpMode:
		cfg.NetworkMode, cfg.NetworkOptions = slirpMode, f.Options
	case f.Mode == "ns" || f.Mode == "pasta" || f.Mode == "pod":
		return fmt.Errorf("network mode %q is not supported yet: %w", mode, errdefs.ErrNotImplemented)
	default:
		if len(f.Order) == 0 {
			f.Order = []string{network.DefaultName}
			f.Networks[network.DefaultName] = types.PerNetworkOptions{}
		}
		if err := r.namedNetworks(cfg, f); err != nil {
			return err
		}
	}
	if err := r.applyPorts(cfg, req); err != nil {
		return err
	}
	return r.applyNameFlags(cfg, req)
}

// namedNetworks resolves a bridge container's networks to their names
// ("default" is the default network); interfaces not named are eth0,
// eth1... in the order given, skipping names taken, as podman assigns
// them.
func (r *Runtime) namedNetworks(cfg *define.ContainerConfig, f network.NetworkFlag) error {
	cfg.NetworkMode = "bridge"
	cfg.Networks = map[string]types.PerNetworkOptions{}
	var used []string
	for _, o := range f.Networks {
		if o.InterfaceName == "" {
			continue
		}
		if slices.Contains(used, o.InterfaceName) {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "network interface name %q is already assigned to another network", o.InterfaceName)
		}
		used = append(used, o.InterfaceName)
	}
	for _, key := range f.Order {
		name := key
		if key == network.DefaultName {
			name = r.networks().Default()
		}
		n, err := r.networks().Lookup(name)
		if err != nil {
			return err
		}
		o := f.Networks[key]
		if o.InterfaceName == "" {
			o.InterfaceName = freeInterfaceName(used)
			used = append(used, o.InterfaceName)
		}
		for _, ip := range o.StaticIPs {
			if !inSubnets(n, ip) {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "requested static ip %s not in any subnet on network %s", ip, n.Name)
			}
		}
		cfg.Networks[n.Name] = o
	}
	return nil
}

// freeInterfaceName is the first ethN not in used.
func freeInterfaceName(used []string) string {
	for i := 0; ; i++ {
		if n := fmt.Sprintf("eth%d", i); !slices.Contains(used, n) {
			return n
		}
	}
}

func inSubnets(n types.Network, ip net.IP) bool {
	return slices.ContainsFunc(n.Subnets, func(s types.Subnet) bool { return s.Subnet.Contains(ip) })
}

// ownNetNS tells the modes in which pier makes the container a network
// namespace of its own, joined to networks or to slirp4netns.
func ownNetNS(cfg *define.ContainerConfig) bool {
	return cfg.NetworkMode == "bridge" || cfg.NetworkMode == slirpMode
}

// applyPorts parses -p and --expose; random host ports are picked now, as
// podman picks them at create, so `port` shows them before start.
func (r *Runtime) applyPorts(cfg *define.ContainerConfig, req *CreateRequest) error {
	var pm []types.PortMapping
	for _, p := range req.Publish {
		m, err := network.ParsePublish(p)
		if err != nil {
			return err
		}
		pm = append(pm, m...)
	}
	for _, e := range req.Expose {
		ports, err := network.ParseExpose(e)
		if err != nil {
			return err
		}
		cfg.ExposedPorts = append(cfg.ExposedPorts, ports...)
	}
	cfg.PublishAll = req.PublishAll
	if !ownNetNS(cfg) {
		if len(pm) > 0 {
			slog.Warn("Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use")
		}
		return nil
	}
	return assignHostPorts(cfg, pm)
}

func assignHostPorts(cfg *define.ContainerConfig, pm []types.PortMapping) error {
	for i := range pm {
		if pm[i].HostPort != 0 {
			continue
		}
		p, err := network.FreePort(pm[i].Protocol, pm[i].HostIP)
		if err != nil {
			return err
		}
		pm[i].HostPort = p
		pm[i].Range = 1
	}
	cfg.PortMappings = append(cfg.PortMappings, pm...)
	return nil
}

// publishAll is -P: every exposed port (the image's and --expose's) not
// already published gets a random host port.
func publishAll(cfg *define.ContainerConfig, img *image.Image) error {
	exposed := slices.Clone(cfg.ExposedPorts)
	for p := range img.Config.Config.ExposedPorts {
		exposed = append(exposed, p)
	}
	sort.Strings(exposed)
	if !cfg.PublishAll || !ownNetNS(cfg) {
		return nil
	}
	var pm []types.PortMapping
	for _, e := range slices.Compact(exposed) {
		ports, err := network.ParsePublish(e)
		if err != nil {
			return err
		}
		for _, p := range ports {
			if !published(cfg.PortMappings, p) {
				pm = append(pm, p)
			}
		}
	}
	return assignHostPorts(cfg, pm)
}

func published(pm []types.PortMapping, p types.PortMapping) bool {
	return slices.ContainsFunc(pm, func(m types.PortMapping) bool {
		return m.Protocol == p.Protocol && p.ContainerPort >= m.ContainerPort && p.ContainerPort < m.ContainerPort+max(m.Range, 1)
	})
}
