package api

import (
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	mobynet "github.com/moby/moby/api/types/network"

	"github.com/pier-engine/pier/internal/ctrfilter"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/report"
)

// listContainers returns the containers a list request asks for: those
// matching "filters", all with all=true (or a limit, or a status filter,
// as podman), else the running ones; newest first, limit keeps N.
func (s *Server) listContainers(w http.ResponseWriter, r *http.Request) ([]*define.Container, bool) {
	filters, err := filtersQuery(r)
	if err != nil {
		badFilters(w, err)
		return nil, false
	}
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	all := boolQuery(r, "all") || limit > 0 || len(filters["status"]) > 0
	cs, err := s.rt.Containers(r.Context())
	if err != nil {
		writeError(w, err)
		return nil, false
	}
	match, err := ctrfilter.New(filters, ctrfilter.Env{All: cs, NetworkName: func(v string) (string, bool) {
		rep, err := s.rt.NetworkInspect(r.Context(), v)
		return rep.Name, err == nil
	}})
	if err != nil {
		writeError(w, err)
		return nil, false
	}
	out := cs[:0:0]
	for _, c := range cs {
		if match(c) && (all || c.State.Status == define.StatusRunning) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Config.Created.After(out[j].Config.Created) })
	if limit > 0 && limit < len(out) {
		out = out[:limit]
	}
	return out, true
}

// libpodListContainers is `pier ps --format json`'s shape.
func (s *Server) libpodListContainers(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.listContainers(w, r)
	if !ok {
		return
	}
	now := time.Now()
	out := make([]report.ListContainer, 0, len(cs))
	for _, c := range cs {
		row := report.NewListContainer(c, now)
		// The API leaves the human columns to the client: CreatedAt is
		// empty and Status holds only the health, as podman's.
		row.CreatedAt, row.Status = "", ""
		if h := c.State.Health; h != nil {
			row.Status = h.Status
		}
		out = append(out, row)
	}
	writeJSON(w, http.StatusOK, out)
}

// compatListContainers is Docker's container list.
func (s *Server) compatListContainers(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.listContainers(w, r)
	if !ok {
		return
	}
	now := time.Now()
	out := make([]container.Summary, 0, len(cs))
	for _, c := range cs {
		out = append(out, compatSummary(c, now))
	}
	writeJSON(w, http.StatusOK, out)
}

func compatSummary(c *define.Container, now time.Time) container.Summary {
	row := report.NewListContainer(c, now)
	cfg := &c.Config
	sum := container.Summary{
		ID:      cfg.ID,
		Names:   []string{"/" + cfg.Name},
		Image:   cfg.Image,
		ImageID: "sha256:" + cfg.ImageID,
		Command: strings.Join(append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...), " "),
		Created: cfg.Created.Unix(),
		Labels:  cfg.Labels,
		State:   dockerState(c.State.Status),
		Status:  row.Status,
		Ports:   []container.PortSummary{},
		Mounts:  []container.MountPoint{},
		NetworkSettings: &container.NetworkSettingsSummary{
			Networks: map[string]*mobynet.EndpointSettings{},
		},
	}
	if sum.Labels == nil {
		sum.Labels = map[string]string{}
	}
	sum.HostConfig.NetworkMode = cfg.NetworkMode
	for _, p := range cfg.PortMappings {
		// Docker names the unspecified host address; it shows as 0.0.0.0.
		ip, err := netip.ParseAddr(p.HostIP)
		if err != nil {
			ip = netip.IPv4Unspecified()
		}
		for i := uint16(0); i < max(p.Range, 1); i++ {
			sum.Ports = append(sum.Ports, container.PortSummary{
				IP: ip, PrivatePort: p.ContainerPort + i, PublicPort: p.HostPort + i, Type: p.Protocol,
			})
		}
	}
	for name := range cfg.Networks {
		sum.NetworkSettings.Networks[name] = &mobynet.EndpointSettings{}
	}
	for _, m := range cfg.Mounts {
		sum.Mounts = append(sum.Mounts, container.MountPoint{Type: mount.Type(m.Type), Source: m.Source, Destination: m.Destination})
	}
	return sum
}

// dockerState maps pier's states onto Docker's: "stopped" and
// "configured" have no Docker name.
func dockerState(st define.Status) container.ContainerState {
	switch st {
	case define.StatusExited, define.StatusStopped:
		return container.StateExited
	case define.StatusRunning:
		return container.StateRunning
	case define.StatusPaused:
		return container.StatePaused
	case define.StatusRemoving:
		return container.StateRemoving
	}
	return container.StateCreated
}

// libpodInspectContainer is `pier container inspect`'s object.
func (s *Server) libpodInspectContainer(w http.ResponseWriter, r *http.Request) {
	data, err := s.rt.Inspect(r.Context(), param(r, "name"), engine.InspectOptions{Size: boolQuery(r, "size")})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, data)
}

