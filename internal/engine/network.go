package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"go.podman.io/common/libnetwork/types"
	"go.podman.io/common/libnetwork/util"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/lock"
	"github.com/pier-engine/pier/internal/network"
)

// netConfigLock serialises changes to network definitions and address
// allocation (two creates could pick one subnet, two starts one address).
// It lives in its own directory: it guards files, not an object, so the
// object locks' GC has nothing to say about it.
const netConfigLock = "network-config"

func (r *Runtime) lockNetworks(ctx context.Context) (*lock.Lock, error) {
	m, err := lock.NewManager(filepath.Join(r.runDir, "network-locks"))
	if err != nil {
		return nil, err
	}
	return m.Lock(ctx, netConfigLock)
}

func (r *Runtime) networks() network.Config {
	c := network.FromCommon(r.conf.Common)
	if r.opts.NetworkConfigDir != "" {
		c.Dir = r.opts.NetworkConfigDir
	}
	return c
}

// NetworkCreate writes a new network definition.
func (r *Runtime) NetworkCreate(ctx context.Context, req network.CreateRequest) (types.Network, error) {
	l, err := r.lockNetworks(ctx)
	if err != nil {
		return types.Network{}, err
	}
	defer l.Unlock()
	n, err := r.networks().Create(req)
	if err == nil {
		r.networkEvent(n.ID, n.Name, n.Driver, events.Create)
	}
	return n, err
}

// NetworkList returns the networks that pass every filter (podman's
// network ls filters: name, id, driver, label, label!, until, dangling).
func (r *Runtime) NetworkList(ctx context.Context, filters map[string][]string) ([]types.Network, error) {
	dangling, hasDangling := filters["dangling"]
	rest := map[string][]string{}
	for k, v := range filters {
		if k != "dangling" {
			rest[k] = v
		}
	}
	funcs, err := util.GenerateNetworkFilters(rest)
	if err != nil {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%v", err)
	}
	nets, err := r.networks().List()
	if err != nil {
		return nil, err
	}
	used, err := r.networkUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []types.Network
	for _, n := range nets {
		if !slices.ContainsFunc(funcs, func(f types.FilterFunc) bool { return !f(n) }) &&
			(!hasDangling || danglingMatch(dangling, len(used[n.Name]) == 0)) {
			out = append(out, n)
		}
	}
	return out, nil
}

func danglingMatch(vals []string, dangling bool) bool {
	for _, v := range vals {
		if (v == "true" || v == "1") == dangling {
			return true
		}
	}
	return false
}

// NetworkReport is a network with the containers on it, as network
// inspect shows it.
type NetworkReport struct {
	types.Network
	Containers map[string]NetworkContainer `json:"containers"`
}

// NetworkContainer is a container on a network, in inspect's shape.
type NetworkContainer struct {
	Name       string                        `json:"name"`
	Interfaces map[string]types.NetInterface `json:"interfaces"`
}

// NetworkInspect returns the named networks.
func (r *Runtime) NetworkInspect(ctx context.Context, nameOrID string) (NetworkReport, error) {
	n, err := r.networks().Lookup(nameOrID)
	if err != nil {
		return NetworkReport{}, err
	}
	rep := NetworkReport{Network: n, Containers: map[string]NetworkContainer{}}
	ctrs, err := r.store.Containers(ctx)
	if err != nil {
		return rep, err
	}
	for _, c := range ctrs {
		st, ok := c.State.NetworkStatus[n.Name]
		if !ok {
			continue
		}
		rep.Containers[c.Config.ID] = NetworkContainer{Name: c.Config.Name, Interfaces: st.Interfaces}
	}
	return rep, nil
}

// NetworkExists reports whether a network of that name or ID exists.
func (r *Runtime) NetworkExists(_ context.Context, nameOrID string) (bool, error) {
	_, err := r.networks().Lookup(nameOrID)
	if errors.Is(err, define.ErrNoSuchNetwork) {
		return false, nil
	}
	return err == nil, err
}

// networkUsers maps each network name to the IDs of the containers
// configured on it.
func (r *Runtime) networkUsers(ctx context.Context) (map[string][]string, error) {
	ctrs, err := r.store.Containers(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, c := range ctrs {
		for name := range c.Config.Networks {
			out[name] = append(out[name], c.Config.ID)
		}
	}
	return out, nil
}

// NetworkRemove removes a network; with force it first removes the
// containers on it (podman's -f), else it refuses while any uses it.
func (r *Runtime) NetworkRemove(ctx context.Context, nameOrID string, force bool, timeout *uint) (string, error) {
	n, err := r.networks().Lookup(nameOrID)
	if err != nil {
		return "", err
	}
	if n.Name == r.networks().Default() {
		return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "default network %s cannot be removed", n.Name)
	}
	users, err := r.networkUsers(ctx)
	if err != nil {
		return "", err
	}
	if ids := users[n.Name]; len(ids) > 0 {
		if !force {
			return "", fmt.Errorf("%q has associated containers with it. Use -f to forcibly delete containers and pods: %w", n.Name, define.ErrNetworkInUse)
		}
		for _, id := range ids {
			if err := r.Remove(ctx, id, RemoveOptions{Force: true, Timeout: timeout}); err != nil && !errors.Is(err, define.ErrNoSuchCtr) {
				return "", err
			}
		}
	}
	l, err := r.lockNetworks(ctx)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	if err := r.networks().Remove(n); err != nil {
		return n.Name, err
	}
	if err := r.ipam().RemoveNetwork(n.Name); err != nil {
		return n.Name, err
	}
	r.networkEvent(n.ID, n.Name, n.Driver, events.Remove)
	return n.Name, nil
}

// NetworkPrune removes every network no container uses, but the default
// one, that passes the filters (label, label!, until).
func (r *Runtime) NetworkPrune(ctx context.Context, filters map[string][]string) ([]string, error) {
	funcs, err := util.GenerateNetworkPruneFilters(filters)
	if err != nil {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%v", err)
	}
	nets, err := r.networks().List()
	if err != nil {
		return nil, err
	}
	users, err := r.networkUsers(ctx)
	if err != nil {
		return nil, err
	}
	l, err := r.lockNetworks(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	var removed []string
	for _, n := range nets {
		if n.Name == r.networks().Default() || len(users[n.Name]) > 0 ||
			slices.ContainsFunc(funcs, func(f types.FilterFunc) bool { return !f(n) }) {
			continue
		}
		if err := r.networks().Remove(n); err != nil {
			return removed, err
		}
		if err := r.ipam().RemoveNetwork(n.Name); err != nil {
			return removed, err
		}
		removed = append(removed, n.Name)
	}
	return removed, nil
}

// NetworkUpdate changes a network's DNS servers (--dns-add/--dns-drop)
// and, when pier runs an aardvark for it, tells that aardvark. podman's
// netavark call fails when no container runs on the network (netavark
// 1.4 finds no aardvark config); pier only updates the file then.
func (r *Runtime) NetworkUpdate(ctx context.Context, nameOrID string, add, drop []string) (types.Network, error) {
	l, err := r.lockNetworks(ctx)
	if err != nil {
		return types.Network{}, err
	}
	defer l.Unlock()
	n, changed, err := r.networks().UpdateDNS(nameOrID, add, drop)
	if err != nil || !changed {
		return n, err
	}
	d := r.netDriver()
	if _, err := os.Stat(filepath.Join(d.RunDir, "aardvark-dns", n.Name)); err != nil {
		return n, nil
	}
	return n, d.UpdateDNS(ctx, n.Name, n.NetworkDNSServers)
}
