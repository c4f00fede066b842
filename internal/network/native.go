package network

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"go.podman.io/common/libnetwork/types"
	"go.podman.io/storage/pkg/lockfile"
)

// The native bridge driver does, in process, exactly what netavark 1.4.0
// does for a bridge network without DNS: the same bridge, veth pair,
// sysctls and iptables rules, so pier and podman containers share one
// bridge and one set of chains and either engine's teardown of the last
// container removes them. What it does not cover (DNS, macvlan, isolate,
// internal networks, firewalld) keeps going to netavark: nativeFits
// decides per request.

// NativeEnv set to 0 sends every network to netavark (to compare, or to
// rule the native driver out).
const NativeEnv = "PIER_NETWORK_NATIVE"

// errNotNative is a setup the native driver leaves to netavark (found
// before anything changed), so that netavark's own error is the one seen.
var errNotNative = errors.New("left to netavark")

var nativeHostOK = sync.OnceValue(func() bool {
	if os.Geteuid() != 0 || os.Getenv("NETAVARK_FW") != "" {
		return false
	}
	// netavark 1.4.0 also adds each subnet to firewalld's trusted zone
	// when firewalld runs.
	for _, fw := range []string{"/usr/sbin/firewalld", "/usr/bin/firewalld"} {
		if _, err := os.Stat(fw); err == nil {
			return false
		}
	}
	for _, tool := range []string{"iptables-save", "iptables-restore", "ip6tables-save", "ip6tables-restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err := os.Stat("/usr/sbin/" + tool); err != nil {
				return false
			}
		}
	}
	return true
})

// nativeFits reports whether the native driver sets up req exactly as
// netavark 1.4.0 would.
func (d Driver) nativeFits(req SetupRequest) bool {
	if !d.Native || len(req.Networks) == 0 || !nativeHostOK() {
		return false
	}
	for _, ip := range req.DNSServers {
		if net.ParseIP(ip) == nil {
			return false
		}
	}
	for _, p := range req.Ports {
		switch p.Protocol {
		case "tcp", "udp", "sctp":
		default:
			return false
		}
		if p.HostPort == 0 || p.ContainerPort == 0 || (p.HostIP != "" && net.ParseIP(p.HostIP) == nil) {
			return false
		}
	}
	for _, a := range req.Networks {
		if _, err := planFor(a); err != nil {
			return false
		}
	}
	return true
}

// planFor is the links of attachment a, or an error when a is not a
// plain bridge network the native driver covers.
func planFor(a Attachment) (linkPlan, error) {
	n, o := a.Network, a.Opts
	p := linkPlan{bridge: n.NetworkInterface, ifName: o.InterfaceName, metric: 100}
	if n.Driver != types.BridgeNetworkDriver || n.DNSEnabled || n.Internal || n.NetworkInterface == "" ||
		len(n.Subnets) == 0 || len(n.Routes) > 0 || o.InterfaceName == "" || len(o.Options) > 0 {
		return p, errNotNative
	}
	if d := n.IPAMOptions[types.Driver]; d != "" && d != types.HostLocalIPAMDriver {
		return p, errNotNative
	}
	for k, v := range n.Options {
		var err error
		switch k {
		case types.MTUOption:
			p.mtu, err = strconv.Atoi(v)
		case types.MetricOption:
			p.metric, err = strconv.Atoi(v)
		default:
			return p, errNotNative
		}
		if err != nil || p.mtu < 0 || p.metric < 0 {
			return p, errNotNative
		}
	}
	if o.StaticMAC != nil {
		p.mac = net.HardwareAddr(o.StaticMAC)
	}
	for _, s := range n.Subnets {
		if s.Gateway == nil {
			return p, errNotNative
		}
		ones, _ := s.Subnet.Mask.Size()
		bits := 32
		if s.Subnet.IP.To4() == nil {
			p.v6, bits = true, 128
		}
		p.gateways = append(p.gateways, &net.IPNet{IP: s.Gateway, Mask: net.CIDRMask(ones, bits)})
		for _, ip := range o.StaticIPs {
			if s.Subnet.Contains(ip) {
				p.addrs = append(p.addrs, &net.IPNet{IP: ip, Mask: net.CIDRMask(ones, bits)})
			}
		}
	}
	if len(p.addrs) != len(o.StaticIPs) || len(p.addrs) == 0 {
		return p, errNotNative
	}
	return p, nil
}

