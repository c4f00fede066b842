package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"

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
	var vols [][]byte
	for _, name := range names {
		c, err := rt.Lookup(ctx, name)
		if err == nil {
			g, err := genContainer(ctx, rt, c)
			if err != nil {
				return nil, err
			}
			ctrs = append(ctrs, *g)
			continue
		}
		if !errors.Is(err, define.ErrNoSuchCtr) {
			return nil, err
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
	var out bytes.Buffer
	fmt.Fprintf(&out, generateHeader, version.Version)
	for i, v := range vols {
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(v)
	}
	if len(ctrs) > 0 {
		if err := writePod(&out, ctrs, opts, len(vols) > 0); err != nil {
			return nil, err
		}
	}
	out.WriteString("\n")
	return out.Bytes(), nil
}

// writePod writes the note, the Service (with --service) and the Pod.
func writePod(out *bytes.Buffer, ctrs []GenContainer, opts GenerateOptions, after bool) error {
	pod, err := GeneratePod(nil, ctrs, opts.Service)
	if err != nil {
		return err
	}
	y, err := Marshal(pod, true)
	if err != nil {
		return err
	}
	if after {
		out.WriteString("---\n")
	}
	out.WriteString(generateNote)
	out.WriteString("---\n")
	if opts.Service {
		svc, err := Marshal(GenerateService(pod), true)
		if err != nil {
			return err
		}
		out.Write(svc)
		out.WriteString("---\n")
	}
	out.Write(y)
	return nil
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
