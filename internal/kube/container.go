package kube

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/docker/go-units"
	spec "github.com/opencontainers/runtime-spec/specs-go"
	v1 "k8s.io/api/core/v1"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/signal"
)

// ctrContext is what every container of one pod is translated with.
type ctrContext struct {
	pod        *PodSpec
	spec       *v1.PodSpec
	ann        map[string]string
	opts       *Options
	configMaps []v1.ConfigMap
	secrets    []v1.Secret
	volumes    map[string]podVolume
	seccomp    *seccompPaths
}

// container translates one container of the pod; seen catches a name
// used twice (init containers included).
func (x *ctrContext) container(c *v1.Container, seen map[string]bool, restart string) (*engine.CreateRequest, error) {
	if seen[c.Name] {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "the pod %q is invalid; duplicate container name %q detected", x.pod.Name, c.Name)
	}
	seen[c.Name] = true
	if c.Image == "" {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "container %q is missing the required 'image' field", c.Name)
	}
	req := &engine.CreateRequest{Image: c.Image, Name: x.pod.Name + "-" + c.Name, WorkingDir: c.WorkingDir,
		Terminal: c.TTY, Stdin: c.Stdin, Labels: maps.Clone(x.pod.Labels), RestartPolicy: restart,
		LogDriver: x.opts.LogDriver, Pull: &image.PullOptions{Policy: pullPolicy(c.ImagePullPolicy)}}
	if x.opts.NoPodPrefix {
		req.Name = c.Name
	}
	if len(c.Command) > 0 {
		ep, err := json.Marshal(c.Command)
		if err != nil {
			return nil, fmt.Errorf("encoding the command of container %s: %w", c.Name, err)
		}
		s := string(ep)
		req.Entrypoint = &s
	}
	req.Command = slices.Clone(c.Args)
	req.Seccomp = x.seccomp.forContainer(c.Name)
	req.Annotations = maps.Clone(x.ann)
	req.Annotations[KubeHealthCheckAnnotion] = "true"
	// kube generate --podman-only writes --init as this annotation
	if strings.EqualFold(x.ann["io.podman.annotations.init/"+c.Name], "true") {
		req.Init = true
	}
	if err := x.logOptions(req); err != nil {
		return nil, err
	}
	if err := x.security(req, c); err != nil {
		return nil, err
	}
	if err := x.env(req, c); err != nil {
		return nil, err
	}
	if err := x.mounts(req, c); err != nil {
		return nil, err
	}
	if err := resources(req, c); err != nil {
		return nil, err
	}
	if err := livenessProbe(req, c, restart); err != nil {
		return nil, fmt.Errorf("failed to configure probes: %w", err)
	}
	if t := x.spec.TerminationGracePeriodSeconds; t != nil && *t >= 0 {
		v := uint(*t)
		req.StopTimeout = &v
	}
	if lc := c.Lifecycle; lc != nil && lc.StopSignal != nil {
		sig, err := signal.Parse(string(*lc.StopSignal))
		if err != nil {
			return nil, err
		}
		req.StopSignal = sig
	}
	return req, nil
}

// logOptions applies --log-opt as podman's kube play does.
func (x *ctrContext) logOptions(req *engine.CreateRequest) error {
	for _, o := range x.opts.LogOptions {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid log option %q", o)
		}
		switch strings.ToLower(k) {
		case "driver":
			req.LogDriver = v
		case "path":
			req.LogPath = v
		case "max-size":
			n, err := units.FromHumanSize(v)
			if err != nil {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "%v", err)
			}
			req.LogSizeMax = &n
		case "tag":
			req.LogTag = v
		default:
			if v == "" {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid log option: invalid argument")
			}
			if req.LogOptions == nil {
				req.LogOptions = map[string]string{}
			}
			req.LogOptions[k] = v
		}
	}
	return nil
}

