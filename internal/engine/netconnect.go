package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"go.podman.io/common/libnetwork/etchosts"
	"go.podman.io/common/libnetwork/resolvconf"
	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/failpoint"
	"github.com/pier-engine/pier/internal/network"
)

// netLive tells whether c's namespace is set up now, as podman's
// connect/disconnect ask (created or running; a paused or stopped
// container only has its config changed).
func netLive(c *define.Container) bool {
	return c.State.Status == define.StatusRunning || c.State.Status == define.StatusCreated
}

func bridgeOnly(c *define.Container) error {
	if c.Config.NetworkMode != "bridge" {
		return fmt.Errorf("%q is not supported: %w", c.Config.NetworkMode, define.ErrNetworkModeInvalid)
	}
	return nil
}

// NetworkConnect joins a container to one more network. A running
// container gets the interface at once (netavark on its namespace, the
// name in its /etc/hosts, the network's resolver in its resolv.conf); a
// stopped one when it next starts.
func (r *Runtime) NetworkConnect(ctx context.Context, nameOrID, netName string, opts types.PerNetworkOptions) error {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if err := bridgeOnly(c); err != nil {
		return err
	}
	n, err := r.networks().Lookup(netName)
	if err != nil {
		return err
	}
	if _, ok := c.Config.Networks[n.Name]; ok {
		if !netLive(c) {
			return nil // docker's rule, as podman: a no-op
		}
		return fmt.Errorf("container %s is already connected to network %s: %w", c.Config.ID, n.Name, define.ErrNetworkConnected)
	}
	for _, ip := range opts.StaticIPs {
		if !inSubnets(n, ip) {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "requested static ip %s not in any subnet on network %s", ip, n.Name)
		}
	}
	if opts.InterfaceName == "" {
		var used []string
		for _, o := range c.Config.Networks {
			used = append(used, o.InterfaceName)
		}
		opts.InterfaceName = freeInterfaceName(used)
	}
	if netLive(c) {
		if c.State.NetNS == "" {
			return fmt.Errorf("unable to connect %s to %s: %w", nameOrID, n.Name, define.ErrNoNetwork)
		}
		if err := r.connectLive(ctx, c, n, opts); err != nil {
			return err
		}
	}
	nets := maps.Clone(c.Config.Networks)
	if nets == nil {
		nets = map[string]types.PerNetworkOptions{}
	}
	nets[n.Name] = opts
	if err := r.store.SaveNetworks(ctx, c.Config.ID, nets); err != nil {
		return err
	}
	r.netConnEvent(c, n.Name, events.NetworkConnect)
	return nil
}

// connectLive runs netavark for the one new network and records its
// status before the config names the network: a crash in between leaves
// an address that teardown still finds in the status.
func (r *Runtime) connectLive(ctx context.Context, c *define.Container, n types.Network, opts types.PerNetworkOptions) error {
	nl, err := r.lockNetworks(ctx)
	if err != nil {
		return err
	}
	defer nl.Unlock()
	used, _, err := r.usedAddresses(ctx, c.Config.ID)
	if err != nil {
		return err
	}
	opts.StaticIPs = slices.Clone(opts.StaticIPs)
	opts.Aliases = append(slices.Clone(opts.Aliases), extraAliases(c)...)
	req := r.baseRequest(c)
	req.Networks = []network.Attachment{{Network: n, Opts: opts}}
	ipam := r.ipam()
	if err := ipam.Allocate(c.Config.ID, req.Networks, used); err != nil {
		return err
	}
	hostNames := []string{containerHostname(&c.Config), c.Config.Name}
	old := etchosts.GetNetworkHostEntries(c.State.NetworkStatus, hostNames...)
	if c.State.NetworkStatus == nil {
		c.State.NetworkStatus = map[string]types.StatusBlock{}
	}
	// As at start: the allocation is recorded before netavark runs, so a
	// crash leaves what teardown needs.
	c.State.NetworkStatus[n.Name] = pendingStatus(req)[n.Name]
	if err := r.save(ctx, c); err != nil {
		return err
	}
	status, err := r.netDriver().Setup(ctx, c.State.NetNS, req)
	if err != nil {
		_ = r.netDriver().Teardown(ctx, c.State.NetNS, req)
		_ = ipam.Release(c.Config.ID, []string{n.Name})
		delete(c.State.NetworkStatus, n.Name)
		_ = r.save(ctx, c)
		return fmt.Errorf("connecting container %s to network %s: %w", c.Config.Name, n.Name, err)
	}
	c.State.NetworkStatus[n.Name] = status[n.Name]
	if err := r.save(ctx, c); err != nil {
		return err
	}
	failpoint.Hit("network-connect-after-setup")
	paths := r.ctrPaths(c.Config.ID)
	var dns []string
	ipv6 := r.usesIPv6(c)
	for _, ip := range status[n.Name].DNSServerIPs {
		if ip.To4() != nil || ipv6 {
			dns = append(dns, ip.String())
		}
	}
	if len(dns) > 0 && exists(paths.ResolvConf) {
		if err := resolvconf.Add(paths.ResolvConf, dns); err != nil {
			return fmt.Errorf("adding nameservers to resolv.conf of container %s: %w", c.Config.ID, err)
		}
	}
	if exists(paths.Hosts) {
		return etchosts.AddIfExists(paths.Hosts, old, etchosts.GetNetworkHostEntries(status, hostNames...))
	}
	return nil
}

