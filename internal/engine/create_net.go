package engine

import (
	"fmt"
	"log/slog"
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
// joins (each checked to exist) and its ports and DNS options.
func (r *Runtime) applyNetwork(cfg *define.ContainerConfig, req *CreateRequest) error {
	mode := req.NetworkMode
	if mode == "" || mode == "private" {
		mode = r.defaultNetworkMode()
	}
	switch {
	case mode == "none" || mode == "host" || strings.HasPrefix(mode, netnsPrefix):
		cfg.NetworkMode = mode
	case mode == "bridge":
		cfg.NetworkMode = "bridge"
		cfg.Networks = map[string]types.PerNetworkOptions{r.networks().Default(): {InterfaceName: "eth0"}}
	case mode == slirpMode || strings.HasPrefix(mode, slirpMode+":"):
		cfg.NetworkMode = slirpMode
		if _, opts, ok := strings.Cut(mode, ":"); ok {
			cfg.NetworkOptions = map[string][]string{slirpMode: strings.Split(opts, ",")}
		}
	case strings.HasPrefix(mode, "ns:") || strings.HasPrefix(mode, "pasta"):
		return fmt.Errorf("network mode %q is not supported yet: %w", mode, errdefs.ErrNotImplemented)
	default:
		if err := r.namedNetworks(cfg, mode); err != nil {
			return err
		}
	}
	if err := r.applyPorts(cfg, req); err != nil {
		return err
	}
	cfg.DNSServers, cfg.DNSSearch, cfg.DNSOptions = req.DNSServers, req.DNSSearch, req.DNSOptions
	for _, h := range req.AddHosts {
		name, ip, ok := strings.Cut(h, ":")
		if !ok || name == "" || ip == "" {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid add-host: %s", h)
		}
	}
	cfg.AddHosts = req.AddHosts
	return nil
}

// namedNetworks is --network NAME[,NAME2]: each must exist; interfaces are
// eth0, eth1... in the order given, as podman names them.
func (r *Runtime) namedNetworks(cfg *define.ContainerConfig, mode string) error {
	cfg.NetworkMode = "bridge"
	cfg.Networks = map[string]types.PerNetworkOptions{}
	for i, name := range strings.Split(mode, ",") {
		if strings.Contains(name, ":") {
			return fmt.Errorf("network options in %q are not supported yet: %w", name, errdefs.ErrNotImplemented)
		}
		n, err := r.networks().Lookup(name)
		if err != nil {
			return err
		}
		cfg.Networks[n.Name] = types.PerNetworkOptions{InterfaceName: fmt.Sprintf("eth%d", i)}
	}
	return nil
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