// networkHash is netavark's chain name part: the first 13 hex digits
// (upper case) of the SHA-512 of the network name.
func networkHash(name string) string {
	sum := sha512.Sum512([]byte(name))
	return strings.ToUpper(hex.EncodeToString(sum[:]))[:13]
}

// fwFor is network n's firewall input for one family, with the
// container's first address of that family (nil when it has none).
func fwFor(a Attachment, id string, ports []types.PortMapping, v6 bool) (fwNet, *fwCtr) {
	fn := fwNet{v6: v6, hash: networkHash(a.Network.Name), name: a.Network.Name}
	for _, s := range a.Network.Subnets {
		if (s.Subnet.IP.To4() == nil) != v6 {
			continue
		}
		fn.subnets = append(fn.subnets, &net.IPNet{IP: s.Subnet.IP.Mask(s.Subnet.Mask), Mask: s.Subnet.Mask})
	}
	// netavark's container addresses are in subnet order.
	for _, s := range fn.subnets {
		for _, ip := range a.Opts.StaticIPs {
			if s.Contains(ip) {
				return fn, &fwCtr{id: id, ip: ip, subnet: s, ports: ports}
			}
		}
	}
	return fn, nil
}

func hostLocked() (*lockfile.LockFile, error) {
	lk, err := lockfile.GetLockFile(hostLock)
	if err != nil {
		return nil, fmt.Errorf("netavark lock: %w", err)
	}
	lk.Lock()
	return lk, nil
}

func openNS(nsPath string) (*os.File, *netlink.Handle, error) {
	ns, err := os.Open(nsPath)
	if err != nil {
		return nil, nil, fmt.Errorf("open container netns: %w", err)
	}
	nsh, err := netlink.NewHandleAt(netns.NsHandle(ns.Fd()))
	if err != nil {
		ns.Close()
		return nil, nil, fmt.Errorf("netns netlink socket: %w", err)
	}
	return ns, nsh, nil
}

// nativeSetup is netavark setup for a request nativeFits accepted.
func (d Driver) nativeSetup(ctx context.Context, nsPath string, req SetupRequest) (map[string]types.StatusBlock, error) {
	ns, nsh, err := openNS(nsPath)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	defer nsh.Close()
	lk, err := hostLocked()
	if err != nil {
		return nil, err
	}
	defer lk.Unlock()
	plans := make([]linkPlan, len(req.Networks))
	for i, a := range req.Networks {
		plans[i], _ = planFor(a)
		if l, err := netlink.LinkByName(plans[i].bridge); err == nil && l.Type() != "bridge" {
			return nil, errNotNative
		}
		if _, err := nsh.LinkByName(plans[i].ifName); err == nil {
			return nil, errNotNative
		}
	}
	// The rules name subnets and chains, no interface: they are made
	// beside the links.
	fwErr := make(chan error, 1)
	go func() { fwErr <- nativeFirewall(ctx, req, nil) }()
	out := map[string]types.StatusBlock{}
	var errs []error
	for i, a := range req.Networks {
		st, err := d.nativeSetupOne(ns, nsh, plans[i], a, req)
		if err != nil {
			errs = append(errs, err)
			break
		}
		out[a.Network.Name] = st
	}
	if err := errors.Join(append(errs, <-fwErr)...); err != nil {
		return nil, fmt.Errorf("netavark: %w", err)
	}
	return out, nil
}

