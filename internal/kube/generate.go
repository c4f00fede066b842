package kube

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"go.podman.io/common/libnetwork/types"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// GenContainer is one container to describe, with what generate needs of
// its image (to leave out what the image already says).
type GenContainer struct {
	Config       *define.ContainerConfig
	ImageCmd     []string
	ImageEntry   []string
	ImageEnv     []string
	ImageWorkDir string
	ImageUser    string
}

// GenPod names the pod the containers are described in; nil for bare
// containers (the pod is then named after the first container).
type GenPod struct {
	Name     string
	Hostname string
	Restart  string
	SharePID bool
	// The infra container's network: host network, published ports,
	// extra hosts, DNS options, and its name when not the default.
	HostNetwork                       bool
	Ports                             []v1.ContainerPort
	HostAliases                       []v1.HostAlias
	DNSServers, DNSSearch, DNSOptions []string
	InfraName                         string
}

// defaultEnv are the variables pier sets in every container; generate
// leaves them out, as podman does.
var defaultEnv = map[string]string{
	"PATH":      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"TERM":      "xterm",
	"container": "podman",
}

// GeneratePod builds the Pod for containers (init containers are not
// tracked by pier, so all are regular ones); their annotations become the
// pod's, as NAME/CONTAINER (podman's own only with opts.PodmanOnly).
func GeneratePod(pod *GenPod, ctrs []GenContainer, opts GenerateOptions) (*v1.Pod, error) {
	forService := opts.Service
	if len(ctrs) == 0 && pod == nil {
		return nil, errdefs.New(errdefs.ErrInvalidArgument, "no containers to generate")
	}
	p := &v1.Pod{TypeMeta: metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.Now()}}
	hostNetwork := true
	var names []string
	var restart string
	ann := map[string]string{}
	mountIndex := 0
	for i := range ctrs {
		c, vols, err := generateContainer(&ctrs[i], forService, &mountIndex)
		if err != nil {
			return nil, err
		}
		cfg := ctrs[i].Config
		containerAnnotations(ann, cfg.Name, cfg.Annotations, opts.PodmanOnly)
		names = append(names, c.Name)
		if cfg.NetworkMode != "host" {
			hostNetwork = false
		}
		if restart == "" {
			restart = cfg.RestartPolicy
		}
		p.Spec.Containers = append(p.Spec.Containers, c)
		p.Spec.Volumes = append(p.Spec.Volumes, vols...)
	}
	if pod != nil {
		applyGenPod(p, pod, &hostNetwork, &restart)
	} else {
		p.Name = removeUnderscores(ctrs[0].Config.Name)
		if slices.Contains(names, p.Name) {
			p.Name += "-pod"
		}
	}
	if len(ann) > 0 {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		maps.Copy(p.Annotations, ann)
	}
	p.Labels = map[string]string{"app": removeUnderscores(p.Name)}
	p.Spec.HostNetwork = hostNetwork
	p.Spec.RestartPolicy = kubeRestartPolicy(restart)
	return p, nil
}

// applyGenPod sets what a pod (rather than its containers) says.
func applyGenPod(p *v1.Pod, pod *GenPod, hostNetwork *bool, restart *string) {
	p.Name = pod.Name
	p.Spec.Hostname = pod.Hostname
	*hostNetwork = pod.HostNetwork
	if pod.Restart != "" {
		*restart = pod.Restart
	}
	if len(p.Spec.Containers) > 0 {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, pod.Ports...)
	}
	p.Spec.HostAliases = pod.HostAliases
	if pod.SharePID {
		t := true
		p.Spec.ShareProcessNamespace = &t
	}
	if len(pod.DNSServers)+len(pod.DNSSearch)+len(pod.DNSOptions) > 0 {
		dc := &v1.PodDNSConfig{Nameservers: pod.DNSServers, Searches: pod.DNSSearch}
		for _, o := range pod.DNSOptions {
			name, val, _ := strings.Cut(o, ":")
			dc.Options = append(dc.Options, v1.PodDNSConfigOption{Name: name, Value: &val})
		}
		p.Spec.DNSConfig = dc
	}
	if pod.InfraName != "" {
		p.Annotations = map[string]string{InfraNameAnnotation: pod.InfraName}
	}
}

