// Package network keeps network definitions in podman 5's on-disk format
// (one JSON file per network in network_config_dir, the default network
// implicit) and drives the data plane (netavark setup/teardown in a
// network namespace per container). It allocates addresses from what the
// caller says is in use: the engine records allocations in its store.
package network

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"go.podman.io/common/libnetwork/types"
	cconfig "go.podman.io/common/pkg/config"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// Config says where definitions live and what the implicit default network
// is; the zero values take podman's defaults.
type Config struct {
	Dir           string // network_config_dir
	DefaultName   string // default_network, "podman"
	DefaultSubnet string // default_subnet, "10.88.0.0/16"
	Pools         []cconfig.SubnetPool
}

// FromCommon reads the [network] table podman reads.
func FromCommon(c *cconfig.Config) Config {
	if c == nil {
		return Config{}
	}
	n := c.Network
	return Config{Dir: n.NetworkConfigDir, DefaultName: n.DefaultNetwork, DefaultSubnet: n.DefaultSubnet, Pools: n.DefaultSubnetPools}
}

func (c Config) dir() string {
	if c.Dir == "" {
		return "/etc/containers/networks"
	}
	return c.Dir
}

// DefaultName is the name of the default network.
func (c Config) Default() string {
	if c.DefaultName == "" {
		return "podman"
	}
	return c.DefaultName
}

func (c Config) pools() []cconfig.SubnetPool {
	if len(c.Pools) > 0 {
		return c.Pools
	}
	base, _ := types.ParseCIDR("10.89.0.0/16")
	return []cconfig.SubnetPool{{Base: &base, Size: 24}}
}

// defaultNetwork is the implicit default network, as podman makes it
// (its ID is the sha256 of its name, so it is stable across hosts).
func (c Config) defaultNetwork() (types.Network, error) {
	subnet := c.DefaultSubnet
	if subnet == "" {
		subnet = "10.88.0.0/16"
	}
	n, err := types.ParseCIDR(subnet)
	if err != nil {
		return types.Network{}, fmt.Errorf("failed to parse default subnet %q: %w", subnet, err)
	}
	sum := sha256.Sum256([]byte(c.Default()))
	return types.Network{
		Name: c.Default(), ID: hex.EncodeToString(sum[:]), Driver: types.BridgeNetworkDriver,
		NetworkInterface: "podman0", Created: time.Now(),
		Subnets:     []types.Subnet{{Subnet: n, Gateway: firstIP(n.IPNet)}},
		IPAMOptions: map[string]string{types.Driver: types.HostLocalIPAMDriver},
	}, nil
}

// List returns every network, the default one included, sorted by name.
func (c Config) List() ([]types.Network, error) {
	entries, err := os.ReadDir(c.dir())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading network config directory: %w", err)
	}
	var nets []types.Network
	haveDefault := false
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		n, err := readNetwork(filepath.Join(c.dir(), e.Name()))
		if err != nil {
			// podman skips a broken file with a warning; so does pier.
			slog.Warn(err.Error())
			continue
		}
		haveDefault = haveDefault || n.Name == c.Default()
		nets = append(nets, n)
	}
	if !haveDefault {
		d, err := c.defaultNetwork()
		if err != nil {
			return nil, err
		}
		nets = append(nets, d)
	}
	sort.Slice(nets, func(i, j int) bool { return nets[i].Name < nets[j].Name })
	return nets, nil
}

func readNetwork(path string) (types.Network, error) {
	var n types.Network
	b, err := os.ReadFile(path)
	if err != nil {
		return n, err
	}
	if err := json.Unmarshal(b, &n); err != nil {
		return n, fmt.Errorf("failed to unmarshal network config %s: %w", path, err)
	}
	if n.Name+".json" != filepath.Base(path) {
		return n, fmt.Errorf("network config name %q does not match file name %s, skipping", n.Name, filepath.Base(path))
	}
	return n, nil
}

// Lookup finds a network by exact name, full ID or unique ID prefix.
func (c Config) Lookup(nameOrID string) (types.Network, error) {
	nets, err := c.List()
	if err != nil {
		return types.Network{}, err
	}
	return lookupIn(nets, nameOrID)
}

func lookupIn(nets []types.Network, nameOrID string) (types.Network, error) {
	var found []types.Network
	for _, n := range nets {
		if n.Name == nameOrID || n.ID == nameOrID {
			return n, nil
		}
		if nameOrID != "" && strings.HasPrefix(n.ID, nameOrID) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return types.Network{}, fmt.Errorf("unable to find network with name or ID %s: %w", nameOrID, define.ErrNoSuchNetwork)
	}
	return types.Network{}, fmt.Errorf("more than one result for network ID %s: %w", nameOrID, define.ErrAmbiguous)
}

var nameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`) })

// ValidName is podman's rule for network names.
func ValidName(name string) error {
	if !nameRe().MatchString(name) {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "network name %s invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument", name)
	}
	return nil
}

// Remove deletes a network's file. The caller checks that no container
// uses it.
func (c Config) Remove(n types.Network) error {
	if n.Name == c.Default() {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "default network %s cannot be removed", n.Name)
	}
	err := os.Remove(filepath.Join(c.dir(), n.Name+".json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing network %s: %w", n.Name, err)
	}
	return nil
}

func firstIP(n net.IPNet) net.IP {
	ip := make(net.IP, len(n.IP))
	copy(ip, n.IP)
	ip[len(ip)-1]++
	return ip
}
