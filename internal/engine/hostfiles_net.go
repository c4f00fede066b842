package engine

import (
	"fmt"
	"net"
	"sort"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/libnetwork/etchosts"
	"go.podman.io/common/libnetwork/resolvconf"

	"github.com/pier-engine/pier/internal/define"
)

// writeResolvConf writes the container's resolv.conf as podman does: the
// networks' DNS servers (aardvark) and --dns first, the host's otherwise;
// with its own network namespace, host resolvers on loopback are dropped
// (they cannot work there).
func writeResolvConf(c *define.Container, path string) error {
	var netServers, netSearch []string
	for _, name := range sortedKeys(c.State.NetworkStatus) {
		st := c.State.NetworkStatus[name]
		for _, ip := range st.DNSServerIPs {
			netServers = append(netServers, ip.String())
		}
		netSearch = append(netSearch, st.DNSSearchDomains...)
	}
	p := &resolvconf.Params{
		Path:             path,
		Nameservers:      append(netServers, c.Config.DNSServers...),
		KeepHostServers:  len(netServers) > 0 && len(c.Config.DNSServers) == 0,
		Searches:         append(netSearch, c.Config.DNSSearch...),
		KeepHostSearches: len(netSearch) > 0 && len(c.Config.DNSSearch) == 0,
		Options:          c.Config.DNSOptions,
	}
	if c.Config.NetworkMode != "host" {
		p.Namespaces = []spec.LinuxNamespace{{Type: spec.NetworkNamespace, Path: c.State.NetNS}}
	}
	if err := resolvconf.New(p); err != nil {
		return fmt.Errorf("writing resolv.conf: %w", err)
	}
	return nil
}

// writeBridgeHosts writes /etc/hosts of a container on networks, as
// podman: --add-host entries, the image's file, the container's addresses
// under its hostname and name, host.containers.internal (the bridge's
// gateway).
func writeBridgeHosts(c *define.Container, rootfs, hostname, path string) error {
	base, err := etchosts.GetBaseHostFile("", rootfs)
	if err != nil {
		return err
	}
	var gw string
	for _, name := range sortedKeys(c.State.NetworkStatus) {
		for _, ifc := range c.State.NetworkStatus[name].Interfaces {
			for _, a := range ifc.Subnets {
				if gw == "" && a.Gateway != nil && a.Gateway.To4() != nil {
					gw = a.Gateway.String()
				}
			}
		}
	}
	return etchosts.New(&etchosts.Params{
		BaseFile:                 base,
		ExtraHosts:               c.Config.AddHosts,
		ContainerIPs:             etchosts.GetNetworkHostEntries(c.State.NetworkStatus, hostname, c.Config.Name),
		HostContainersInternalIP: gw,
		TargetFile:               path,
	})
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