// compatInspectContainer is Docker's inspect, from the same data.
func (s *Server) compatInspectContainer(w http.ResponseWriter, r *http.Request) {
	d, err := s.rt.Inspect(r.Context(), param(r, "name"), engine.InspectOptions{Size: boolQuery(r, "size")})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, compatInspect(d))
}

func compatInspect(d *define.InspectContainerData) container.InspectResponse {
	out := container.InspectResponse{
		ID: d.ID, Created: d.Created.Format(time.RFC3339Nano), Path: d.Path, Args: d.Args,
		Image: "sha256:" + d.Image, ResolvConfPath: d.ResolvConfPath, HostnamePath: d.HostnamePath,
		HostsPath: d.HostsPath, Name: "/" + d.Name, RestartCount: int(d.RestartCount),
		Driver: d.Driver, Platform: "linux", MountLabel: d.MountLabel, ProcessLabel: d.ProcessLabel,
		AppArmorProfile: d.AppArmorProfile, ExecIDs: d.ExecIDs, SizeRw: d.SizeRw,
		Mounts: []container.MountPoint{}, HostConfig: &container.HostConfig{},
		NetworkSettings: &container.NetworkSettings{},
	}
	if d.SizeRootFs != 0 {
		out.SizeRootFs = &d.SizeRootFs
	}
	if ns := d.NetworkSettings; ns != nil {
		out.NetworkSettings = compatNetworkSettings(ns)
	}
	if st := d.State; st != nil {
		out.State = &container.State{
			Status: container.ContainerState(dockerStateName(st.Status)), Running: st.Running,
			Paused: st.Paused, Restarting: st.Restarting, OOMKilled: st.OOMKilled, Dead: st.Dead,
			Pid: st.Pid, ExitCode: int(st.ExitCode), Error: st.Error,
			StartedAt: st.StartedAt.Format(time.RFC3339Nano), FinishedAt: st.FinishedAt.Format(time.RFC3339Nano),
		}
	}
	if c := d.Config; c != nil {
		out.Config = &container.Config{
			Hostname: c.Hostname, Domainname: c.DomainName, User: c.User, AttachStdin: c.AttachStdin,
			AttachStdout: c.AttachStdout, AttachStderr: c.AttachStderr, Tty: c.Tty, OpenStdin: c.OpenStdin,
			StdinOnce: c.StdinOnce, Env: c.Env, Cmd: c.Cmd, Image: c.Image, Volumes: c.Volumes,
			WorkingDir: c.WorkingDir, Entrypoint: c.Entrypoint, Labels: c.Labels, StopSignal: c.StopSignal,
		}
	}
	for _, m := range d.Mounts {
		out.Mounts = append(out.Mounts, container.MountPoint{
			Type: mount.Type(m.Type), Name: m.Name, Source: m.Source, Destination: m.Destination,
			Driver: m.Driver, Mode: m.Mode, RW: m.RW, Propagation: mount.Propagation(m.Propagation),
		})
	}
	return out
}

// dockerStateName is dockerState for inspect's status text.
func dockerStateName(status string) string {
	switch status {
	case "stopped", "exited":
		return "exited"
	case "configured", "initialized":
		return "created"
	}
	return status
}

// boolQuery reads a query flag as podman's decoder does: "1" and "true".
func boolQuery(r *http.Request, name string) bool {
	b, _ := strconv.ParseBool(r.Form.Get(name))
	return b
}

// compatNetworkSettings is inspect's network part in Docker's types:
// published ports (docker port reads them) and each network's addresses.
func compatNetworkSettings(ns *define.InspectNetworkSettings) *container.NetworkSettings {
	out := &container.NetworkSettings{
		SandboxKey: ns.SandboxKey, Ports: mobynet.PortMap{}, Networks: map[string]*mobynet.EndpointSettings{},
	}
	for key, binds := range ns.Ports {
		port, err := mobynet.ParsePort(key)
		if err != nil {
			continue
		}
		list := []mobynet.PortBinding{}
		for _, b := range binds {
			ip, err := netip.ParseAddr(b.HostIP)
			if err != nil {
				ip = netip.IPv4Unspecified()
			}
			list = append(list, mobynet.PortBinding{HostIP: ip, HostPort: b.HostPort})
		}
		out.Ports[port] = list
	}
	for name, n := range ns.Networks {
		ep := &mobynet.EndpointSettings{EndpointID: n.EndpointID, IPPrefixLen: n.IPPrefixLen}
		ep.IPAddress, _ = netip.ParseAddr(n.IPAddress)
		ep.Gateway, _ = netip.ParseAddr(n.Gateway)
		out.Networks[name] = ep
	}
	return out
}
