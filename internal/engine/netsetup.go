package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"go.podman.io/common/libnetwork/types"
	"go.podman.io/common/pkg/netns"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/failpoint"
	"github.com/pier-engine/pier/internal/network"
)

// netnsDir is where container network namespaces are bind-mounted, as
// podman and `ip netns` keep them.
const netnsDir = "/run/netns"

func (r *Runtime) netavarkRunDir() string {
	if r.netRunDir == "" { // a Runtime made by a unit test
		return filepath.Join(r.runDir, "networks")
	}
	return r.netRunDir
}

// ipam is podman's address database, shared with podman.
func (r *Runtime) ipam() network.IPAM { return network.IPAMIn(r.netavarkRunDir()) }

func (r *Runtime) netDriver() network.Driver {
	d := network.Driver{
		Netavark: "/usr/lib/podman/netavark",
		Aardvark: "/usr/lib/podman/aardvark-dns",
		RunDir:   r.netavarkRunDir(),
		Native:   os.Getenv(network.NativeEnv) != "0",
	}
	if c := r.conf.Common; c != nil {
		if p, err := c.FindHelperBinary("netavark", true); err == nil {
			d.Netavark = p
		}
		if p, err := c.FindHelperBinary("aardvark-dns", true); err == nil {
			d.Aardvark = p
		}
	}
	return d
}

// setupNetwork gives a container in bridge or slirp4netns mode its own
// network namespace, joined to its networks or to slirp4netns. The
// namespace path is saved before it exists, so a crash at any point
// leaves a record that teardownNetwork acts on.
func (r *Runtime) setupNetwork(ctx context.Context, c *define.Container) error {
	if !ownNetNS(&c.Config) {
		return nil
	}
	r.teardownNetwork(ctx, c) // leftovers of a run whose cleanup never ran
	if err := network.CheckPorts(c.Config.PortMappings); err != nil {
		return err
	}
	if err := r.createNetNS(ctx, c); err != nil {
		return err
	}
	failpoint.Hit("network-after-netns")
	l, err := r.lockNetworks(ctx)
	if err != nil {
		return err
	}
	defer l.Unlock()
	used, held, err := r.usedAddresses(ctx, c.Config.ID)
	if err != nil {
		return err
	}
	if err := network.CheckPortsAgainst(c.Config.PortMappings, held); err != nil {
		return err
	}
	if c.Config.NetworkMode == slirpMode {
		return r.setupSlirp(ctx, c)
	}
	req, err := r.setupRequest(c, used)
	if err != nil {
		return err
	}
	// The allocation is recorded before netavark runs: a crash during
	// setup leaves what teardown needs (and the addresses stay taken).
	c.State.NetworkStatus = pendingStatus(req)
	if err := r.save(ctx, c); err != nil {
		return err
	}
	status, err := r.netDriver().Setup(ctx, c.State.NetNS, req)
	if err != nil {
		return fmt.Errorf("setting up network for container %s: %w", c.Config.Name, err)
	}
	failpoint.Hit("network-after-setup")
	c.State.NetworkStatus = status
	return r.save(ctx, c)
}

// createNetNS records the container's namespace path, then makes it.
func (r *Runtime) createNetNS(ctx context.Context, c *define.Container) error {
	c.State.NetNS = filepath.Join(netnsDir, "pier-"+c.Config.ID)
	if err := r.save(ctx, c); err != nil {
		return err
	}
	if err := os.MkdirAll(netnsDir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", netnsDir, err)
	}
	// A namespace of this name that the state forgot (a reboot refresh
	// that was no reboot) goes first.
	_ = netns.UnmountNS(c.State.NetNS)
	if pinsUserNS(&c.Config) {
		return createUserNetNS(c, c.State.NetNS)
	}
	ns, err := netns.NewNSAtPath(c.State.NetNS)
	if err != nil {
		return fmt.Errorf("creating network namespace for container %s: %w", c.Config.ID, err)
	}
	ns.Close()
	return nil
}

// setupRequest allocates the container an address on each network (the
// caller holds the network lock) in podman's IPAM database, also outside
// used (addresses pier's states record).
func (r *Runtime) setupRequest(c *define.Container, used map[string]network.Used) (network.SetupRequest, error) {
	req := r.baseRequest(c)
	names := make([]string, 0, len(c.Config.Networks))
	for name := range c.Config.Networks {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		n, err := r.networks().Lookup(name)
		if err != nil {
			return req, err
		}
		opts := c.Config.Networks[name]
		if opts.InterfaceName == "" {
			opts.InterfaceName = fmt.Sprintf("eth%d", i)
		}
		opts.StaticIPs = slices.Clone(opts.StaticIPs)
		opts.Aliases = append(slices.Clone(opts.Aliases), extraAliases(c)...)
		req.Networks = append(req.Networks, network.Attachment{Network: n, Opts: opts})
	}
	return req, r.ipam().Allocate(c.Config.ID, req.Networks, used)
}

// usedAddresses maps each network to the addresses containers other than
// self hold on it by their NetworkStatus (the IPAM database is the record
// shared with podman; these also cover containers started before pier
// used it), and returns the host ports those with a network namespace forward.
func (r *Runtime) usedAddresses(ctx context.Context, self string) (map[string]network.Used, []types.PortMapping, error) {
	ctrs, err := r.store.Containers(ctx)
	if err != nil {
		return nil, nil, err
	}
	used := map[string]network.Used{}
	var held []types.PortMapping
	for _, o := range ctrs {
		if o.Config.ID == self {
			continue
		}
		for name, st := range o.State.NetworkStatus {
			if used[name] == nil {
				used[name] = network.Used{}
			}
			for _, ip := range statusIPs(st) {
				used[name][ip.String()] = o.Config.ID
			}
		}
		if o.State.NetNS != "" {
			held = append(held, o.Config.PortMappings...)
		}
	}
	r.buildReservations(used)
	return used, held, nil
}