// security applies the container's securityContext over the pod's.
func (x *ctrContext) security(req *engine.CreateRequest, c *v1.Container) error {
	sc := c.SecurityContext
	if sc == nil {
		sc = &v1.SecurityContext{}
	}
	psc := x.spec.SecurityContext
	if psc == nil {
		psc = &v1.PodSecurityContext{}
	}
	if sc.ReadOnlyRootFilesystem != nil {
		req.ReadOnly = *sc.ReadOnlyRootFilesystem
	}
	if sc.AllowPrivilegeEscalation != nil {
		req.NoNewPrivileges = !*sc.AllowPrivilegeEscalation
	}
	if sc.Privileged != nil {
		req.Isolation.Privileged = *sc.Privileged
	}
	if caps := sc.Capabilities; caps != nil {
		for _, cp := range caps.Add {
			req.Isolation.CapAdd = append(req.Isolation.CapAdd, string(cp))
		}
		for _, cp := range caps.Drop {
			req.Isolation.CapDrop = append(req.Isolation.CapDrop, string(cp))
		}
	}
	user := sc.RunAsUser
	if user == nil {
		user = psc.RunAsUser
	}
	if user != nil {
		req.User = strconv.FormatInt(*user, 10)
	}
	group := sc.RunAsGroup
	if group == nil {
		group = psc.RunAsGroup
	}
	if group != nil {
		if req.User == "" {
			req.User = "0"
		}
		req.User += ":" + strconv.FormatInt(*group, 10)
	}
	for _, g := range psc.SupplementalGroups {
		req.Isolation.GroupAdd = append(req.Isolation.GroupAdd, strconv.FormatInt(g, 10))
	}
	return nil
}

// resources maps memory limits and requests, and a CPU limit to a CFS
// quota over podman's 100 ms period.
func resources(req *engine.CreateRequest, c *v1.Container) error {
	res := &spec.LinuxResources{}
	if q, ok := c.Resources.Limits[v1.ResourceCPU]; ok && q.MilliValue() > 0 {
		period := uint64(100000)
		quota := q.MilliValue() * int64(period) / 1000
		res.CPU = &spec.LinuxCPU{Period: &period, Quota: &quota}
	}
	var mem spec.LinuxMemory
	if q, ok := c.Resources.Limits[v1.ResourceMemory]; ok {
		n, ok := q.AsInt64()
		if !ok {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "failed to configure container resources: failed to set memory limit: quantity cannot be represented as int64: %v", q.String())
		}
		mem.Limit = &n
	}
	if q, ok := c.Resources.Requests[v1.ResourceMemory]; ok {
		n, ok := q.AsInt64()
		if !ok {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "failed to configure container resources: failed to set memory reservation: quantity cannot be represented as int64: %v", q.String())
		}
		mem.Reservation = &n
	}
	if mem.Limit != nil || mem.Reservation != nil {
		res.Memory = &mem
	}
	if res.CPU != nil || res.Memory != nil {
		req.Resources = res
	}
	return nil
}

var (
	fieldLabel      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^metadata.labels\['(.+)'\]$`) })
	fieldAnnotation = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^metadata.annotations\['(.+)'\]$`) })
)

// env sets the container's variables: envFrom first, then env, later
// ones winning, as in podman.
func (x *ctrContext) env(req *engine.CreateRequest, c *v1.Container) error {
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	for _, ef := range c.EnvFrom {
		from, err := x.envFrom(ef)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(from)) {
			set(ef.Prefix+k, from[k])
		}
	}
	for _, e := range c.Env {
		v, ok, err := x.envValue(e)
		if err != nil {
			return err
		}
		if ok {
			set(e.Name, v)
		}
	}
	for _, k := range order {
		req.Env = append(req.Env, k+"="+vars[k])
	}
	return nil
}