func (d Driver) nativeSetupOne(ns *os.File, nsh *netlink.Handle, p linkPlan, a Attachment, req SetupRequest) (types.StatusBlock, error) {
	st := types.StatusBlock{DNSServerIPs: []net.IP{}, DNSSearchDomains: []string{}}
	if err := sysctl("net/ipv4/ip_forward", "1"); err != nil {
		return st, err
	}
	if p.v6 {
		if err := sysctl("net/ipv6/conf/all/forwarding", "1"); err != nil {
			return st, err
		}
	}
	mac, err := p.setup(ns, nsh)
	if err != nil {
		return st, err
	}
	// netavark lets 127.0.0.1 reach the bridge only for a request that
	// publishes ports.
	if len(req.Ports) > 0 {
		if err := sysctl("net/ipv4/conf/"+p.bridge+"/route_localnet", "1"); err != nil {
			return st, err
		}
	}
	ifc := types.NetInterface{MacAddress: types.HardwareAddr(mustMAC(mac))}
	for i, addr := range p.addrs {
		ifc.Subnets = append(ifc.Subnets, types.NetAddress{IPNet: types.IPNet{IPNet: *addr}, Gateway: gatewayOf(a.Network, p.addrs[i].IP)})
	}
	st.Interfaces = map[string]types.NetInterface{p.ifName: ifc}
	for _, s := range req.DNSServers {
		st.DNSServerIPs = append(st.DNSServerIPs, net.ParseIP(s))
	}
	return st, nil
}

func mustMAC(s string) net.HardwareAddr {
	m, _ := net.ParseMAC(s)
	return m
}

func gatewayOf(n types.Network, ip net.IP) net.IP {
	for _, s := range n.Subnets {
		if s.Subnet.Contains(ip) {
			return s.Gateway
		}
	}
	return nil
}

// nativeFirewall applies the request's rules, per family one
// iptables-save and one iptables-restore per table, the two families side
// by side. complete is nil for a setup, else which networks lose their
// last container; a teardown that removes nothing (another container
// stays, no published port) reads nothing either.
func nativeFirewall(ctx context.Context, req SetupRequest, complete map[string]bool) error {
	errc := make(chan error, 2)
	for _, v6 := range []bool{false, true} {
		go func() { errc <- familyFirewall(ctx, req, complete, v6) }()
	}
	return errors.Join(<-errc, <-errc)
}

func familyFirewall(ctx context.Context, req SetupRequest, complete map[string]bool, v6 bool) error {
	type work struct {
		fn fwNet
		fc *fwCtr
	}
	var todo []work
	for _, a := range req.Networks {
		fn, fc := fwFor(a, req.ContainerID, req.Ports, v6)
		if len(fn.subnets) == 0 {
			continue
		}
		if complete != nil && !complete[a.Network.Name] {
			if fc == nil {
				continue
			}
			if dn, _ := fn.portRules(*fc); len(dn) == 0 {
				continue
			}
		}
		todo = append(todo, work{fn, fc})
	}
	if len(todo) == 0 {
		return nil
	}
	ipt := iptables{v6: v6}
	state, err := ipt.save(ctx)
	if err != nil {
		return err
	}
	b := newBatch(state)
	for _, w := range todo {
		if complete == nil {
			b.setupNetwork(w.fn)
			if w.fc != nil {
				b.setupPorts(w.fn, *w.fc)
			}
			continue
		}
		if complete[w.fn.name] {
			b.teardownNetwork(w.fn)
		}
		if w.fc != nil {
			b.teardownPorts(w.fn, *w.fc, complete[w.fn.name])
		}
	}
	return ipt.restore(ctx, b)
}

// nativeTeardown is netavark teardown for a request nativeFits accepted:
// the links and the firewall rules go side by side (both wait on the
// kernel), once the links tell which networks lose their last container.
func (d Driver) nativeTeardown(ctx context.Context, nsPath string, req SetupRequest) error {
	ns, nsh, err := openNS(nsPath)
	if err != nil {
		ns, nsh = nil, nil // the namespace is gone: only the host side is left
	} else {
		defer ns.Close()
		defer nsh.Close()
	}
	lk, err := hostLocked()
	if err != nil {
		return err
	}
	defer lk.Unlock()
	var errs []error
	plans := make([]linkPlan, len(req.Networks))
	states := make([]linkState, len(req.Networks))
	complete := map[string]bool{}
	for i, a := range req.Networks {
		plans[i], _ = planFor(a)
		states[i], err = plans[i].inspect(nsh)
		if err != nil {
			errs = append(errs, err)
		}
		complete[a.Network.Name] = states[i].complete()
	}
	fwErr := make(chan error, 1)
	go func() { fwErr <- nativeFirewall(ctx, req, complete) }()
	for i := range plans {
		if err := plans[i].remove(nsh, states[i], req.NamespaceGoes); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, <-fwErr)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("netavark: %w", err)
	}
	return nil
}
