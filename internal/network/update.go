package network

import (
	"net"
	"slices"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/errdefs"
)

// UpdateDNS is `network update --dns-add/--dns-drop` on the definition,
// as libnetwork does it: dropped servers go, added ones are appended,
// duplicates removed. It reports whether the list changed. The caller
// holds the network lock.
func (c Config) UpdateDNS(nameOrID string, add, drop []string) (types.Network, bool, error) {
	n, err := c.Lookup(nameOrID)
	if err != nil {
		return n, false, err
	}
	for _, list := range []struct {
		what string
		ips  []string
	}{{"AddDNSServer", add}, {"RemoveDNSServer", drop}} {
		for _, d := range list.ips {
			if net.ParseIP(d) == nil {
				return n, false, errdefs.Errorf(errdefs.ErrInvalidArgument, "unable to parse ip %s specified in %s: invalid argument", d, list.what)
			}
		}
	}
	var after []string
	for _, s := range n.NetworkDNSServers {
		if !slices.Contains(drop, s) {
			after = append(after, s)
		}
	}
	for _, s := range add {
		if !slices.Contains(after, s) {
			after = append(after, s)
		}
	}
	if slices.Equal(after, n.NetworkDNSServers) {
		return n, false, nil
	}
	n.NetworkDNSServers = after
	return n, true, c.write(n)
}
