package network

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// The links of the native bridge driver: netavark 1.4.0's bridge and veth
// pair (src/network/bridge.rs, core_utils.rs), made through netlink.

// sysctl sets /proc/sys/<key> to val unless it holds val already (netavark
// reads before it writes). The key is read in the calling thread's
// network namespace.
func sysctl(key, val string) error {
	p := "/proc/sys/" + key
	if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) == val {
		return nil
	}
	if err := os.WriteFile(p, []byte(val), 0o644); err != nil {
		return fmt.Errorf("setting sysctl %s: %w", key, err)
	}
	return nil
}

// inNetNS runs fn on a thread that joined the network namespace at ns.
// The thread is never unlocked: it ends with its goroutine, so no
// goroutine ever runs in the container's namespace afterwards.
func inNetNS(ns *os.File, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("joining network namespace %s: %w", ns.Name(), err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

func notFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf)
}

// linkPlan is one network's links for one container, from the request.
type linkPlan struct {
	bridge   string
	ifName   string
	mac      net.HardwareAddr
	mtu      int
	metric   int
	v6       bool
	gateways []*net.IPNet // the bridge's addresses, one per subnet
	addrs    []*net.IPNet // the container's, in netavark's order
}

// bridgeLink returns the network's bridge, made as netavark 1.4.0 makes it
// when missing: its MTU, the IPv6 sysctls before the addresses, up.
func (p linkPlan) bridgeLink() (netlink.Link, error) {
	br, err := netlink.LinkByName(p.bridge)
	if err == nil {
		return br, nil
	}
	if !notFound(err) {
		return nil, fmt.Errorf("get bridge interface: %w", err)
	}
	la := netlink.NewLinkAttrs()
	la.Name = p.bridge
	la.MTU = p.mtu
	if err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: la}); err != nil {
		return nil, fmt.Errorf("create bridge: %w", err)
	}
	if br, err = netlink.LinkByName(p.bridge); err != nil {
		return nil, fmt.Errorf("get bridge interface: %w", err)
	}
	if p.v6 {
		if err := sysctl("net/ipv6/conf/"+p.bridge+"/accept_dad", "0"); err != nil {
			return nil, err
		}
		if err := sysctl("net/ipv6/conf/"+p.bridge+"/accept_ra", "0"); err != nil {
			return nil, err
		}
	}
	for _, gw := range p.gateways {
		if err := netlink.AddrAdd(br, &netlink.Addr{IPNet: gw}); err != nil {
			return nil, fmt.Errorf("add ip addr to bridge: %w", err)
		}
	}
	if err := netlink.LinkSetUp(br); err != nil {
		return nil, fmt.Errorf("set bridge up: %w", err)
	}
	return br, nil
}

// setup makes the veth pair on the bridge (the host side named by the
// kernel, vethN, as netavark leaves it) and configures the container side
// in ns. It returns the container interface's MAC address.
func (p linkPlan) setup(ns *os.File, nsh *netlink.Handle) (string, error) {
	br, err := p.bridgeLink()
	if err != nil {
		return "", err
	}
	la := netlink.NewLinkAttrs()
	la.Name = "veth%d"
	la.MTU = p.mtu
	veth := &netlink.Veth{LinkAttrs: la, PeerName: p.ifName, PeerHardwareAddr: p.mac, PeerNamespace: netlink.NsFd(int(ns.Fd())), PeerTxQLen: -1}
	if err := netlink.LinkAdd(veth); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return "", fmt.Errorf("create veth pair: interface %s already exists on container namespace: %w", p.ifName, err)
		}
		return "", fmt.Errorf("create veth pair: %w", err)
	}
	ctr, err := nsh.LinkByName(p.ifName)
	if err != nil {
		return "", fmt.Errorf("get container veth: %w", err)
	}
	host, err := netlink.LinkByIndex(ctr.Attrs().ParentIndex)
	if err != nil {
		return "", fmt.Errorf("get host veth: %w", err)
	}
	// Set apart from the create: netlink's LinkAdd looks the new link up
	// by its name, which is the kernel's pattern here.
	if err := netlink.LinkSetMasterByIndex(host, br.Attrs().Index); err != nil {
		return "", fmt.Errorf("set veth master: %w", err)
	}
	err = inNetNS(ns, func() error {
		if err := sysctl("net/ipv6/conf/"+p.ifName+"/autoconf", "0"); err != nil {
			return err
		}
		if p.v6 {
			return sysctl("net/ipv6/conf/"+p.ifName+"/accept_dad", "0")
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if p.v6 {
		if err := sysctl("net/ipv6/conf/"+host.Attrs().Name+"/accept_dad", "0"); err != nil {
			return "", err
		}
	}
	if err := netlink.LinkSetUp(host); err != nil {
		return "", fmt.Errorf("failed to set host veth up: %w", err)
	}
	return ctr.Attrs().HardwareAddr.String(), p.configure(nsh, ctr)
}

// configure gives the container side its addresses, brings it and lo up
// and adds the default routes (one per family, netavark's metric 100
// unless the network's metric option says otherwise).
func (p linkPlan) configure(nsh *netlink.Handle, ctr netlink.Link) error {
	for _, a := range p.addrs {
		if err := nsh.AddrAdd(ctr, &netlink.Addr{IPNet: a}); err != nil {
			return fmt.Errorf("add ip addr to container veth: %w", err)
		}
	}
	if err := nsh.LinkSetUp(ctr); err != nil {
		return fmt.Errorf("set container veth up: %w", err)
	}
	if lo, err := nsh.LinkByName("lo"); err == nil {
		if err := nsh.LinkSetUp(lo); err != nil {
			return fmt.Errorf("set lo up: %w", err)
		}
	}
	var v4, v6 bool
	for _, gw := range p.gateways {
		is4 := gw.IP.To4() != nil
		if (is4 && v4) || (!is4 && v6) {
			continue
		}
		dst := &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}
		if !is4 {
			dst = &net.IPNet{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)}
		}
		v4, v6 = v4 || is4, v6 || !is4
		r := &netlink.Route{LinkIndex: ctr.Attrs().Index, Dst: dst, Gw: gw.IP, Priority: p.metric, Protocol: unix.RTPROT_STATIC}
		// Without NLM_F_EXCL, as netavark: a second network's default route
		// goes in beside the first's (same metric, another device).
		if err := nsh.RouteAddEcmp(r); err != nil {
			return fmt.Errorf("add default route %s: %w", dst, err)
		}
	}
	return nil
}