// NetworkDisconnect takes a container off a network: at once when it
// runs (interface, firewall rules, DNS names, its /etc/hosts and
// resolv.conf lines), from its config in any case.
func (r *Runtime) NetworkDisconnect(ctx context.Context, nameOrID, netName string) error {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if err := bridgeOnly(c); err != nil {
		return err
	}
	n, err := r.networks().Lookup(netName)
	if err != nil {
		return err
	}
	opts, ok := c.Config.Networks[n.Name]
	if !ok {
		return fmt.Errorf("container %s is not connected to network %s", nameOrID, n.Name)
	}
	if netLive(c) {
		if c.State.NetNS == "" {
			return fmt.Errorf("unable to disconnect %s from %s: %w", nameOrID, n.Name, define.ErrNoNetwork)
		}
		if err := r.disconnectLive(ctx, c, n, opts); err != nil {
			return err
		}
	}
	nets := maps.Clone(c.Config.Networks)
	delete(nets, n.Name)
	if err := r.store.SaveNetworks(ctx, c.Config.ID, nets); err != nil {
		return err
	}
	r.netConnEvent(c, n.Name, events.NetworkDisconnect)
	return nil
}

func (r *Runtime) disconnectLive(ctx context.Context, c *define.Container, n types.Network, opts types.PerNetworkOptions) error {
	old, had := c.State.NetworkStatus[n.Name]
	opts.StaticIPs = statusIPs(old)
	opts.Aliases = append(slices.Clone(opts.Aliases), extraAliases(c)...)
	req := r.baseRequest(c)
	req.Networks = []network.Attachment{{Network: n, Opts: opts}}
	if err := r.netDriver().Teardown(ctx, c.State.NetNS, req); err != nil {
		return fmt.Errorf("disconnecting container %s from network %s: %w", c.Config.Name, n.Name, err)
	}
	if err := r.ipam().Release(c.Config.ID, []string{n.Name}); err != nil {
		return fmt.Errorf("disconnecting container %s from network %s: %w", c.Config.Name, n.Name, err)
	}
	delete(c.State.NetworkStatus, n.Name)
	if err := r.save(ctx, c); err != nil {
		return err
	}
	if !had {
		return nil
	}
	paths := r.ctrPaths(c.Config.ID)
	var dns []string
	for _, ip := range old.DNSServerIPs {
		dns = append(dns, ip.String())
	}
	if len(dns) > 0 && exists(paths.ResolvConf) {
		if err := resolvconf.Remove(paths.ResolvConf, dns); err != nil {
			return fmt.Errorf("removing nameservers from resolv.conf of container %s: %w", c.Config.ID, err)
		}
	}
	rm := etchosts.GetNetworkHostEntries(map[string]types.StatusBlock{n.Name: old}, containerHostname(&c.Config), c.Config.Name)
	if len(rm) > 0 && exists(paths.Hosts) {
		return etchosts.Remove(paths.Hosts, rm)
	}
	return nil
}

// baseRequest is a netavark request for c without networks: its ports
// and the resolvers aardvark forwards to.
func (r *Runtime) baseRequest(c *define.Container) network.SetupRequest {
	return network.SetupRequest{
		ContainerID: c.Config.ID, ContainerName: c.Config.Name,
		Ports:      c.Config.PortMappings,
		DNSServers: append(slices.Clone(r.containersConf().DNSServers.Get()), c.Config.DNSServers...),
	}
}

// NetworkReload redoes the network setup of running bridge containers
// (after a firewall reload wiped netavark's rules), keeping their
// interfaces, addresses and MACs. With all, containers it does not apply
// to are skipped; the result maps each container ID to its error.
func (r *Runtime) NetworkReload(ctx context.Context, names []string, all bool) ([]ReloadReport, error) {
	if all {
		ctrs, err := r.store.Containers(ctx)
		if err != nil {
			return nil, err
		}
		names = names[:0]
		for _, c := range ctrs {
			names = append(names, c.Config.ID)
		}
	}
	var out []ReloadReport
	for _, name := range names {
		id, err := r.reloadOne(ctx, name)
		if all && (errors.Is(err, define.ErrCtrStateInvalid) || errors.Is(err, define.ErrNetworkModeInvalid)) {
			continue
		}
		if id == "" && err != nil && !all {
			return nil, err
		}
		out = append(out, ReloadReport{ID: id, Err: err})
	}
	return out, nil
}

// ReloadReport is one container's result of NetworkReload.
type ReloadReport struct {
	ID  string
	Err error
}

func (r *Runtime) reloadOne(ctx context.Context, nameOrID string) (string, error) {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	if !netLive(c) {
		return c.Config.ID, fmt.Errorf("cannot reload network unless container network has been configured: %w", define.ErrCtrStateInvalid)
	}
	if c.State.NetNS == "" {
		return c.Config.ID, fmt.Errorf("container %s network is not configured, refusing to reload: %w", c.Config.ID, define.ErrCtrStateInvalid)
	}
	if err := bridgeOnly(c); err != nil {
		return c.Config.ID, err
	}
	req := r.teardownRequest(c)
	// The rules may be gone already: that is what reload is for.
	_ = r.netDriver().Teardown(ctx, c.State.NetNS, req)
	for i, a := range req.Networks {
		for ifName, ifc := range c.State.NetworkStatus[a.Network.Name].Interfaces {
			req.Networks[i].Opts.InterfaceName = ifName
			req.Networks[i].Opts.StaticMAC = ifc.MacAddress
			break
		}
	}
	status, err := r.netDriver().Setup(ctx, c.State.NetNS, req)
	if err != nil {
		return c.Config.ID, fmt.Errorf("reloading network of container %s: %w", c.Config.Name, err)
	}
	c.State.NetworkStatus = status
	return c.Config.ID, r.save(ctx, c)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
