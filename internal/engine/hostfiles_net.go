package engine

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"sort"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/libnetwork/etchosts"
	"go.podman.io/common/libnetwork/resolvconf"
	"go.podman.io/common/libnetwork/types"
	"go.podman.io/common/libnetwork/util"
	"go.podman.io/common/pkg/config"

	"github.com/pier-engine/pier/internal/define"
)

// writeResolvConf writes the container's resolv.conf as podman 5 does:
// containers.conf's dns_servers and --dns, unless a network gives
// resolvers (aardvark, which forwards to those); else the networks'
// resolvers, else slirp4netns's, plus the host's. A namespace of its own
// drops host resolvers on loopback (they cannot work there).
func (r *Runtime) writeResolvConf(c *define.Container, path string) error {
	var netServers, netSearch []string
	for _, name := range sortedKeys(c.State.NetworkStatus) {
		st := c.State.NetworkStatus[name]
		for _, ip := range st.DNSServerIPs {
			netServers = append(netServers, ip.String())
		}
		netSearch = append(netSearch, st.DNSSearchDomains...)
	}
	cc := r.containersConf()
	var servers []string
	if len(netServers) == 0 {
		servers = append(slices.Clone(cc.DNSServers.Get()), c.Config.DNSServers...)
	}
	keepHostServers := false
	if len(servers) == 0 {
		keepHostServers = len(netServers) == 0
		servers = netServers
		if len(servers) == 0 && c.Config.NetworkMode == slirpMode {
			servers = []string{slirpDNS(c)}
		}
	}
	search, keepHostSearches := netSearch, true
	if len(c.Config.DNSSearch) > 0 || len(cc.DNSSearches.Get()) > 0 {
		search = append(slices.Clone(cc.DNSSearches.Get()), c.Config.DNSSearch...)
		keepHostSearches = false
	}
	p := &resolvconf.Params{
		Path:             path,
		IPv6Enabled:      r.usesIPv6(c),
		Nameservers:      servers,
		KeepHostServers:  keepHostServers,
		Searches:         search,
		KeepHostSearches: keepHostSearches,
		Options:          append(slices.Clone(cc.DNSOptions.Get()), c.Config.DNSOptions...),
	}
	if c.Config.NetworkMode != "host" {
		p.Namespaces = []spec.LinuxNamespace{{Type: spec.NetworkNamespace, Path: c.State.NetNS}}
	}
	if err := resolvconf.New(p); err != nil {
		return fmt.Errorf("building resolv.conf for container %s: %w", c.Config.ID, err)
	}
	return nil
}

// containersConf is containers.conf's [containers] table (empty without
// a loaded configuration).
func (r *Runtime) containersConf() *config.ContainersConfig {
	if r.conf.Common != nil {
		return &r.conf.Common.Containers
	}
	return &config.ContainersConfig{}
}

// usesIPv6 is podman's checkForIPv6: an IPv6 address on some network,
// or slirp4netns with IPv6 on; it keeps the host's IPv6 resolvers.
func (r *Runtime) usesIPv6(c *define.Container) bool {
	for _, st := range c.State.NetworkStatus {
		for _, ifc := range st.Interfaces {
			for _, a := range ifc.Subnets {
				if a.IPNet.IP.To4() == nil && a.IPNet.IP.To16() != nil {
					return true
				}
			}
		}
	}
	return c.Config.NetworkMode == slirpMode && r.slirpIPv6(c)
}

// writeNetHosts writes /etc/hosts as podman 5: the base file (--hosts-file,
// else containers.conf base_hosts_file, else the host's), --add-host
// entries, the container's addresses under its hostname and name (its
// networks', slirp4netns's, 127.0.0.1 without network, none on the
// host's), host.containers.internal.
func (r *Runtime) writeNetHosts(c *define.Container, rootfs, hostname, path string) error {
	base, err := etchosts.GetBaseHostFile(cmp.Or(c.Config.BaseHostsFile, r.containersConf().BaseHostsFile), rootfs)
	if err != nil {
		return err
	}
	names := []string{hostname, c.Config.Name}
	var entries etchosts.HostEntries
	var exclude []net.IP
	switch c.Config.NetworkMode {
	case "bridge":
		entries = etchosts.GetNetworkHostEntries(c.State.NetworkStatus, names...)
	case slirpMode:
		ip := slirpIP(c)
		entries = etchosts.HostEntries{{IP: ip, Names: names}}
		exclude = []net.IP{net.ParseIP(ip)}
	case "none":
		entries = etchosts.HostEntries{{IP: "127.0.0.1", Names: names}}
	}
	return etchosts.New(&etchosts.Params{
		BaseFile:                 base,
		ExtraHosts:               c.Config.AddHosts,
		ContainerIPs:             entries,
		HostContainersInternalIP: r.hostContainersInternalIP(c, exclude),
		TargetFile:               path,
	})
}

