package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/network"
	"github.com/pier-engine/pier/internal/proc"
)

// buildNetwork is the network backend buildah's RUN steps get, as podman
// hands buildah its own: buildah asks a libnetwork ContainerNetwork for
// Setup, Teardown and the default network's name. pier answers with its
// networks, its IPAM and its netavark driver (libnetwork's own netavark
// backend speaks a newer protocol than this host's netavark).
//
// A RUN container is not in pier's state, where IPAM looks for taken
// addresses, so each setup records its addresses in a reservation file
// under the run dir until its teardown; usedAddresses reads those too.
type buildNetwork struct {
	r   *Runtime
	ctx context.Context
	mu  sync.Mutex
	// active maps the RUN containers set up and not torn down yet to
	// their namespace paths, for an interrupted build to tear down.
	active map[string]string
}

var errBuildNetwork = errors.New("not supported by the network of a build step")

func (b *buildNetwork) reservation(id string) string {
	return filepath.Join(b.r.runDir, "build-networks", id+".json")
}

// Setup allocates addresses on the requested networks and runs netavark
// on the RUN container's namespace.
func (b *buildNetwork) Setup(nsPath string, o types.SetupOptions) (map[string]types.StatusBlock, error) {
	l, err := b.r.lockNetworks(b.ctx)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	used, _, err := b.r.usedAddresses(b.ctx, o.ContainerID)
	if err != nil {
		return nil, err
	}
	req := network.SetupRequest{ContainerID: o.ContainerID, ContainerName: o.ContainerName}
	for _, n := range o.Networks {
		netw, err := b.r.networks().Lookup(n.Name)
		if err != nil {
			return nil, err
		}
		opts := n.PerNetworkOptions
		opts.StaticIPs = slices.Clone(opts.StaticIPs)
		req.Networks = append(req.Networks, network.Attachment{Network: netw, Opts: opts})
	}
	ipam := b.r.ipam()
	if err := ipam.Allocate(o.ContainerID, req.Networks, used); err != nil {
		return nil, err
	}
	if err := b.reserve(o.ContainerID, req); err != nil {
		_ = ipam.Release(o.ContainerID, req.NetworkNames())
		return nil, err
	}
	status, err := b.r.netDriver().Setup(b.ctx, nsPath, req)
	if err != nil {
		_ = ipam.Release(o.ContainerID, req.NetworkNames())
		_ = os.Remove(b.reservation(o.ContainerID))
		return nil, fmt.Errorf("setting up network for build container %s: %w", o.ContainerName, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.active == nil {
		b.active = map[string]string{}
	}
	b.active[o.ContainerID] = nsPath
	return status, nil
}

// Teardown undoes Setup with the addresses it reserved, then frees them.
func (b *buildNetwork) Teardown(nsPath string, o types.TeardownOptions) error {
	b.mu.Lock()
	delete(b.active, o.ContainerID)
	b.mu.Unlock()
	return b.teardown(o.ContainerID, nsPath)
}

// teardownActive tears down the steps still set up: an interrupted build
// returns before buildah's teardown. The namespace paths stay valid while
// pier runs (buildah holds them open in this process).
func (b *buildNetwork) teardownActive() {
	b.mu.Lock()
	active := b.active
	b.active = nil
	b.mu.Unlock()
	for id, ns := range active {
		if err := b.teardown(id, ns); err != nil {
			slog.Warn(fmt.Sprintf("tearing down network of build container %s: %v", id, err))
		}
	}
}

func (b *buildNetwork) teardown(id, nsPath string) error {
	path := b.reservation(id)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading build network reservation: %w", err)
	}
	var res reservation
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("reading build network reservation: %w", err)
	}
	err = b.r.netDriver().Teardown(b.ctx, nsPath, res.Req)
	if rerr := b.r.ipam().Release(id, res.Req.NetworkNames()); rerr != nil && err == nil {
		err = rerr
	}
	if rerr := os.Remove(path); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// reservation is a RUN step's addresses and the pier process that holds
// them: a reservation whose process is gone (killed before its teardown)
// holds nothing.
type reservation struct {
	Owner      int
	OwnerStart uint64
	Req        network.SetupRequest
}

func (b *buildNetwork) reserve(id string, req network.SetupRequest) error {
	start, err := proc.StartTime(os.Getpid())
	if err != nil {
		return fmt.Errorf("reserving build network addresses: %w", err)
	}
	data, err := json.Marshal(reservation{Owner: os.Getpid(), OwnerStart: start, Req: req})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(b.reservation(id)), 0o700); err != nil {
		return fmt.Errorf("reserving build network addresses: %w", err)
	}
	return os.WriteFile(b.reservation(id), data, 0o600)
}

// buildReservations adds the addresses RUN steps hold to used; those of a
// pier that died before its teardown are freed in the IPAM database and
// dropped.
func (r *Runtime) buildReservations(used map[string]network.Used) {
	files, _ := filepath.Glob(filepath.Join(r.runDir, "build-networks", "*.json"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var res reservation
		if json.Unmarshal(data, &res) != nil {
			continue
		}
		if !proc.Alive(res.Owner, res.OwnerStart) {
			if r.ipam().Release(res.Req.ContainerID, res.Req.NetworkNames()) == nil {
				_ = os.Remove(f)
			}
			continue
		}
		req := res.Req
		for _, a := range req.Networks {
			if used[a.Network.Name] == nil {
				used[a.Network.Name] = network.Used{}
			}
			for _, ip := range a.Opts.StaticIPs {
				used[a.Network.Name][ip.String()] = req.ContainerID
			}
		}
	}
}

func (b *buildNetwork) DefaultNetworkName() string { return b.r.networks().Default() }

func (b *buildNetwork) Drivers() []string { return []string{types.BridgeNetworkDriver} }

func (b *buildNetwork) NetworkInfo() types.NetworkInfo {
	return types.NetworkInfo{Backend: types.Netavark, Package: "", Path: b.r.netDriver().Netavark}
}

func (b *buildNetwork) NetworkInspect(nameOrID string) (types.Network, error) {
	return b.r.networks().Lookup(nameOrID)
}

func (b *buildNetwork) NetworkList(...types.FilterFunc) ([]types.Network, error) {
	return b.r.networks().List()
}

func (b *buildNetwork) NetworkCreate(types.Network, *types.NetworkCreateOptions) (types.Network, error) {
	return types.Network{}, errBuildNetwork
}

func (b *buildNetwork) NetworkUpdate(string, types.NetworkUpdateOptions) error {
	return errBuildNetwork
}

func (b *buildNetwork) NetworkRemove(string) error { return errBuildNetwork }

func (b *buildNetwork) RunInRootlessNetns(func() error) error { return errBuildNetwork }

func (b *buildNetwork) RootlessNetnsInfo() (*types.RootlessNetnsInfo, error) {
	return nil, errBuildNetwork
}

func (b *buildNetwork) PestoSocketPath() string { return "" }

var _ types.ContainerNetwork = (*buildNetwork)(nil)
