package kube

import (
	"fmt"
	"maps"
	"os"
	"strings"

	"go.podman.io/common/libnetwork/types"
	v1 "k8s.io/api/core/v1"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// Annotations podman reads from kube YAML.
const (
	InfraNameAnnotation     = "io.podman.annotations.infra.name"
	SandboxIDAnnotation     = "io.kubernetes.cri-o.SandboxID"
	KubeHealthCheckAnnotion = "io.podman.annotations.kube.health.check"
	volumeDriverAnnotation  = "volume.podman.io/driver"
	volumeAnnotationPrefix  = "volume.podman.io/"
)

// Options are kube play's flags that shape what is made.
type Options struct {
	// Annotations (--annotation) go on every pod and container.
	Annotations map[string]string
	LogDriver   string
	LogOptions  []string
	// ConfigMaps come from --configmap files, besides the YAML's own.
	ConfigMaps []v1.ConfigMap
	// NoPodPrefix names containers without the pod's name in front.
	NoPodPrefix bool
	// PublishAll (--publish-all) publishes a containerPort without a
	// hostPort on the same host port; by default only hostPorts are
	// published, as podman 5 does.
	PublishAll bool
	// SeccompProfileRoot is where localhost/NAME seccomp annotations
	// point (--seccomp-profile-root); "" is DefaultSeccompRoot.
	SeccompProfileRoot string
	// Userns is --userns ("" lets the YAML say).
	Userns string
}

// PodSpec is the pod a workload asks for.
type PodSpec struct {
	Name     string
	Hostname string
	Labels   map[string]string
	// HostNetwork is spec.hostNetwork: the pod uses the host's network
	// and UTS namespaces.
	HostNetwork bool
	HostPID     bool
	HostIPC     bool
	// SharePID is spec.shareProcessNamespace.
	SharePID     bool
	PortMappings []types.PortMapping
	AddHosts     []string
	DNSServers   []string
	DNSSearch    []string
	DNSOptions   []string
	Sysctls      map[string]string
	// RestartPolicy is podman's word for spec.restartPolicy ("always" by
	// default); the pod's containers get it, init containers "no".
	RestartPolicy string
	// ExitPolicy is "stop": a played pod stops when its last container
	// exits, as podman's.
	ExitPolicy string
	// InfraName is the infra container's name from the infra.name
	// annotation; "" for the default.
	InfraName string
	// Userns is the pod's user namespace: --userns, else podman's userns
	// annotation, else "auto" for hostUsers: false, else "host".
	Userns string
}

// VolumeSpec is a named volume a pod needs before its containers are made:
// a PersistentVolumeClaim's, or a ConfigMap's or Secret's filled with its
// items.
type VolumeSpec struct {
	Request engine.VolumeCreateRequest
	// Files are written into the volume (name -> content) with Mode.
	Files map[string][]byte
	Mode  os.FileMode
}

// PodPlan is everything to create for one workload, in order: volumes,
// the pod, init containers, containers. The caller fills in the pod (and
// its infra container) on every request once the pod exists.
type PodPlan struct {
	Pod     PodSpec
	Volumes []VolumeSpec
	// HostPaths are hostPath directories and files to create first.
	HostPaths      []HostPath
	InitContainers []*engine.CreateRequest
	Containers     []*engine.CreateRequest
}

// PVCVolume turns a PersistentVolumeClaim into a volume request; podman's
// volume.podman.io annotations set the driver and options.
func PVCVolume(pvc *v1.PersistentVolumeClaim) (*engine.VolumeCreateRequest, error) {
	if strings.TrimSpace(pvc.Name) == "" {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "persistent volume claim name can not be empty")
	}
	req := &engine.VolumeCreateRequest{Name: pvc.Name, Driver: "local", Labels: maps.Clone(pvc.Labels),
		Options: map[string]string{}, Ignore: true}
	for k, v := range pvc.Annotations {
		key, ok := strings.CutPrefix(k, volumeAnnotationPrefix)
		if !ok {
			continue
		}
		switch key {
		case "driver":
			req.Driver = v
		case "device", "type", "uid", "gid":
			req.Options[key] = v
		case "mount-options":
			req.Options["o"] = v
		case "import-source", "image":
			return nil, errdefs.Errorf(errdefs.ErrNotImplemented, "PersistentVolumeClaim %s: annotation %s is not supported", pvc.Name, k)
		}
	}
	return req, nil
}

