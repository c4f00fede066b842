package network

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/errdefs"
)

// DefaultName stands for the default network in --network bridge[:opts]
// until the engine knows its name (containers.conf default_network).
const DefaultName = "default"

// NetworkFlag is --network parsed as podman parses it: the mode, the
// networks of a bridge container in the order given with their options,
// and a mode's program options (slirp4netns:...).
type NetworkFlag struct {
	Mode     string
	Order    []string
	Networks map[string]types.PerNetworkOptions
	Options  map[string][]string
}

// modes are the --network values that are no network name.
var modes = []string{"bridge", "slirp4netns", "pasta", "pod", "none", "default", "private", "ns", "container", "host"}

// ParseNetworkFlag parses every --network value (the first may be a mode,
// later ones are networks joined as well); empty means def.
func ParseNetworkFlag(values []string, def string) (NetworkFlag, error) {
	f := NetworkFlag{Networks: map[string]types.PerNetworkOptions{}}
	ns := def
	if len(values) > 0 {
		ns = values[0]
	}
	name, opts, hasOpts := strings.Cut(ns, ":")
	switch {
	case name == "slirp4netns" || name == "pasta":
		f.Mode = name
		if hasOpts {
			f.Options = map[string][]string{name: strings.Split(opts, ",")}
		}
	case ns == "" || ns == "default" || ns == "private":
		f.Mode = "private"
	case name == "bridge":
		f.Mode = "bridge"
		o, err := parseBridgeOptions(opts)
		if err != nil {
			return f, err
		}
		f.add(DefaultName, o)
	case ns == "none" || ns == "host" || ns == "pod" || name == "ns" || name == "container":
		f.Mode = ns
	default:
		f.Mode = "bridge"
		if !hasOpts {
			for _, n := range strings.Split(ns, ",") {
				f.add(n, types.PerNetworkOptions{})
			}
			break
		}
		if name == "" {
			return f, errors.New("network name cannot be empty")
		}
		o, err := parseBridgeOptions(opts)
		if err != nil {
			return f, fmt.Errorf("invalid option for network %s: %w", name, err)
		}
		f.add(name, o)
	}
	if len(values) > 1 {
		if f.Mode != "bridge" {
			return f, fmt.Errorf("cannot set multiple networks without bridge network mode, selected mode %s: %w", f.Mode, errdefs.ErrInvalidArgument)
		}
		for _, v := range values[1:] {
			if err := f.addExtra(v); err != nil {
				return f, err
			}
		}
	}
	return f, nil
}

func (f *NetworkFlag) addExtra(v string) error {
	name, opts, hasOpts := strings.Cut(v, ":")
	if name == "" {
		return fmt.Errorf("network name cannot be empty: %w", errdefs.ErrInvalidArgument)
	}
	if slices.Contains(modes, name) {
		return fmt.Errorf("can only set extra network names, selected mode %s conflicts with bridge: %w", name, errdefs.ErrInvalidArgument)
	}
	o := types.PerNetworkOptions{}
	if hasOpts {
		var err error
		if o, err = parseBridgeOptions(opts); err != nil {
			return fmt.Errorf("invalid option for network %s: %w", name, err)
		}
	}
	f.add(name, o)
	return nil
}

func (f *NetworkFlag) add(name string, o types.PerNetworkOptions) {
	if _, ok := f.Networks[name]; !ok {
		f.Order = append(f.Order, name)
	}
	f.Networks[name] = o
}

// parseBridgeOptions parses NAME:ip=,ip6=,mac=,alias=,interface_name=
// (other keys are kept as driver options), podman's texts on errors.
func parseBridgeOptions(opts string) (types.PerNetworkOptions, error) {
	o := types.PerNetworkOptions{}
	if opts == "" {
		return o, nil
	}
	for _, opt := range strings.Split(opts, ",") {
		name, value, _ := strings.Cut(opt, "=")
		switch name {
		case "ip", "ip6":
			ip := net.ParseIP(value)
			if ip == nil {
				return o, fmt.Errorf("invalid ip address %q", value)
			}
			o.StaticIPs = append(o.StaticIPs, ip)
		case "mac":
			mac, err := net.ParseMAC(value)
			if err != nil {
				return o, err
			}
			o.StaticMAC = types.HardwareAddr(mac)
		case "alias":
			if value == "" {
				return o, errors.New("alias cannot be empty")
			}
			o.Aliases = append(o.Aliases, value)
		case "interface_name":
			if value == "" {
				return o, errors.New("interface_name cannot be empty")
			}
			o.InterfaceName = value
		default:
			if o.Options == nil {
				o.Options = map[string]string{}
			}
			o.Options[name] = value
		}
	}
	return o, nil
}

// StaticFlags are run's --ip, --ip6, --mac-address and --network-alias,
// which apply to the one network of a bridge container.
type StaticFlags struct {
	IP, IP6, MAC string
	Aliases      []string
}

// Apply puts the flags on f's single network (the default one if none
// was named), with podman's checks.
func (s StaticFlags) Apply(f *NetworkFlag) error {
	if s.IP == "" && s.IP6 == "" && s.MAC == "" && len(s.Aliases) == 0 {
		return nil
	}
	if len(f.Networks) == 0 && (f.Mode == "bridge" || f.Mode == "private") {
		f.add(DefaultName, types.PerNetworkOptions{})
	}
	bridge := f.Mode == "bridge" || f.Mode == "private"
	one := func(flag string) error {
		if !bridge {
			return fmt.Errorf("--%s can only be set when the network mode is bridge: %w", flag, errdefs.ErrInvalidArgument)
		}
		if len(f.Networks) != 1 {
			return fmt.Errorf("--%s can only be set for a single network: %w", flag, errdefs.ErrInvalidArgument)
		}
		return nil
	}
	for _, v := range []struct{ flag, val string }{{"ip", s.IP}, {"ip6", s.IP6}} {
		if v.val == "" {
			continue
		}
		ip := net.ParseIP(v.val)
		if ip == nil {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "%q is not an ip address", v.val)
		}
		if err := one(v.flag); err != nil {
			return err
		}
		f.update(func(o *types.PerNetworkOptions) { o.StaticIPs = append(o.StaticIPs, ip) })
	}
	if s.MAC != "" {
		mac, err := net.ParseMAC(s.MAC)
		if err != nil {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "%v", err)
		}
		if err := one("mac-address"); err != nil {
			return err
		}
		f.update(func(o *types.PerNetworkOptions) { o.StaticMAC = types.HardwareAddr(mac) })
	}
	if len(s.Aliases) > 0 {
		if !bridge {
			return fmt.Errorf("--network-alias can only be set when the network mode is bridge: %w", errdefs.ErrInvalidArgument)
		}
		f.update(func(o *types.PerNetworkOptions) { o.Aliases = s.Aliases })
	}
	return nil
}

func (f *NetworkFlag) update(fn func(*types.PerNetworkOptions)) {
	for name, o := range f.Networks {
		fn(&o)
		f.Networks[name] = o
	}
}
