package network

import (
	"fmt"
	"net"

	"go.podman.io/common/libnetwork/types"
	"go.podman.io/common/libnetwork/util"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Allocate picks for each subnet of n the first address of its lease
// range (or of the subnet, skipping the gateway) that used does not hold.
// used holds every address the caller's store records on n.
func Allocate(n types.Network, used []net.IP) ([]net.IP, error) {
	taken := map[string]bool{}
	for _, ip := range used {
		taken[ip.String()] = true
	}
	var out []net.IP
	for _, s := range n.Subnets {
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

// CheckStatic checks that a requested address is in one of n's subnets
// and free.
func CheckStatic(n types.Network, ip net.IP, used []net.IP) error {
	for _, u := range used {
		if u.Equal(ip) {
			return errdefs.Errorf(errdefs.ErrConflict, "IPAM error: requested ip address %s is already allocated to container ID", ip)
		}
	}
	for _, s := range n.Subnets {
		if s.Subnet.Contains(ip) {
			return nil
		}
	}
	return errdefs.Errorf(errdefs.ErrInvalidArgument, "IPAM error: requested ip address %s is not in any subnet of network %s", ip, n.Name)
}