// extraAliases are the names podman adds on every network: the short ID
// and an explicit hostname.
func extraAliases(c *define.Container) []string {
	a := []string{c.Config.ID[:12]}
	if c.Config.Hostname != "" {
		a = append(a, c.Config.Hostname)
	}
	return a
}

func statusIPs(st types.StatusBlock) []net.IP {
	var ips []net.IP
	for _, ifc := range st.Interfaces {
		for _, a := range ifc.Subnets {
			ips = append(ips, a.IPNet.IP)
		}
	}
	return ips
}

// teardownNetwork undoes setupNetwork, whatever step it reached: netavark
// teardown with the addresses the state holds, then the namespace. It
// clears the record; the caller saves the state.
func (r *Runtime) teardownNetwork(ctx context.Context, c *define.Container) {
	if c.State.NetNS == "" {
		return
	}
	r.stopSlirp(ctx, c)
	if _, err := os.Stat(c.State.NetNS); err == nil && c.State.NetworkStatus != nil {
		req := r.teardownRequest(c)
		req.NamespaceGoes = !r.netnsShared(ctx, c) // unmounted below
		if len(req.Networks) > 0 {
			if err := r.netDriver().Teardown(ctx, c.State.NetNS, req); err != nil {
				slog.WarnContext(ctx, fmt.Sprintf("tearing down network of container %s: %v", c.Config.ID, err))
			}
		}
	}
	if err := r.ipam().Release(c.Config.ID, r.attachedNetworks(c)); err != nil {
		slog.WarnContext(ctx, fmt.Sprintf("freeing addresses of container %s: %v", c.Config.ID, err))
	}
	failpoint.Hit("network-teardown-before-netns")
	if err := netns.UnmountNS(c.State.NetNS); err != nil && !errors.Is(err, os.ErrNotExist) {
		slog.WarnContext(ctx, fmt.Sprintf("removing network namespace of container %s: %v", c.Config.ID, err))
	}
	if pinsUserNS(&c.Config) {
		unpinUserNS(c.Config.ID)
	}
	c.State.NetNS, c.State.NetworkStatus = "", nil
}

// netnsShared reports whether a container that may run joins c's network
// namespace (--network container:c, a pod's members): the namespace then
// outlives c's teardown, and c's interfaces must go with the teardown.
func (r *Runtime) netnsShared(ctx context.Context, c *define.Container) bool {
	ids, err := r.store.Dependents(ctx, define.KindContainer, c.Config.ID)
	if err != nil {
		return true
	}
	for _, id := range ids {
		d, err := r.store.Container(ctx, id)
		if err == nil && d.Config.NetworkMode == netnsPrefix+c.Config.ID && d.State.PID > 0 {
			return true
		}
	}
	return false
}

// attachedNetworks names the networks c may hold addresses on: its
// config's and any its status names (a connect that crashed halfway).
func (r *Runtime) attachedNetworks(c *define.Container) []string {
	names := slices.Collect(maps.Keys(c.Config.Networks))
	for name := range c.State.NetworkStatus {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// teardownRequest rebuilds setup's input from the recorded status; a
// network without status (setup never finished) is torn down too, as
// netavark's teardown skips what is not there.
func (r *Runtime) teardownRequest(c *define.Container) network.SetupRequest {
	req := r.baseRequest(c)
	nets := maps.Clone(c.Config.Networks)
	if nets == nil {
		nets = map[string]types.PerNetworkOptions{}
	}
	// A network in the status but not the config is a connect that
	// crashed before its config was saved: it is set up all the same.
	for name, st := range c.State.NetworkStatus {
		if _, ok := nets[name]; !ok {
			for ifName := range st.Interfaces {
				nets[name] = types.PerNetworkOptions{InterfaceName: ifName}
			}
		}
	}
	i := 0
	for _, name := range sortedKeys(nets) {
		opts := nets[name]
		n, err := r.networks().Lookup(name)
		if err != nil {
			continue
		}
		if opts.InterfaceName == "" {
			opts.InterfaceName = fmt.Sprintf("eth%d", i)
		}
		i++
		opts.StaticIPs = statusIPs(c.State.NetworkStatus[name])
		opts.Aliases = append(slices.Clone(opts.Aliases), extraAliases(c)...)
		req.Networks = append(req.Networks, network.Attachment{Network: n, Opts: opts})
	}
	return req
}

// pendingStatus is the status a setup will produce, as far as pier's
// IPAM and teardown need it: each network's allocated addresses.
func pendingStatus(req network.SetupRequest) map[string]types.StatusBlock {
	out := map[string]types.StatusBlock{}
	for _, a := range req.Networks {
		var subnets []types.NetAddress
		for _, ip := range a.Opts.StaticIPs {
			for _, s := range a.Network.Subnets {
				if s.Subnet.Contains(ip) {
					subnets = append(subnets, types.NetAddress{IPNet: types.IPNet{IPNet: net.IPNet{IP: ip, Mask: s.Subnet.Mask}}, Gateway: s.Gateway})
				}
			}
		}
		out[a.Network.Name] = types.StatusBlock{Interfaces: map[string]types.NetInterface{a.Opts.InterfaceName: {Subnets: subnets}}}
	}
	return out
}
