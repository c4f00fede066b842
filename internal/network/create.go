package network

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.podman.io/common/libnetwork/types"
	"go.podman.io/common/libnetwork/util"
	"go.podman.io/storage/pkg/stringid"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// CreateRequest is `network create`'s input.
type CreateRequest struct {
	Name       string
	Driver     string // "" or "bridge", "macvlan"
	IPv6       bool   // --ipv6: dual stack, a free IPv6 subnet added
	Subnets    []string
	Gateways   []string
	IPRanges   []string
	Internal   bool
	DisableDNS bool
	DNSServers []string // --dns: the resolvers aardvark forwards to
	Labels     map[string]string
	Options    map[string]string
	Interface  string
	Ignore     bool   // an existing network of that name is returned
	IPAMDriver string // --ipam-driver: "", host-local or none
}

// bridgeOptions are the -o keys of podman's bridge driver that netavark
// 1.4.0 acts on.
var bridgeOptions = []string{"mtu", "isolate", "vlan"}

// Create writes a new network definition. The caller serialises creates
// (two at once could pick the same subnet or name).
func (c Config) Create(req CreateRequest) (types.Network, error) {
	nets, err := c.List()
	if err != nil {
		return types.Network{}, err
	}
	if req.Name != "" {
		if old, err := lookupByName(nets, req.Name); err == nil {
			if req.Ignore {
				return old, nil
			}
			return types.Network{}, fmt.Errorf("network name %s already used: %w", req.Name, define.ErrNetworkExists)
		}
		if err := ValidName(req.Name); err != nil {
			return types.Network{}, err
		}
	}
	n, err := c.newNetwork(req, nets)
	if err != nil {
		return types.Network{}, err
	}
	if err := c.write(n); err != nil {
		return types.Network{}, err
	}
	return n, nil
}

func lookupByName(nets []types.Network, name string) (types.Network, error) {
	for _, n := range nets {
		if n.Name == name {
			return n, nil
		}
	}
	return types.Network{}, define.ErrNoSuchNetwork
}

func (c Config) newNetwork(req CreateRequest, nets []types.Network) (types.Network, error) {
	driver := req.Driver
	if driver == "" {
		driver = types.BridgeNetworkDriver
	}
	n := types.Network{
		Name: req.Name, ID: stringid.GenerateRandomID(), Driver: driver,
		NetworkInterface: req.Interface, Created: time.Now(),
		Internal: req.Internal, DNSEnabled: !req.DisableDNS,
		Labels: req.Labels, Options: req.Options,
		IPAMOptions: map[string]string{types.Driver: types.HostLocalIPAMDriver},
	}
	if err := ipamDriver(&n, req); err != nil {
		return types.Network{}, err
	}
	switch driver {
	case types.BridgeNetworkDriver:
		for k := range req.Options {
			if !slices.Contains(bridgeOptions, k) {
				return types.Network{}, errdefs.Errorf(errdefs.ErrInvalidArgument, "unsupported bridge network option %s", k)
			}
		}
		if n.NetworkInterface == "" {
			n.NetworkInterface = freeInterface(nets)
		}
	case types.MacVLANNetworkDriver:
		if err := macvlan(&n, req); err != nil {
			return types.Network{}, err
		}
	case types.IPVLANNetworkDriver:
		return types.Network{}, errdefs.Errorf(errdefs.ErrNotImplemented, "unsupported driver ipvlan: netavark 1.4.0 on this host has no ipvlan driver (use macvlan or bridge)")
	default:
		return types.Network{}, errdefs.Errorf(errdefs.ErrNotImplemented, "unsupported driver %s: netavark plugins are not supported by pier", driver)
	}
	if n.Name == "" {
		n.Name = freeName(nets)
	}
	if len(req.DNSServers) > 0 {
		if !n.DNSEnabled {
			return types.Network{}, errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set NetworkDNSServers if DNS is not enabled for the network: invalid argument")
		}
		for _, d := range req.DNSServers {
			if net.ParseIP(d) == nil {
				return types.Network{}, errdefs.Errorf(errdefs.ErrInvalidArgument, "unable to parse ip %s specified in NetworkDNSServers: invalid argument", d)
			}
		}
		n.NetworkDNSServers = req.DNSServers
	}
	if n.IPAMOptions[types.Driver] == types.NoneIPAMDriver {
		if len(req.Gateways) > 0 || len(req.IPRanges) > 0 {
			return types.Network{}, errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set gateway or range without subnet")
		}
		return n, nil
	}
	subnets, err := c.subnets(req, nets)
	if err != nil {
		return types.Network{}, err
	}
	n.Subnets = subnets
	for _, s := range subnets {
		n.IPv6Enabled = n.IPv6Enabled || util.IsIPv6(s.Subnet.IP)
	}
	return n, nil
}

