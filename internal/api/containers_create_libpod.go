package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/libpodspec"
	"github.com/pier-engine/pier/internal/specgen"
)

// The SpecGenerator types live in libpodspec, shared with `generate spec`.
type (
	libpodSpec = libpodspec.SpecGenerator
	specPort   = libpodspec.PortMapping
)

// specDefaults are the values podman 5's client sends for options the
// user did not give; they change nothing pier does.
var specDefaults = map[string]string{
	"systemd":              `"true"`,
	"sdnotifyMode":         `"container"`,
	"manage_password":      `true`,
	"image_volume_mode":    `"anonymous"`,
	"seccomp_policy":       `"default"`,
	"umask":                `"0022"`,
	"healthLogDestination": `"local"`,
	"healthMaxLogCount":    `5`,
	"healthMaxLogSize":     `500`,
	"idmappings": `{"HostUIDMapping":true,"HostGIDMapping":true,"UIDMap":null,"GIDMap":null,"AutoUserNs":false,` +
		`"AutoUserNsOpts":{"Size":0,"InitialSize":0,"PasswdFile":"","GroupFile":"","AdditionalUIDMappings":null,"AdditionalGIDMappings":null}}`,
}

// specFields are libpodSpec's JSON names.
var specFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(libpodSpec{})
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}()

// checkUnapplied refuses a field pier does not apply that holds more than
// "not set".
func checkUnapplied(body []byte) error {
	var raw map[string]json.RawMessage
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return err
	}
	var bad []string
	for k, v := range raw {
		if specFields[k] || unset(v) || sameJSON(v, specDefaults[k]) {
			continue
		}
		bad = append(bad, k)
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%s: not supported by pier's API yet: %w", strings.Join(bad, ", "), define.ErrNotImplemented)
	}
	return nil
}

// unset reports whether v is null, false, 0, "" or an array or object of
// only such values.
func unset(v json.RawMessage) bool {
	var x any
	if json.Unmarshal(v, &x) != nil {
		return false
	}
	return zeroValue(x)
}

func zeroValue(x any) bool {
	switch t := x.(type) {
	case nil:
		return true
	case bool:
		return !t
	case float64:
		return t == 0
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		for _, e := range t {
			if !zeroValue(e) {
				return false
			}
		}
		return true
	}
	return false
}

func sameJSON(v json.RawMessage, want string) bool {
	if want == "" {
		return false
	}
	var a, b any
	return json.Unmarshal(v, &a) == nil && json.Unmarshal([]byte(want), &b) == nil && reflect.DeepEqual(a, b)
}

// libpodCreate takes podman's SpecGenerator.
func (s *Server) libpodCreate(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		badRequest(w, "reading the request: %w", err)
		return
	}
	var sp libpodSpec
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&sp); err != nil && !errors.Is(err, io.EOF) {
		badRequest(w, "decode(): %w", err)
		return
	}
	if err := checkUnapplied(body); err != nil {
		writeError(w, err)
		return
	}
	if sp.Image == "" {
		badRequest(w, "no image or rootfs specified for container: %w", define.ErrInvalidArg)
		return
	}
	req, err := specRequest(&sp)
	if err != nil {
		writeError(w, err)
		return
	}
	s.create(w, r, req)
}

