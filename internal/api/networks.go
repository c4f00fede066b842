package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"

	mobynet "github.com/moby/moby/api/types/network"
	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/network"
)

// libpodListNetworks is `pier network ls --format json`: podman's network
// objects.
func (s *Server) libpodListNetworks(w http.ResponseWriter, r *http.Request) {
	serveList(w, r, s.rt.NetworkList, asIs)
}

// libpodInspectNetwork is `pier network inspect`'s object.
func (s *Server) libpodInspectNetwork(w http.ResponseWriter, r *http.Request) {
	serveInspect(w, r, s.rt.NetworkInspect, asIs)
}

// compatListNetworks is Docker's network list.
func (s *Server) compatListNetworks(w http.ResponseWriter, r *http.Request) {
	serveList(w, r, s.rt.NetworkList, func(nets []types.Network) any {
		out := make([]mobynet.Inspect, 0, len(nets))
		for i := range nets {
			out = append(out, compatNetwork(&nets[i]))
		}
		return out
	})
}

// compatInspectNetwork is Docker's network inspect.
func (s *Server) compatInspectNetwork(w http.ResponseWriter, r *http.Request) {
	serveInspect(w, r, s.rt.NetworkInspect, func(rep engine.NetworkReport) any {
		out := compatNetwork(&rep.Network)
		for id, c := range rep.Containers {
			out.Containers[id] = mobynet.EndpointResource{Name: c.Name}
		}
		return out
	})
}

// compatNetwork maps podman's network onto Docker's; Docker's "bridge"
// driver and "local" scope are what podman reports too.
func compatNetwork(n *types.Network) mobynet.Inspect {
	out := mobynet.Inspect{Containers: map[string]mobynet.EndpointResource{}}
	out.Name, out.ID, out.Driver, out.Scope = n.Name, n.ID, n.Driver, "local"
	out.Created = n.Created
	out.EnableIPv4 = true
	out.EnableIPv6 = n.IPv6Enabled
	out.Internal = n.Internal
	out.Options = n.Options
	out.Labels = n.Labels
	out.IPAM = mobynet.IPAM{Driver: "default", Config: []mobynet.IPAMConfig{}}
	for _, sub := range n.Subnets {
		cfg := mobynet.IPAMConfig{}
		if p, err := netip.ParsePrefix(sub.Subnet.String()); err == nil {
			cfg.Subnet = p
		}
		if a, ok := netip.AddrFromSlice(sub.Gateway); ok {
			cfg.Gateway = a.Unmap()
		}
		out.IPAM.Config = append(out.IPAM.Config, cfg)
	}
	return out
}

// networkCreateBody is Docker's create body.
type networkCreateBody struct {
	Name       string
	Driver     string
	Internal   bool
	EnableIPv6 *bool
	Labels     map[string]string
	Options    map[string]string
	IPAM       *struct {
		Config []struct{ Subnet, Gateway, IPRange string }
	}
}

// compatCreateNetwork answers Docker's {"Id", "Warning"} with 201.
func (s *Server) compatCreateNetwork(w http.ResponseWriter, r *http.Request) {
	var b networkCreateBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		badRequest(w, "decode(): %w", err)
		return
	}
	req := network.CreateRequest{Name: b.Name, Driver: b.Driver, Internal: b.Internal, Labels: b.Labels, Options: b.Options}
	if b.EnableIPv6 != nil {
		req.IPv6 = *b.EnableIPv6
	}
	var gws, ranges []string
	if b.IPAM != nil {
		for _, c := range b.IPAM.Config {
			req.Subnets = append(req.Subnets, c.Subnet)
			gws = append(gws, c.Gateway)
			ranges = append(ranges, c.IPRange)
		}
	}
	var err error
	if req.Gateways, err = perSubnet(gws, "Gateway"); err == nil {
		req.IPRanges, err = perSubnet(ranges, "IPRange")
	}
	if err != nil {
		writeError(w, err)
		return
	}
	n, err := s.rt.NetworkCreate(r.Context(), req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"Id": n.ID, "Warning": ""})
}

// libpodCreateNetwork takes podman's network object (the fields `network
// create` sets) and answers the created network.
func (s *Server) libpodCreateNetwork(w http.ResponseWriter, r *http.Request) {
	var b types.Network
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		badRequest(w, "decode(): %w", err)
		return
	}
	req := network.CreateRequest{
		Name: b.Name, Driver: b.Driver, IPv6: b.IPv6Enabled, Internal: b.Internal,
		DisableDNS: !b.DNSEnabled, Labels: b.Labels, Options: b.Options,
		Interface: b.NetworkInterface, DNSServers: b.NetworkDNSServers,
	}
	var gws []string
	for _, sub := range b.Subnets {
		if sub.LeaseRange != nil {
			badRequest(w, "subnets: lease_range is not supported by pier yet: %w", define.ErrNotImplemented)
			return
		}
		req.Subnets = append(req.Subnets, sub.Subnet.String())
		gw := ""
		if sub.Gateway != nil {
			gw = sub.Gateway.String()
		}
		gws = append(gws, gw)
	}
	var err error
	if req.Gateways, err = perSubnet(gws, "gateway"); err != nil {
		writeError(w, err)
		return
	}
	n, err := s.rt.NetworkCreate(r.Context(), req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

// removeNetwork: compat 204; libpod podman's [{"Name": ...}] report.
func (s *Server) removeNetwork(w http.ResponseWriter, r *http.Request) (string, bool) {
	timeout, err := uintQuery(r, "timeout")
	if err != nil {
		badRequest(w, "failed to parse parameters for %s: %w", r.URL.String(), err)
		return "", false
	}
	name, err := s.rt.NetworkRemove(r.Context(), param(r, "name"), boolQuery(r, "force"), timeout)
	if err != nil {
		writeError(w, err)
		return "", false
	}
	return name, true
}

func (s *Server) compatRemoveNetwork(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.removeNetwork(w, r); ok {
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) libpodRemoveNetwork(w http.ResponseWriter, r *http.Request) {
	if name, ok := s.removeNetwork(w, r); ok {
		writeJSON(w, http.StatusOK, []map[string]any{{"Name": name, "Err": nil}})
	}
}

// networkExists is libpod's 204 or 404.
func (s *Server) networkExists(w http.ResponseWriter, r *http.Request) {
	ok, err := s.rt.NetworkExists(r.Context(), param(r, "name"))
	if err == nil && !ok {
		err = fmt.Errorf("unable to find network with name or ID %s: %w", param(r, "name"), define.ErrNoSuchNetwork)
	}
	noContent(w, err)
}

// perSubnet turns one optional value per subnet into the network
// package's list, where value i belongs to subnet i: trailing empty values
// are dropped, an empty one before a given one cannot be expressed.
func perSubnet(vals []string, what string) ([]string, error) {
	last := -1
	for i, v := range vals {
		if v != "" {
			last = i
		}
	}
	for i := 0; i < last; i++ {
		if vals[i] == "" {
			return nil, fmt.Errorf("%s of subnet %d must be set when a later subnet sets one: %w", what, i, define.ErrInvalidArg)
		}
	}
	return vals[:last+1], nil
}
