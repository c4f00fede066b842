package engine

import (
	"archive/tar"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/version"
)

// pauseBinary is the host's catatonit, the init that pier's pause image
// runs as podman's does.
var pauseBinary = "/usr/bin/catatonit"

// PauseImage is the name of pier's own infra image: podman's, tagged with
// the binary's version and build time, so a new pier builds a new one.
func PauseImage() string {
	_, built := version.Build()
	return fmt.Sprintf("localhost/podman-pause:%s-%d", version.Version, built.Unix())
}

// infraImage returns the image a new pod's infra container runs and the
// pull options for it: the request's or containers.conf's image, pulled if
// missing, else pier's pause image, built here if missing.
func (r *Runtime) infraImage(ctx context.Context, requested string) (string, *image.PullOptions, error) {
	name := requested
	if name == "" && r.conf.Common != nil {
		name = r.conf.Common.Engine.InfraImage
	}
	if name != "" {
		return name, &image.PullOptions{Policy: image.PullMissing}, nil
	}
	name = PauseImage()
	if err := r.buildPauseImage(ctx, name); err != nil {
		return "", nil, err
	}
	return name, nil, nil
}

// buildPauseImage commits catatonit alone into an image called name, as
// podman builds localhost/podman-pause (FROM scratch, COPY catatonit,
// ENTRYPOINT ["/catatonit", "-P"]): nothing is pulled. Concurrent pod
// creations build it once, under a lock.
func (r *Runtime) buildPauseImage(ctx context.Context, name string) error {
	images, err := r.Images(ctx)
	if err != nil {
		return err
	}
	if ok, err := images.Exists(ctx, name); err != nil || ok {
		return err
	}
	l, err := r.locks.Lock(ctx, "image-pause")
	if err != nil {
		return err
	}
	defer l.Unlock()
	if ok, err := images.Exists(ctx, name); err != nil || ok {
		return err
	}
	layer, err := pauseLayer(pauseBinary)
	if err != nil {
		return err
	}
	if _, err := images.Import(ctx, layer, name, []string{`ENTRYPOINT ["/catatonit", "-P"]`}, ""); err != nil {
		return fmt.Errorf("building pause image %s: %w", name, err)
	}
	return nil
}

// pauseLayer is a tar holding bin as /catatonit.
func pauseLayer(bin string) (io.Reader, error) {
	f, err := os.Open(bin)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("building the pause image needs catatonit at %s (Debian package catatonit): %w", bin, err)
		}
		return nil, fmt.Errorf("building the pause image: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("building the pause image: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "catatonit", Mode: 0o755, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := io.Copy(tw, f); err != nil {
		return nil, fmt.Errorf("building the pause image: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}

// createInfra creates the pod's infra container: it holds the namespaces
// the members share and the pod's network.
func (r *Runtime) createInfra(ctx context.Context, p *define.Pod, req *PodCreateRequest) (*define.Container, error) {
	img, pull, err := r.infraImage(ctx, req.InfraImage)
	if err != nil {
		return nil, err
	}
	creq := &CreateRequest{
		Image: img, Pull: pull,
		Name:        cmp.Or(req.InfraName, p.Config.ID[:12]+"-infra"),
		NetworkMode: req.NetworkMode, ExtraNetworks: req.ExtraNetworks, Static: req.Static,
		Publish:    slices.Clone(req.Publish),
		DNSServers: req.DNSServers, DNSSearch: req.DNSSearch, DNSOptions: req.DNSOptions,
		AddHosts: req.AddHosts, NoHosts: req.NoHosts, HostsFile: req.HostsFile,
		Mounts: slices.Clone(req.Mounts), VolumesFrom: req.VolumesFrom,
		infraOf: p,
	}
	if p.Config.Shares(define.PodNSUTS) && req.Isolation.UTS != define.NSHost {
		creq.Hostname = p.Config.UTSHostname()
	}
	creq.Limits.ShmSize = req.ShmSize
	creq.Identity.ShmSizeSystemd = req.ShmSizeSystemd
	infraIsolation(creq, req)
	if len(req.InfraCommand) > 0 {
		b, err := json.Marshal(req.InfraCommand)
		if err != nil {
			return nil, err
		}
		ep := string(b)
		creq.Entrypoint = &ep
	}
	c, err := r.CreateContainer(ctx, creq)
	if err != nil {
		return nil, err
	}
	return c, nil
}