// Plan translates workload w into pier's requests. objs gives the
// ConfigMaps and Secrets the pod's env and volumes refer to. Bad input is
// an error before anything exists.
func Plan(w *Workload, objs *Objects, opts *Options) (*PodPlan, error) {
	if w.Name == "" {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "pod does not have a name")
	}
	ann := maps.Clone(w.Annotations)
	if ann == nil {
		ann = map[string]string{}
	}
	maps.Copy(ann, opts.Annotations)
	if err := ValidateAnnotations(ann); err != nil {
		return nil, err
	}
	spec := &w.Template.Spec
	pod, err := podSpec(w, spec, opts)
	if err != nil {
		return nil, err
	}
	pod.InfraName = ann[InfraNameAnnotation]
	pod.Userns = podUserns(opts.Userns, ann, w.Name, spec.HostUsers)
	root := opts.SeccompProfileRoot
	if root == "" {
		root = DefaultSeccompRoot
	}
	seccomp, err := newSeccompPaths(w.Template.Annotations, root)
	if err != nil {
		return nil, err
	}
	ctx := &ctrContext{pod: pod, spec: spec, ann: ann, opts: opts, seccomp: seccomp,
		configMaps: append(append([]v1.ConfigMap{}, objs.ConfigMaps...), opts.ConfigMaps...), secrets: objs.Secrets}
	plan := &PodPlan{Pod: *pod}
	if ctx.volumes, plan.Volumes, plan.HostPaths, err = podVolumes(spec.Volumes, ctx.configMaps, ctx.secrets); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		if c.Lifecycle != nil || c.LivenessProbe != nil || c.ReadinessProbe != nil || c.StartupProbe != nil {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot create an init container that has either of lifecycle, livenessProbe, readinessProbe, or startupProbe set")
		}
		req, err := ctx.container(c, seen, "no")
		if err != nil {
			return nil, err
		}
		plan.InitContainers = append(plan.InitContainers, req)
	}
	for i := range spec.Containers {
		req, err := ctx.container(&spec.Containers[i], seen, pod.RestartPolicy)
		if err != nil {
			return nil, err
		}
		plan.Containers = append(plan.Containers, req)
	}
	return plan, nil
}

func podSpec(w *Workload, spec *v1.PodSpec, opts *Options) (*PodSpec, error) {
	p := &PodSpec{Name: w.Name, Hostname: spec.Hostname, Labels: maps.Clone(w.Template.Labels),
		HostNetwork: spec.HostNetwork, HostPID: spec.HostPID, HostIPC: spec.HostIPC,
		SharePID:   spec.ShareProcessNamespace != nil && *spec.ShareProcessNamespace,
		ExitPolicy: "stop", RestartPolicy: restartPolicy(spec.RestartPolicy)}
	if p.Hostname == "" {
		p.Hostname = w.Name
	}
	if spec.HostNetwork {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("reading the host name: %w", err)
		}
		p.Hostname = h
	}
	for _, ha := range spec.HostAliases {
		for _, h := range ha.Hostnames {
			p.AddHosts = append(p.AddHosts, h+":"+ha.IP)
		}
	}
	p.PortMappings = podPorts(spec.Containers, opts.PublishAll)
	if dc := spec.DNSConfig; dc != nil {
		p.DNSServers, p.DNSSearch = dc.Nameservers, dc.Searches
		for _, o := range dc.Options {
			s := o.Name
			if o.Value != nil {
				s += ":" + *o.Value
			}
			p.DNSOptions = append(p.DNSOptions, s)
		}
	}
	if sc := spec.SecurityContext; sc != nil && len(sc.Sysctls) > 0 {
		p.Sysctls = map[string]string{}
		for _, s := range sc.Sysctls {
			p.Sysctls[s.Name] = s.Value
		}
	}
	return p, nil
}

func restartPolicy(p v1.RestartPolicy) string {
	switch p {
	case v1.RestartPolicyOnFailure:
		return "on-failure"
	case v1.RestartPolicyNever:
		return "no"
	default:
		return "always"
	}
}

// podPorts are the host ports the pod publishes: each hostPort (its
// containerPort defaulting to it), and with publishAll a containerPort
// alone on the same host port.
func podPorts(ctrs []v1.Container, publishAll bool) []types.PortMapping {
	var out []types.PortMapping
	for _, c := range ctrs {
		for _, p := range c.Ports {
			if p.HostPort != 0 && p.ContainerPort == 0 {
				p.ContainerPort = p.HostPort
			}
			if p.HostPort == 0 && p.ContainerPort != 0 && publishAll {
				p.HostPort = p.ContainerPort
			}
			if p.HostPort == 0 {
				continue
			}
			proto := strings.ToLower(string(p.Protocol))
			if proto == "" {
				proto = "tcp"
			}
			out = append(out, types.PortMapping{HostIP: p.HostIP, HostPort: uint16(p.HostPort),
				ContainerPort: uint16(p.ContainerPort), Protocol: proto, Range: 1})
		}
	}
	return out
}

// UsernsAnnotation is podman's annotation for a played pod's user
// namespace (also as UsernsAnnotation/POD).
const UsernsAnnotation = "io.podman.annotations.userns"

// podUserns picks the pod's user namespace as podman's kube play does;
// "private" means "auto" there.
func podUserns(flag string, ann map[string]string, pod string, hostUsers *bool) string {
	if flag != "" {
		return flag
	}
	u := "host"
	if v, ok := ann[UsernsAnnotation]; ok {
		u = v
	} else if v, ok := ann[UsernsAnnotation+"/"+pod]; ok {
		u = v
	} else if hostUsers != nil && !*hostUsers {
		u = "auto"
	}
	if u == "private" {
		u = "auto"
	}
	return u
}