// request maps the spec onto the engine's create request.
func specRequest(sp *libpodSpec) (*engine.CreateRequest, error) {
	req := &engine.CreateRequest{
		Name: sp.Name, Image: sp.Image, Command: sp.Command, WorkingDir: sp.WorkDir,
		User: sp.User, Labels: sp.Labels, Annotations: sp.Annotations, Hostname: sp.Hostname,
		Terminal: sp.Terminal, Stdin: sp.Stdin, AutoRemove: sp.Remove, ReadOnly: sp.ReadOnly,
		StopTimeout: sp.StopTimeout, CreateCmd: sp.CreateCommand, RestartPolicy: sp.Restart,
		Init: sp.Init, InitPath: sp.InitPath, UnsetEnv: sp.UnsetEnv, UnsetEnvAll: sp.UnsetEnvAll,
		NoNewPrivileges: sp.NoNewPrivs, DNSServers: sp.DNSServers, DNSSearch: sp.DNSSearch,
		DNSOptions: sp.DNSOptions, AddHosts: sp.HostAdd, NoHosts: sp.UseImageHosts,
		VolumesFrom: sp.VolumesFrom, PublishAll: sp.PublishAll, Resources: sp.Resources,
		Ulimits: sp.Rlimits, Timezone: sp.Timezone, Pod: sp.Pod,
		LogDriver: sp.LogConfig.Driver, LogPath: sp.LogConfig.Path, LogOptions: sp.LogConfig.Options,
	}
	if sp.RestartTries != nil {
		req.RestartRetries = *sp.RestartTries
	}
	if sp.LogConfig.Size != 0 {
		req.LogSizeMax = &sp.LogConfig.Size
	}
	if sp.Entrypoint != nil {
		ep, _ := json.Marshal(sp.Entrypoint)
		s := string(ep)
		req.Entrypoint = &s
	}
	if sp.StopSignal != nil {
		req.StopSignal = *sp.StopSignal
	}
	for _, k := range sortedKeys(sp.Env) {
		req.Env = append(req.Env, k+"="+sp.Env[k])
	}
	req.HostEnv = hostEnv(sp.EnvHost, sp.HTTPProxy)
	iso := &req.Isolation
	iso.Privileged, iso.CapAdd, iso.CapDrop, iso.GroupAdd = sp.Privileged, sp.CapAdd, sp.CapDrop, sp.Groups
	iso.PID, iso.UTS, iso.IPC = sp.PidNS.Flag(), sp.UtsNS.Flag(), sp.IpcNS.Flag()
	iso.CgroupNS, iso.UserNS = sp.CgroupNS.Flag(), sp.UserNS.Flag()
	req.Limits = engine.LimitsRequest{ShmSize: sp.ShmSize, OOMScoreAdj: sp.OOMScoreAdj, CgroupParent: sp.CgroupParent}
	for _, k := range sortedKeys(sp.Sysctl) {
		req.Sysctls = append(req.Sysctls, k+"="+sp.Sysctl[k])
	}
	if err := specNetwork(sp, req); err != nil {
		return nil, err
	}
	return req, specStorage(sp, req)
}

// hostEnv is what the server's environment gives the container: all of it
// (env_host) or its proxy variables (httpproxy), as podman's service.
func hostEnv(all, proxy bool) []string {
	if all {
		return os.Environ()
	}
	var out []string
	if proxy {
		for _, k := range specgen.ProxyVars {
			if v, ok := os.LookupEnv(k); ok {
				out = append(out, k+"="+v)
			}
		}
	}
	return out
}

// applyNetwork maps netns, the networks to join and the published ports.
func specNetwork(sp *libpodSpec, req *engine.CreateRequest) error {
	req.NetworkMode = sp.NetNS.Flag()
	if req.NetworkMode == "bridge" && len(sp.Networks) > 0 {
		names := make([]string, 0, len(sp.Networks))
		for name, opts := range sp.Networks {
			if !reflect.DeepEqual(opts, types.PerNetworkOptions{}) {
				return fmt.Errorf("network %s: per-network options (Networks) are not supported by pier's API yet: %w", name, define.ErrNotImplemented)
			}
			names = append(names, name)
		}
		sort.Strings(names)
		req.NetworkMode = strings.Join(names, ",")
	}
	for _, p := range sp.PortMappings {
		req.Publish = append(req.Publish, p.Flag())
	}
	for _, port := range sortedPorts(sp.Expose) {
		req.Expose = append(req.Expose, fmt.Sprintf("%d/%s", port, sp.Expose[port]))
	}
	return nil
}

func sortedPorts(m map[uint16]string) []uint16 {
	out := make([]uint16, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// applyStorage maps mounts, named volumes and devices.
func specStorage(sp *libpodSpec, req *engine.CreateRequest) error {
	for _, m := range sp.Mounts {
		req.Mounts = append(req.Mounts, define.Mount{Type: m.Type, Source: m.Source, Destination: m.Destination, Options: m.Options})
	}
	for _, v := range sp.Volumes {
		if v.SubPath != "" {
			return fmt.Errorf("volumes: subpath is not supported by pier's API yet: %w", define.ErrNotImplemented)
		}
		name := v.Name
		if v.IsAnonymous {
			name = ""
		}
		req.Mounts = append(req.Mounts, define.Mount{Type: "volume", Name: name, Destination: v.Dest, Options: v.Options})
	}
	for _, d := range sp.Devices {
		dev, err := specgen.ParseDevice(d.Path)
		if err != nil {
			return err
		}
		req.Isolation.Devices = append(req.Isolation.Devices, dev)
	}
	return nil
}
