package kube

import (
	"net"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/network"
)

// staticAddrs gives the index-th played pod the index-th --ip and
// --mac-address, with podman's checks (one bridge network) and warnings
// once they run out.
func staticAddrs(r *engine.PodCreateRequest, req *PlayRequest, index int) ([]string, error) {
	var warnings []string
	if len(req.StaticIPs) == 0 && len(req.StaticMACs) == 0 {
		return nil, nil
	}
	f, err := network.ParseNetworkFlag(append([]string{r.NetworkMode}, r.ExtraNetworks...), "")
	if err != nil {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%v", err)
	}
	bridge := f.Mode == "bridge" || f.Mode == "private"
	single := len(f.Order) == 1 || (f.Mode == "private" && len(f.Order) == 0)
	check := func(what, syntax, plural string) error {
		if !bridge {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "static %s can only be set when the network mode is bridge", what)
		}
		if !single {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set static %s for more than network, use netname:%s=<%s> syntax to specify %s for more than network", what, syntax, syntax, plural)
		}
		return nil
	}
	if index < len(req.StaticIPs) {
		if err := check("ip addresses", "ip", "ips"); err != nil {
			return nil, err
		}
		ip := net.ParseIP(req.StaticIPs[index])
		if ip == nil {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid string being converted to IP address: %s", req.StaticIPs[index])
		}
		if ip.To4() != nil {
			r.Static.IP = ip.String()
		} else {
			r.Static.IP6 = ip.String()
		}
	} else if len(req.StaticIPs) > 0 {
		warnings = append(warnings, "No more static ips left using a random one")
	}
	if index < len(req.StaticMACs) {
		if err := check("mac address", "mac", "mac"); err != nil {
			return nil, err
		}
		r.Static.MAC = req.StaticMACs[index]
	} else if len(req.StaticIPs) > 0 {
		// podman words the MAC warning on the IPs' count, as here
		warnings = append(warnings, "No more static macs left using a random one")
	}
	return warnings, nil
}