func kubeRestartPolicy(p string) v1.RestartPolicy {
	switch p {
	case "no":
		return v1.RestartPolicyNever
	case "always":
		return v1.RestartPolicyAlways
	case "on-failure":
		return v1.RestartPolicyOnFailure
	}
	return ""
}

func removeUnderscores(s string) string { return strings.ReplaceAll(s, "_", "") }

func generateContainer(g *GenContainer, forService bool, mountIndex *int) (v1.Container, []v1.Volume, error) {
	cfg := g.Config
	c := v1.Container{Name: removeUnderscores(cfg.Name), Image: cfg.Image, Stdin: cfg.Stdin, TTY: cfg.Terminal}
	if len(cfg.Entrypoint) > 0 {
		c.Command, c.Args = cfg.Entrypoint, cfg.Cmd
	} else {
		c.Command = cfg.Cmd
	}
	if slices.Equal(g.ImageCmd, c.Command) || slices.Equal(g.ImageEntry, c.Command) {
		c.Command = nil
	}
	if cfg.WorkingDir != "/" && cfg.WorkingDir != g.ImageWorkDir {
		c.WorkingDir = cfg.WorkingDir
	}
	c.Env = generateEnv(cfg.Env, g.ImageEnv)
	c.Ports = containerPorts(cfg.PortMappings, forService)
	c.SecurityContext = securityContext(cfg, g.ImageUser)
	if m := cfg.Memory; m != nil && m.Limit != nil && *m.Limit > 0 {
		c.Resources.Limits = v1.ResourceList{v1.ResourceMemory: *resource.NewQuantity(*m.Limit, resource.BinarySI)}
	}
	vols, err := generateMounts(&c, cfg.Mounts, mountIndex)
	return c, vols, err
}

// containerPorts are published ports as a container's ports (host ports
// left out for a Service).
func containerPorts(pms []types.PortMapping, forService bool) []v1.ContainerPort {
	var out []v1.ContainerPort
	for _, pm := range pms {
		for i := uint16(0); i < max(pm.Range, 1); i++ {
			cp := v1.ContainerPort{HostIP: pm.HostIP, ContainerPort: int32(pm.ContainerPort + i)}
			switch strings.ToLower(pm.Protocol) {
			case "udp":
				cp.Protocol = v1.ProtocolUDP
			case "sctp":
				cp.Protocol = v1.ProtocolSCTP
			}
			if !forService {
				cp.HostPort = int32(pm.HostPort + i)
			}
			out = append(out, cp)
		}
	}
	return out
}

func generateEnv(env, imageEnv []string) []v1.EnvVar {
	img := map[string]string{}
	for _, e := range imageEnv {
		k, v, _ := strings.Cut(e, "=")
		img[k] = v
	}
	var out []v1.EnvVar
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		if dv, ok := defaultEnv[k]; ok && dv == v {
			continue
		}
		if iv, ok := img[k]; ok && iv == v {
			continue
		}
		out = append(out, v1.EnvVar{Name: k, Value: v})
	}
	return out
}

// securityContext carries a numeric user and group other than the
// image's, and a read-only root file system.
func securityContext(cfg *define.ContainerConfig, imageUser string) *v1.SecurityContext {
	sc := &v1.SecurityContext{}
	set := false
	if cfg.User != "" && cfg.User != imageUser {
		u, gr, _ := strings.Cut(cfg.User, ":")
		if n, err := strconv.ParseInt(u, 10, 64); err == nil {
			sc.RunAsUser, set = &n, true
		}
		if n, err := strconv.ParseInt(gr, 10, 64); err == nil {
			sc.RunAsGroup, set = &n, true
		}
	}
	if cfg.ReadOnly {
		t := true
		sc.ReadOnlyRootFilesystem, set = &t, true
	}
	if cfg.NoNewPrivileges {
		f := false
		sc.AllowPrivilegeEscalation, set = &f, true
	}
	if !set {
		return nil
	}
	return sc
}