// ipamDriver applies --ipam-driver as libnetwork validates it: none
// means no subnets, no addresses and no DNS (aardvark needs an address
// to answer on). dhcp needs netavark's DHCP proxy service, which pier
// does not run: refused rather than left to fail at start.
func ipamDriver(n *types.Network, req CreateRequest) error {
	switch req.IPAMDriver {
	case "", types.HostLocalIPAMDriver:
	case types.NoneIPAMDriver:
		if len(req.Subnets) > 0 {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "none ipam driver is set but subnets are given")
		}
		n.IPAMOptions[types.Driver] = types.NoneIPAMDriver
		n.DNSEnabled = false
	case types.DHCPIPAMDriver:
		return errdefs.Errorf(errdefs.ErrNotImplemented, "the dhcp ipam driver needs netavark's DHCP proxy service, which pier does not run: use host-local (--subnet) or none")
	default:
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "unsupported ipam driver %q", req.IPAMDriver)
	}
	return nil
}

// macvlanOptions are the -o keys netavark's macvlan driver takes (parent
// is the interface, taken out of the options as podman does).
var macvlanOptions = []string{types.ModeOption, types.MTUOption, types.MetricOption, types.NoDefaultRoute, types.BclimOption}

// macvlan checks a macvlan network as libnetwork does. Without --subnet
// podman would hand addresses to netavark's DHCP proxy, a service pier
// does not run: that is refused rather than left to fail at start.
func macvlan(n *types.Network, req CreateRequest) error {
	if parent, ok := req.Options["parent"]; ok {
		n.NetworkInterface = parent
		n.Options = maps.Clone(req.Options)
		delete(n.Options, "parent")
	}
	if n.NetworkInterface != "" {
		if _, err := net.InterfaceByName(n.NetworkInterface); err != nil {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "parent interface %s does not exist", n.NetworkInterface)
		}
	}
	n.DNSEnabled = false // netavark has no DNS for macvlan
	if len(req.Subnets) == 0 && n.IPAMOptions[types.Driver] != types.NoneIPAMDriver {
		return errdefs.Errorf(errdefs.ErrNotImplemented, "macvlan without --subnet needs the dhcp ipam driver (netavark's DHCP proxy), which pier does not run: give --subnet")
	}
	for k, v := range n.Options {
		switch {
		case !slices.Contains(macvlanOptions, k):
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "unsupported macvlan network option %s", k)
		case k == types.ModeOption && !slices.Contains(types.ValidMacVLANModes, v):
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "unknown macvlan mode %q", v)
		}
	}
	return nil
}

// subnets checks the user's subnets, gateways and ranges, or picks the
// first free subnet of the pools.
func (c Config) subnets(req CreateRequest, nets []types.Network) ([]types.Subnet, error) {
	if len(req.Subnets) == 0 {
		if len(req.Gateways) > 0 || len(req.IPRanges) > 0 {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set gateway or range without subnet")
		}
		s, err := c.freeSubnet(nets)
		if err != nil {
			return nil, err
		}
		return c.addIPv6(req, nets, []types.Subnet{{Subnet: s, Gateway: firstIP(s.IPNet)}})
	}
	if len(req.Gateways) > len(req.Subnets) {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set more gateways than subnets")
	}
	if len(req.IPRanges) > len(req.Subnets) {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set more ranges than subnets")
	}
	// A macvlan subnet is the parent's LAN, not one of the host's bridges:
	// libnetwork checks overlaps for bridges only.
	var used []net.IPNet
	if req.Driver == "" || req.Driver == types.BridgeNetworkDriver {
		used = usedSubnets(nets)
	}
	var out []types.Subnet
	for i, str := range req.Subnets {
		s, err := parseSubnet(str, used, req.Gateways, req.IPRanges, i)
		if err != nil {
			return nil, err
		}
		used = append(used, s.Subnet.IPNet)
		out = append(out, s)
	}
	return c.addIPv6(req, nets, out)
}

// addIPv6 is --ipv6: dual stack, so a network with only IPv4 subnets
// gets a random unique-local /64 (RFC 4193), as libnetwork picks it; one
// with only IPv6 subnets gets a free IPv4 subnet.
func (c Config) addIPv6(req CreateRequest, nets []types.Network, subnets []types.Subnet) ([]types.Subnet, error) {
	if !req.IPv6 {
		return subnets, nil
	}
	has4 := slices.ContainsFunc(subnets, func(s types.Subnet) bool { return util.IsIPv4(s.Subnet.IP) })
	has6 := slices.ContainsFunc(subnets, func(s types.Subnet) bool { return util.IsIPv6(s.Subnet.IP) })
	if !has4 {
		s, err := c.freeSubnet(nets)
		if err != nil {
			return nil, err
		}
		subnets = append(subnets, types.Subnet{Subnet: s, Gateway: firstIP(s.IPNet)})
	}
	if !has6 {
		used := usedSubnets(nets)
		for range 10000 {
			ip := make(net.IP, net.IPv6len)
			if _, err := rand.Read(ip[:8]); err != nil {
				return nil, err
			}
			ip[0] = 0xfd
			cand := net.IPNet{IP: ip, Mask: net.CIDRMask(64, 128)}
			if !overlaps(cand, used) {
				return append(subnets, types.Subnet{Subnet: types.IPNet{IPNet: cand}, Gateway: firstIP(cand)}), nil
			}
		}
		return nil, errors.New("failed to get random ipv6 subnet")
	}
	return subnets, nil
}

