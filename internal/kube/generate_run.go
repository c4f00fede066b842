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
// as Kubernetes YAML, podman's layout.
func Generate(ctx context.Context, rt *engine.Runtime, names []string, opts GenerateOptions) ([]byte, error) {
	var ctrs []GenContainer
	var pods []*v1.Pod
	var vols [][]byte
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
		vols = append(vols, y)
	}
	if len(ctrs) > 0 {
		pod, err := GeneratePod(nil, ctrs, opts.Service)
		if err != nil {
			return nil, err
		}
		pods = append(pods, pod)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, generateHeader, version.Version)
	for i, v := range vols {
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(v)
	}
	if len(pods) > 0 {
		if err := writePods(&out, pods, opts, len(vols) > 0); err != nil {
			return nil, err
		}
	}
	out.WriteString("\n")
	return out.Bytes(), nil
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
	pod, err := genPod(ctx, rt, p, opts.Service)
	if err != nil {
		return "", err
	}
	*pods = append(*pods, pod)
	return "pod", nil
}

// writePods writes the note, then per pod its Service (with --service)
// and the Pod.
func writePods(out *bytes.Buffer, pods []*v1.Pod, opts GenerateOptions, after bool) error {
	if after {
		out.WriteString("---\n")
	}
	out.WriteString(generateNote)
	for _, pod := range pods {
		out.WriteString("---\n")
		if opts.Service {
			svc, err := Marshal(GenerateService(pod), true)
			if err != nil {
				return err
			}
			out.Write(svc)
			out.WriteString("---\n")
		}
		y, err := Marshal(pod, true)
		if err != nil {
			return err
		}
		out.Write(y)
	}
	return nil
}

// genPod describes a pod: its regular containers, with the infra
// container's ports, host network, extra hosts and DNS options.
func genPod(ctx context.Context, rt *engine.Runtime, p *define.Pod, forService bool) (*v1.Pod, error) {
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
			infraToGenPod(gp, p, c, forService)
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
	return GeneratePod(gp, ctrs, forService)
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
