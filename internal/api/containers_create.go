package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/moby/moby/api/types/container"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/signal"
	"github.com/pier-engine/pier/internal/specgen"
)

// createResponse is Docker's and podman's answer to a create.
type createResponse struct {
	ID       string   `json:"Id"`
	Warnings []string `json:"Warnings"`
}

// compatCreate takes Docker's create body. The fields pier maps are in
// compatRequest; other fields (resources, capabilities, ...) are not
// applied yet (docs/status.md).
func (s *Server) compatCreate(w http.ResponseWriter, r *http.Request) {
	var body container.CreateRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		badRequest(w, "decode(): %w", err)
		return
	}
	if body.Config == nil || body.Image == "" {
		badRequest(w, "no image was specified: %w", errors.New("image is required"))
		return
	}
	req, err := compatRequest(&body)
	if err != nil {
		writeError(w, err)
		return
	}
	req.Name = r.Form.Get("name")
	id := s.create(w, r, req)
	if cs := body.HostConfig; id != "" && cs != nil && cs.ConsoleSize[0] > 0 && cs.ConsoleSize[1] > 0 {
		// docker run -t gives the terminal's size here: the start uses it.
		s.sizes.send(id, engine.TermSize{Height: uint16(cs.ConsoleSize[0]), Width: uint16(cs.ConsoleSize[1])})
	}
}

func compatRequest(body *container.CreateRequest) (*engine.CreateRequest, error) {
	cfg := body.Config
	req := &engine.CreateRequest{
		Image: cfg.Image, Command: cfg.Cmd, Env: cfg.Env, WorkingDir: cfg.WorkingDir,
		User: cfg.User, Labels: cfg.Labels, Hostname: cfg.Hostname, Terminal: cfg.Tty,
		Stdin: cfg.OpenStdin,
	}
	if cfg.Entrypoint != nil {
		ep, err := json.Marshal(cfg.Entrypoint)
		if err != nil {
			return nil, fmt.Errorf("encoding entrypoint: %w", err)
		}
		s := string(ep)
		req.Entrypoint = &s
	}
	if cfg.StopSignal != "" {
		sig, err := signal.Parse(cfg.StopSignal)
		if err != nil {
			return nil, err
		}
		req.StopSignal = sig
	}
	if cfg.StopTimeout != nil && *cfg.StopTimeout >= 0 {
		t := uint(*cfg.StopTimeout)
		req.StopTimeout = &t
	}
	if hc := body.HostConfig; hc != nil {
		if err := applyHostConfig(req, hc); err != nil {
			return nil, err
		}
	}
	return req, nil
}

func applyHostConfig(req *engine.CreateRequest, hc *container.HostConfig) error {
	req.AutoRemove = hc.AutoRemove
	req.ReadOnly = hc.ReadonlyRootfs
	req.AddHosts = hc.ExtraHosts
	req.DNSSearch = hc.DNSSearch
	req.DNSOptions = hc.DNSOptions
	req.VolumesFrom = hc.VolumesFrom
	req.PublishAll = hc.PublishAllPorts
	for _, d := range hc.DNS {
		req.DNSServers = append(req.DNSServers, d.String())
	}
	// Docker's "default" network is podman's bridge.
	if mode := string(hc.NetworkMode); mode != "" && mode != "default" {
		req.NetworkMode = mode
	}
	for _, b := range hc.Binds {
		m, err := specgen.ParseVolume(b)
		if err != nil {
			return err
		}
		req.Mounts = append(req.Mounts, m)
	}
	for port, bindings := range hc.PortBindings {
		for _, b := range bindings {
			host := b.HostPort
			if b.HostIP.IsValid() {
				host = b.HostIP.String() + ":" + host
			}
			req.Publish = append(req.Publish, host+":"+port.String())
		}
	}
	if err := unsupportedHostConfig(hc); err != nil {
		return err
	}
	applyIsolation(req, hc)
	applyResources(req, &hc.Resources)
	if err := applyHostFiles(req, hc); err != nil {
		return err
	}
	if t := hc.LogConfig.Type; t != "" && t != "json-file" {
		req.LogDriver = t
	}
	if p := hc.RestartPolicy.Name; p != "" {
		req.RestartPolicy = string(p)
		if p == "on-failure" {
			req.RestartRetries = uint(max(hc.RestartPolicy.MaximumRetryCount, 0))
		}
	}
	return nil
}

// create creates and answers; it returns the new container's ID, "" on
// an error (answered).
func (s *Server) create(w http.ResponseWriter, r *http.Request, req *engine.CreateRequest) string {
	if req.CreateCmd == nil {
		req.CreateCmd = []string{}
	}
	c, err := s.rt.CreateContainer(r.Context(), req)
	if err != nil {
		writeError(w, err)
		return ""
	}
	writeJSON(w, http.StatusCreated, createResponse{ID: c.Config.ID, Warnings: []string{}})
	return c.Config.ID
}