func parseSubnet(str string, used []net.IPNet, gws, ranges []string, i int) (types.Subnet, error) {
	ipn, err := types.ParseCIDR(str)
	if err != nil {
		return types.Subnet{}, errdefs.Errorf(errdefs.ErrInvalidArgument, "subnet invalid: %v", err)
	}
	for _, u := range used {
		if u.Contains(ipn.IP) || ipn.Contains(u.IP) {
			return types.Subnet{}, errdefs.Errorf(errdefs.ErrInvalidArgument, "subnet %s is already used on the host or by another config", ipn.String())
		}
	}
	s := types.Subnet{Subnet: ipn, Gateway: firstIP(ipn.IPNet)}
	if i < len(gws) {
		gw := net.ParseIP(gws[i])
		if gw == nil {
			return s, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid gateway %q", gws[i])
		}
		if !ipn.Contains(gw) {
			return s, errdefs.Errorf(errdefs.ErrInvalidArgument, "gateway %s not in subnet %s", gw, &ipn)
		}
		s.Gateway = gw
	}
	if i < len(ranges) {
		r, err := types.ParseCIDR(ranges[i])
		if err != nil {
			return s, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid ip range %q: %v", ranges[i], err)
		}
		if !ipn.Contains(r.IP) {
			return s, errdefs.Errorf(errdefs.ErrInvalidArgument, "lease range start ip %s not in subnet %s", r.IP, &ipn)
		}
		first := r.IP
		if first.Equal(r.IP.Mask(r.Mask)) {
			first = firstIP(r.IPNet)
		}
		last, err := util.LastIPInSubnet(&r.IPNet)
		if err != nil {
			return s, err
		}
		s.LeaseRange = &types.LeaseRange{StartIP: first, EndIP: last}
	}
	return s, nil
}

func usedSubnets(nets []types.Network) []net.IPNet {
	var used []net.IPNet
	for _, n := range nets {
		for _, s := range n.Subnets {
			used = append(used, s.Subnet.IPNet)
		}
	}
	// Subnets of the host's own interfaces are taken too.
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				used = append(used, net.IPNet{IP: ipn.IP.Mask(ipn.Mask), Mask: ipn.Mask})
			}
		}
	}
	return used
}

// freeSubnet walks the pools as podman does: each pool is cut into
// subnets of its size, the first that overlaps nothing wins.
func (c Config) freeSubnet(nets []types.Network) (types.IPNet, error) {
	used := usedSubnets(nets)
	for _, p := range c.pools() {
		ones, bits := p.Base.Mask.Size()
		if p.Size < ones || p.Size > bits {
			continue
		}
		mask := net.CIDRMask(p.Size, bits)
		ip := p.Base.IP.Mask(p.Base.Mask)
		for p.Base.Contains(ip) {
			cand := net.IPNet{IP: ip, Mask: mask}
			if !overlaps(cand, used) {
				return types.IPNet{IPNet: cand}, nil
			}
			ip = nextSubnetIP(cand)
			if ip == nil {
				break
			}
		}
	}
	return types.IPNet{}, fmt.Errorf("could not find free subnet from subnet pools")
}

func overlaps(n net.IPNet, used []net.IPNet) bool {
	for _, u := range used {
		if u.Contains(n.IP) || n.Contains(u.IP) {
			return true
		}
	}
	return false
}

// nextSubnetIP is the first address after n, nil past the address space.
func nextSubnetIP(n net.IPNet) net.IP {
	last, err := util.LastIPInSubnet(&n)
	if err != nil {
		return nil
	}
	next := util.NextIP(last)
	if next.Equal(net.IPv4zero) || len(next) == 0 || next.IsUnspecified() {
		return nil
	}
	return next.To16()
}

func freeName(nets []types.Network) string {
	for i := 1; ; i++ {
		name := fmt.Sprintf("podman%d", i)
		if _, err := lookupByName(nets, name); err != nil {
			return name
		}
	}
}

// freeInterface is the first podmanN bridge no network names and the host
// does not have.
func freeInterface(nets []types.Network) string {
	taken := map[string]bool{}
	for _, n := range nets {
		taken[n.NetworkInterface] = true
	}
	for i := 0; ; i++ {
		name := fmt.Sprintf("podman%d", i)
		if taken[name] {
			continue
		}
		if _, err := net.InterfaceByName(name); err == nil {
			continue
		}
		return name
	}
}

// write stores n as podman does (five-space indent), through a temporary
// file so a reader never sees half a definition.
func (c Config) write(n types.Network) error {
	if err := os.MkdirAll(c.dir(), 0o755); err != nil {
		return fmt.Errorf("creating network config directory: %w", err)
	}
	b, err := json.MarshalIndent(n, "", "     ")
	if err != nil {
		return err
	}
	path := filepath.Join(c.dir(), n.Name+".json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing network %s: %w", n.Name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing network %s: %w", n.Name, err)
	}
	return nil
}
