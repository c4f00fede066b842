package api

import (
	"net/http"
	"net/netip"

	mobynet "github.com/moby/moby/api/types/network"
	"go.podman.io/common/libnetwork/types"
)

// libpodListNetworks is `pier network ls --format json`: podman's network
// objects.
func (s *Server) libpodListNetworks(w http.ResponseWriter, r *http.Request) {
	filters, err := filtersQuery(r)
	if err != nil {
		badFilters(w, err)
		return
	}
	nets, err := s.rt.NetworkList(r.Context(), filters)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, nets)
}

// libpodInspectNetwork is `pier network inspect`'s object.
func (s *Server) libpodInspectNetwork(w http.ResponseWriter, r *http.Request) {
	rep, err := s.rt.NetworkInspect(r.Context(), param(r, "name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// compatListNetworks is Docker's network list.
func (s *Server) compatListNetworks(w http.ResponseWriter, r *http.Request) {
	filters, err := filtersQuery(r)
	if err != nil {
		badFilters(w, err)
		return
	}
	nets, err := s.rt.NetworkList(r.Context(), filters)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]mobynet.Inspect, 0, len(nets))
	for i := range nets {
		out = append(out, compatNetwork(&nets[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// compatInspectNetwork is Docker's network inspect.
func (s *Server) compatInspectNetwork(w http.ResponseWriter, r *http.Request) {
	rep, err := s.rt.NetworkInspect(r.Context(), param(r, "name"))
	if err != nil {
		writeError(w, err)
		return
	}
	out := compatNetwork(&rep.Network)
	for id, c := range rep.Containers {
		out.Containers[id] = mobynet.EndpointResource{Name: c.Name}
	}
	writeJSON(w, http.StatusOK, out)
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