func (x *ctrContext) envFrom(ef v1.EnvFromSource) (map[string]string, error) {
	out := map[string]string{}
	if ref := ef.ConfigMapRef; ref != nil {
		cm := findConfigMap(x.configMaps, ref.Name)
		switch {
		case cm != nil:
			maps.Copy(out, cm.Data)
		case ref.Optional == nil || !*ref.Optional:
			return nil, errdefs.Errorf(errdefs.ErrNotFound, "configmap %v not found", ref.Name)
		}
	}
	if ref := ef.SecretRef; ref != nil {
		s := findSecret(x.secrets, ref.Name)
		switch {
		case s != nil:
			for k, v := range secretData(s) {
				out[k] = string(v)
			}
		case ref.Optional == nil || !*ref.Optional:
			return nil, errdefs.Errorf(errdefs.ErrNotFound, "no secret with name or id %q: no such secret", ref.Name)
		}
	}
	return out, nil
}

// envValue resolves one variable; ok is false for a missing optional one.
func (x *ctrContext) envValue(e v1.EnvVar) (string, bool, error) {
	vf := e.ValueFrom
	if vf == nil {
		return e.Value, true, nil
	}
	optional := func(p *bool) bool { return p != nil && *p }
	switch {
	case vf.ConfigMapKeyRef != nil:
		ref := vf.ConfigMapKeyRef
		cm := findConfigMap(x.configMaps, ref.Name)
		err := errdefs.Errorf(errdefs.ErrNotFound, "cannot set env %v: configmap %v not found", e.Name, ref.Name)
		if cm != nil {
			if v, ok := cm.Data[ref.Key]; ok {
				return v, true, nil
			}
			err = errdefs.Errorf(errdefs.ErrNotFound, "cannot set env %v: key %s not found in configmap %v", e.Name, ref.Key, ref.Name)
		}
		if optional(ref.Optional) {
			return "", false, nil
		}
		return "", false, err
	case vf.SecretKeyRef != nil:
		ref := vf.SecretKeyRef
		s := findSecret(x.secrets, ref.Name)
		err := errdefs.Errorf(errdefs.ErrNotFound, "cannot set env %v: no secret with name or id %q: no such secret", e.Name, ref.Name)
		if s != nil {
			if v, ok := secretData(s)[ref.Key]; ok {
				return string(v), true, nil
			}
			err = errdefs.Errorf(errdefs.ErrNotFound, "cannot set env %v: secret %v has not %v key", e.Name, ref.Name, ref.Key)
		}
		if optional(ref.Optional) {
			return "", false, nil
		}
		return "", false, err
	case vf.FieldRef != nil:
		return x.fieldRef(e)
	}
	return "", false, errdefs.Errorf(errdefs.ErrNotImplemented, "can not set env %v: resourceFieldRef is not supported", e.Name)
}

func (x *ctrContext) fieldRef(e v1.EnvVar) (string, bool, error) {
	path := e.ValueFrom.FieldRef.FieldPath
	if path == "metadata.name" {
		return x.pod.Name, true, nil
	}
	if m := fieldLabel().FindStringSubmatch(path); m != nil {
		return x.pod.Labels[m[1]], true, nil
	}
	if m := fieldAnnotation().FindStringSubmatch(path); m != nil {
		return x.ann[m[1]], true, nil
	}
	return "", false, errdefs.Errorf(errdefs.ErrInvalidArgument, "can not set env %v. Reason: fieldPath %v is either not valid or not supported", e.Name, path)
}

func findConfigMap(cms []v1.ConfigMap, name string) *v1.ConfigMap {
	for i := range cms {
		if cms[i].Name == name {
			return &cms[i]
		}
	}
	return nil
}

func findSecret(ss []v1.Secret, name string) *v1.Secret {
	for i := range ss {
		if ss[i].Name == name {
			return &ss[i]
		}
	}
	return nil
}

// secretData is a Secret's data with stringData over it.
func secretData(s *v1.Secret) map[string][]byte {
	out := maps.Clone(s.Data)
	if out == nil {
		out = map[string][]byte{}
	}
	for k, v := range s.StringData {
		out[k] = []byte(v)
	}
	return out
}

// pullPolicy maps imagePullPolicy to pier's; missing by default, as podman.
func pullPolicy(p v1.PullPolicy) image.PullPolicy {
	switch p {
	case v1.PullAlways:
		return image.PullAlways
	case v1.PullNever:
		return image.PullNever
	}
	return image.PullMissing
}
