package network

import (
	"fmt"
	"net"
	"slices"

	"go.podman.io/common/libnetwork/types"
	"go.podman.io/common/libnetwork/util"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Used maps an address on a network (its string form) to the ID of the
// container holding it.
type Used map[string]string

// Allocate gives each subnet of n the static address requested in it
// (checked free and not the gateway, podman's IPAM errors), else the
// first address of its lease range (or of the subnet, skipping the
// gateway) that used does not hold.
func Allocate(n types.Network, static []net.IP, used Used) ([]net.IP, error) {
	taken := map[string]bool{}
	for ip := range used {
		taken[ip] = true
	}
	var out []net.IP
	for _, s := range n.Subnets {
		i := slices.IndexFunc(static, func(ip net.IP) bool { return s.Subnet.Contains(ip) })
		if i >= 0 {
			ip := static[i]
			if s.Gateway != nil && ip.Equal(s.Gateway) {
				return nil, errdefs.Errorf(errdefs.ErrConflict, "IPAM error: address already in use: requested static IP %s matches the subnet gateway", ip)
			}
			if id, ok := used[ip.String()]; ok {
				return nil, errdefs.Errorf(errdefs.ErrConflict, "IPAM error: requested ip address %s is already allocated to container ID %s", ip, id)
			}
			out = append(out, ip)
			continue
		}
		ip, err := allocIn(s, taken)
		if err != nil {
			return nil, fmt.Errorf("IPAM error: failed to find free IP in range: %s: %w", s.Subnet.String(), err)
		}
		out = append(out, ip)
	}
	return out, nil
}

func allocIn(s types.Subnet, taken map[string]bool) (net.IP, error) {
	subnet := s.Subnet.IPNet
	first, err := util.FirstIPInSubnet(&subnet)
	if err != nil {
		return nil, err
	}
	last, err := util.LastIPInSubnet(&subnet)
	if err != nil {
		return nil, err
	}
	if util.IsIPv4(subnet.IP) {
		last = util.PrevIP(last) // the broadcast address
	}
	if s.LeaseRange != nil {
		if s.LeaseRange.StartIP != nil {
			first = s.LeaseRange.StartIP
		}
		if s.LeaseRange.EndIP != nil {
			last = s.LeaseRange.EndIP
		}
	}
	for ip := first; util.Cmp(ip, last) <= 0 && subnet.Contains(ip); ip = util.NextIP(ip) {
		if ip.Equal(s.Gateway) || taken[ip.String()] {
			continue
		}
		return ip, nil
	}
	return nil, errdefs.Errorf(errdefs.ErrConflict, "no free address left")
}
