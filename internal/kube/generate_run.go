package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	v1 "k8s.io/api/core/v1"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/version"
)

// GenerateOptions are `kube generate`'s flags.
type GenerateOptions struct {
	// Service adds a Service publishing the pod's ports (hostPorts are
	// then left out of the pod).
	Service bool
	// Type is the kind written (KindPod, KindDeployment, KindDaemonSet,
	// KindJob); Replicas a Deployment's replicas.
	Type     string
	Replicas int32
	// PodmanOnly keeps podman's reserved annotations (--init, --rm, ...),
	// which Kubernetes does not know.
	PodmanOnly bool
}

const generateHeader = `# Save the output of this file and use kubectl create -f to import
# it into Kubernetes.
#
# Created with pier-%s
`

const generateNote = `
# NOTE: If you generated this yaml from an unprivileged and rootless podman container on an SELinux
# enabled system, check the podman generate kube man page for steps to follow to ensure that your pod/container
# has the right permissions to access the volumes added.
`

// Generate describes the named containers (as one pod), pods and volumes
// as Kubernetes YAML, in podman's order: claims, Services, then the
// workloads (pods first, then the containers' pod).
func Generate(ctx context.Context, rt *engine.Runtime, names []string, opts GenerateOptions) ([]byte, error) {
	if err := ValidateGenerateOptions(&opts); err != nil {
		return nil, err
	}
	var ctrs []GenContainer
	var pods []*v1.Pod
	var content, workloads [][]byte
	for _, name := range names {
		kind, err := generateOne(ctx, rt, name, opts, &ctrs, &pods)
		if err != nil || kind != "" {
			if err != nil {
				return nil, err
			}
			continue
		}
		v, err := rt.VolumeInspect(ctx, name)
		if err != nil {
			if errors.Is(err, define.ErrNoSuchVolume) {
				return nil, errdefs.Errorf(errdefs.ErrNotFound, "name or ID %q not found", name)
			}
			return nil, err
		}
		y, err := Marshal(GenerateVolume(v), false)
		if err != nil {
			return nil, err
		}
		content = append(content, y)
	}
	for _, pod := range pods {
		if err := appendWorkload(&content, &workloads, pod, opts, false); err != nil {
			return nil, err
		}
	}
	if len(ctrs) > 0 {
		pod, err := GeneratePod(nil, ctrs, opts)
		if err != nil {
			return nil, err
		}
		if len(pod.Spec.Volumes) > 0 {
			content = append(content, []byte(generateNote))
		}
		if err := appendWorkload(&content, &workloads, pod, opts, true); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, generateHeader, version.Version)
	for i, b := range append(content, workloads...) {
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(b)
	}
	out.WriteString("\n")
	return out.Bytes(), nil
}

// appendWorkload adds pod as the kind asked for to workloads, and with
// --service its Service to content.
func appendWorkload(content, workloads *[][]byte, pod *v1.Pod, opts GenerateOptions, forCtrs bool) error {
	var svc *v1.Service
	if opts.Service {
		svc = GenerateService(pod)
	}
	obj, err := WrapKind(pod, opts, forCtrs)
	if err != nil {
		return err
	}
	y, err := Marshal(obj, true)
	if err != nil {
		return err
	}
	*workloads = append(*workloads, y)
	if svc != nil {
		s, err := Marshal(svc, true)
		if err != nil {
			return err
		}
		*content = append(*content, s)
	}
	return nil
}

// generateOne adds name if it is a container or a pod, and says which;
// "" means neither (a volume, or nothing).
func generateOne(ctx context.Context, rt *engine.Runtime, name string, opts GenerateOptions, ctrs *[]GenContainer, pods *[]*v1.Pod) (string, error) {
	c, err := rt.Lookup(ctx, name)
	if err == nil {
		if c.Config.Pod != "" {
			return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "container %s is in a pod: generate the pod instead", c.Config.Name)
		}
		g, err := genContainer(ctx, rt, c)
		if err != nil {
			return "", err
		}
		*ctrs = append(*ctrs, *g)
		return "container", nil
	}
	if !errors.Is(err, define.ErrNoSuchCtr) {
		return "", err
	}
	p, err := rt.LookupPod(ctx, name)
	if errors.Is(err, define.ErrNoSuchPod) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	pod, err := genPod(ctx, rt, p, opts)
	if err != nil {
		return "", err
	}
	*pods = append(*pods, pod)
	return "pod", nil
}

// genPod describes a pod: its regular containers, with the infra
// container's ports, host network, extra hosts and DNS options.
func genPod(ctx context.Context, rt *engine.Runtime, p *define.Pod, opts GenerateOptions) (*v1.Pod, error) {
	reports, err := rt.Pods(ctx)
	if err != nil {
		return nil, err
	}
	var members []*define.Container
	for _, r := range reports {
		if r.Pod.Config.ID == p.Config.ID {
			members = r.Containers
		}
	}
	gp := &GenPod{Name: removeUnderscores(p.Config.Name), Restart: p.Config.RestartPolicy,
		SharePID: p.Config.Shares(define.PodNSPID)}
	var ctrs []GenContainer
	for _, c := range members {
		if c.Config.IsInfra {
			infraToGenPod(gp, p, c, opts.Service)
			continue
		}
		if h := c.Config.Hostname; gp.Hostname == "" && h != "" && h != p.Config.Name && !strings.HasPrefix(c.Config.ID, h) {
			gp.Hostname = h
		}
		g, err := genContainer(ctx, rt, c)
		if err != nil {
			return nil, err
		}
		ctrs = append(ctrs, *g)
	}
	if len(ctrs) == 0 {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "pod %s only has an infra container", p.Config.ID)
	}
	return GeneratePod(gp, ctrs, opts)
}

func infraToGenPod(gp *GenPod, p *define.Pod, infra *define.Container, forService bool) {
	cfg := &infra.Config
	gp.HostNetwork = cfg.NetworkMode == "host"
	gp.Ports = containerPorts(cfg.PortMappings, forService)
	for _, h := range cfg.AddHosts {
		name, ip, _ := strings.Cut(h, ":")
		gp.HostAliases = append(gp.HostAliases, v1.HostAlias{IP: ip, Hostnames: []string{name}})
	}
	gp.DNSServers, gp.DNSSearch, gp.DNSOptions = cfg.DNSServers, cfg.DNSSearch, cfg.DNSOptions
	if cfg.Name != p.Config.ID[:12]+"-infra" {
		gp.InfraName = cfg.Name
	}
}

// genContainer gathers a container's config and what its image says.
func genContainer(ctx context.Context, rt *engine.Runtime, c *define.Container) (*GenContainer, error) {
	g := &GenContainer{Config: &c.Config}
	images, err := rt.Images(ctx)
	if err != nil {
		return nil, err
	}
	img, err := images.Lookup(ctx, c.Config.ImageID)
	if err != nil {
		return nil, fmt.Errorf("looking up image %q of container %q: %w", c.Config.Image, c.Config.ID, err)
	}
	ic := img.Config.Config
	g.ImageCmd, g.ImageEntry, g.ImageEnv, g.ImageWorkDir, g.ImageUser = ic.Cmd, ic.Entrypoint, ic.Env, ic.WorkingDir, ic.User
	return g, nil
}