// hostContainersInternalIP is common's GetHostContainersInternalIP for a
// rootful engine: containers.conf's host_containers_internal_ip ("none":
// no entry), else the gateway of a bridge network the container is on
// (IPv4 first), else the host's first address.
func (r *Runtime) hostContainersInternalIP(c *define.Container, exclude []net.IP) string {
	switch v := r.containersConf().HostContainersInternalIP; v {
	case "":
	case "none":
		return ""
	default:
		return v
	}
	var ip string
	for _, name := range sortedKeys(c.State.NetworkStatus) {
		if n, err := r.networks().Lookup(name); err != nil || n.Driver != types.BridgeNetworkDriver {
			continue
		}
		for _, ifc := range c.State.NetworkStatus[name].Interfaces {
			for _, a := range ifc.Subnets {
				if a.Gateway == nil {
					continue
				}
				if a.Gateway.To4() != nil {
					return a.Gateway.String()
				}
				ip = a.Gateway.String()
			}
		}
	}
	if ip != "" {
		return ip
	}
	return util.GetLocalIPExcluding(exclude)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// addHostLines renders --add-host entries for the hosts file of a
// container without networks ("name:ip" -> "ip\tname").
func addHostLines(hosts []string) string {
	var s string
	for _, h := range hosts {
		name, ip, _ := strings.Cut(h, ":")
		if net.ParseIP(ip) != nil {
			s += ip + "\t" + name + "\n"
		}
	}
	return s
}

// writePodMemberNetFiles writes /etc/hosts and resolv.conf of a pod member
// that shares the infra container's network, as podman: the infra's
// addresses under the pod's hostname and the infra's name, the member's
// own name on 127.0.0.1, and the infra's resolv.conf (the pod's --dns
// options live there).
func (r *Runtime) writePodMemberNetFiles(ctx context.Context, c *define.Container, rootfs, hostsPath, resolvPath string) error {
	infraID, _ := strings.CutPrefix(c.Config.NetworkMode, netnsPrefix)
	infra, err := r.store.Container(ctx, infraID)
	if err != nil {
		return fmt.Errorf("reading infra container of container %s: %w", c.Config.ID, err)
	}
	// hostsPath is "" for a member that keeps the image's (--no-hosts)
	if hostsPath != "" {
		base, err := etchosts.GetBaseHostFile(r.containersConf().BaseHostsFile, rootfs)
		if err != nil {
			return err
		}
		entries := etchosts.GetNetworkHostEntries(infra.State.NetworkStatus, containerHostname(&infra.Config), infra.Config.Name)
		entries = append(entries, etchosts.HostEntry{IP: "127.0.0.1", Names: []string{c.Config.Name}})
		err = etchosts.New(&etchosts.Params{
			BaseFile:                 base,
			ExtraHosts:               append(slices.Clone(infra.Config.AddHosts), c.Config.AddHosts...),
			ContainerIPs:             entries,
			HostContainersInternalIP: r.hostContainersInternalIP(infra, nil),
			TargetFile:               hostsPath,
		})
		if err != nil {
			return err
		}
	}
	b, err := os.ReadFile(r.ctrPaths(infra.Config.ID).ResolvConf)
	if err != nil || resolvPath == "" {
		// The infra container has not written one (it runs on the host
		// network, or not at all): the member's own stays.
		return nil
	}
	if err := os.WriteFile(resolvPath, b, 0o644); err != nil {
		return fmt.Errorf("writing resolv.conf: %w", err)
	}
	return nil
}