// generateMounts turns bind and tmpfs mounts into hostPath and emptyDir
// volumes (numbered across the pod, as podman), then named volumes into
// persistentVolumeClaims.
func generateMounts(c *v1.Container, mounts []define.Mount, index *int) ([]v1.Volume, error) {
	var vols []v1.Volume
	var named []define.Mount
	for _, m := range mounts {
		if m.Type == "volume" {
			named = append(named, m)
			continue
		}
		vm := v1.VolumeMount{MountPath: m.Destination, ReadOnly: slices.Contains(m.Options, "ro")}
		vo := v1.Volume{}
		if m.Type == "tmpfs" {
			vm.Name = "tmp"
			vo.EmptyDir = &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumMemory}
		} else {
			name := "root"
			if m.Source != "/" {
				name = fixVolumeName(m.Source)
			}
			vm.Name = name + "-host"
			t := v1.HostPathDirectoryOrCreate
			if st, err := os.Stat(m.Source); err == nil {
				t = v1.HostPathFile
				if st.IsDir() {
					t = v1.HostPathDirectory
				}
			}
			vo.HostPath = &v1.HostPathVolumeSource{Path: m.Source, Type: &t}
		}
		vm.Name += fmt.Sprintf("-%d", *index)
		*index++
		vo.Name = vm.Name
		c.VolumeMounts = append(c.VolumeMounts, vm)
		vols = append(vols, vo)
	}
	for _, m := range named {
		if m.Name == "" {
			continue // anonymous: nothing to claim by name
		}
		ro := slices.Contains(m.Options, "ro")
		claim := fixVolumeName(m.Name)
		name := claim + "-pvc"
		c.VolumeMounts = append(c.VolumeMounts, v1.VolumeMount{Name: name, MountPath: m.Destination, ReadOnly: ro})
		vols = append(vols, v1.Volume{Name: name, VolumeSource: v1.VolumeSource{
			PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: claim, ReadOnly: ro}}})
	}
	return vols, nil
}

func fixVolumeName(s string) string {
	return strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(strings.Trim(s, "/"), "/", "-"), "_", "-"))
}

// GenerateVolume is a named volume as a PersistentVolumeClaim.
func GenerateVolume(v *engine.VolumeReport) *v1.PersistentVolumeClaim {
	ann := map[string]string{volumeDriverAnnotation: v.Driver}
	for k, val := range v.Options {
		switch k {
		case "o":
			ann[volumeAnnotationPrefix+"mount-options"] = val
		case "device", "type", "uid", "gid":
			ann[volumeAnnotationPrefix+k] = val
		}
	}
	return &v1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{Kind: "PersistentVolumeClaim", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: v.Name, Labels: v.Labels, Annotations: ann, CreationTimestamp: metav1.Now()},
		Spec: v1.PersistentVolumeClaimSpec{
			AccessModes: []v1.PersistentVolumeAccessMode{v1.ReadWriteOnce},
			Resources: v1.VolumeResourceRequirements{Requests: v1.ResourceList{
				v1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
}

// Marshal writes obj as podman's YAML: empty "resources" (and a
// Deployment's empty "strategy") and, with dropStatus, "status" left out;
// a DaemonSet keeps its empty updateStrategy, as podman's output has it.
func Marshal(obj any, dropStatus bool) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	if dropStatus {
		delete(m, "status")
	}
	pruneEmpty(m, "resources")
	pruneEmpty(m, "strategy")
	return yaml.Marshal(m)
}

// pruneEmpty removes key where it maps to an empty object, at any depth.
func pruneEmpty(v any, key string) {
	switch t := v.(type) {
	case map[string]any:
		if r, ok := t[key].(map[string]any); ok && len(r) == 0 {
			delete(t, key)
		}
		for _, x := range t {
			pruneEmpty(x, key)
		}
	case []any:
		for _, x := range t {
			pruneEmpty(x, key)
		}
	}
}

// GenerateService is a NodePort Service selecting pod, one port per
// container port, with a random node port as podman picks it.
func GenerateService(pod *v1.Pod) *v1.Service {
	svc := &v1.Service{TypeMeta: metav1.TypeMeta{Kind: "Service", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Labels: maps.Clone(pod.Labels), CreationTimestamp: metav1.Now()},
		Spec:       v1.ServiceSpec{Selector: map[string]string{"app": pod.Labels["app"]}, Type: v1.ServiceTypeNodePort}}
	used := map[int32]bool{}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			node := int32(30000 + rand.IntN(2768))
			for used[node] {
				node = int32(30000 + rand.IntN(2768))
			}
			used[node] = true
			svc.Spec.Ports = append(svc.Spec.Ports, v1.ServicePort{Name: strconv.Itoa(int(p.ContainerPort)),
				Protocol: p.Protocol, Port: p.ContainerPort, TargetPort: intstr.FromInt32(p.ContainerPort), NodePort: node})
		}
	}
	return svc
}
