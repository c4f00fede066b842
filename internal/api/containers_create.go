package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall"

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
	s.create(w, r, req)
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

// libpodSpec is the part of podman's SpecGenerator pier takes. Unknown
// fields are refused (400), so that a client never believes an option
// was applied when it was not.
type libpodSpec struct {
	Name        string            `json:"name"`
	Image       string            `json:"image"`
	Command     []string          `json:"command"`
	Entrypoint  []string          `json:"entrypoint"`
	Env         map[string]string `json:"env"`
	WorkDir     string            `json:"work_dir"`
	User        string            `json:"user"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Hostname    string            `json:"hostname"`
	Terminal    bool              `json:"terminal"`
	Stdin       bool              `json:"stdin"`
	Remove      bool              `json:"remove"`
	ReadOnly    bool              `json:"read_only_filesystem"`
	StopSignal  *syscall.Signal   `json:"stop_signal"`
	StopTimeout *uint             `json:"stop_timeout"`
}

// libpodCreate takes podman's SpecGenerator (the subset in libpodSpec).
func (s *Server) libpodCreate(w http.ResponseWriter, r *http.Request) {
	var spec libpodSpec
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil && !errors.Is(err, io.EOF) {
		badRequest(w, "decode(): %w", err)
		return
	}
	if spec.Image == "" {
		badRequest(w, "no image or rootfs specified for container: %w", errors.New("invalid argument"))
		return
	}
	req := &engine.CreateRequest{
		Name: spec.Name, Image: spec.Image, Command: spec.Command, WorkingDir: spec.WorkDir,
		User: spec.User, Labels: spec.Labels, Annotations: spec.Annotations, Hostname: spec.Hostname,
		Terminal: spec.Terminal, Stdin: spec.Stdin, AutoRemove: spec.Remove, ReadOnly: spec.ReadOnly,
		StopTimeout: spec.StopTimeout,
	}
	if spec.Entrypoint != nil {
		ep, _ := json.Marshal(spec.Entrypoint)
		s := string(ep)
		req.Entrypoint = &s
	}
	if spec.StopSignal != nil {
		req.StopSignal = *spec.StopSignal
	}
	for k, v := range spec.Env {
		req.Env = append(req.Env, k+"="+v)
	}
	s.create(w, r, req)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, req *engine.CreateRequest) {
	req.CreateCmd = []string{}
	c, err := s.rt.CreateContainer(r.Context(), req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, createResponse{ID: c.Config.ID, Warnings: []string{}})
}