// linkState is what a teardown finds: the container's interface (nil
// when gone), the bridge (nil when missing) and whether anything else is
// connected to it.
type linkState struct {
	ctr, bridge netlink.Link
	peer        int // the host side's index
	others      bool
}

// complete is netavark's complete teardown: the bridge exists and has no
// interface left once the container's is gone.
func (s linkState) complete() bool { return s.bridge != nil && !s.others }

// inspect reads the links a teardown removes; nsh is nil when the
// namespace is gone.
func (p linkPlan) inspect(nsh *netlink.Handle) (linkState, error) {
	var s linkState
	peer := 0
	if nsh != nil {
		ctr, err := nsh.LinkByName(p.ifName)
		switch {
		case err == nil:
			s.ctr, peer = ctr, ctr.Attrs().ParentIndex
			s.peer = peer
		case !notFound(err):
			return s, fmt.Errorf("failed to get container veth %s: %w", p.ifName, err)
		}
	}
	br, err := netlink.LinkByName(p.bridge)
	if err != nil {
		return s, fmt.Errorf("failed to get bridge interface: %w", err)
	}
	s.bridge = br
	links, err := netlink.LinkList()
	if err != nil {
		s.bridge = nil
		return s, fmt.Errorf("failed to get connected bridge interfaces: %w", err)
	}
	for _, l := range links {
		if l.Attrs().MasterIndex == br.Attrs().Index && l.Attrs().Index != peer {
			s.others = true
		}
	}
	return s, nil
}

// remove deletes the container's interface and, on a complete teardown,
// the bridge. Each deletion waits for an RCU grace period in the kernel;
// side by side they wait for one. When the namespace is removed right
// after (nsGoes), the veth pair goes with it, in the kernel's namespace
// cleanup: its host side is only taken off the bridge here, which is what
// the next teardown's count of the bridge's interfaces needs.
func (p linkPlan) remove(nsh *netlink.Handle, s linkState, nsGoes bool) error {
	brErr := make(chan error, 1)
	go func() {
		if !s.complete() {
			brErr <- nil
			return
		}
		if err := netlink.LinkDel(s.bridge); err != nil && !notFound(err) {
			brErr <- fmt.Errorf("failed to delete bridge %s: %w", p.bridge, err)
			return
		}
		brErr <- nil
	}()
	var err error
	switch {
	case s.ctr == nil:
	case nsGoes && s.complete():
		// The bridge's deletion takes the port off.
	case nsGoes:
		if host, e := netlink.LinkByIndex(s.peer); e == nil {
			e = netlink.LinkSetNoMaster(host)
			if e != nil && !notFound(e) {
				err = fmt.Errorf("failed to detach veth %s: %w", host.Attrs().Name, e)
			}
		} else if !notFound(e) {
			err = fmt.Errorf("failed to get host veth: %w", e)
		}
	default:
		if e := nsh.LinkDel(s.ctr); e != nil && !notFound(e) {
			err = fmt.Errorf("failed to delete container veth %s: %w", p.ifName, e)
		}
	}
	return errors.Join(err, <-brErr)
}
