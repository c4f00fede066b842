package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/image"
)

// ContainerCloneRequest is `container clone`: a copy of a container's
// config under a new ID. Zero values keep the source's settings.
type ContainerCloneRequest struct {
	Source string // the container to clone, name or ID
	Name   string // "" is the source's name with "-clone" (numbered if taken)
	// Image, when set, replaces the image (pulled per Pull); the command
	// and the rest of the config stay the source's, as in podman.
	Image string
	Pull  image.PullOptions
	// Pod, when set, puts the clone in that pod instead of the source's.
	Pod string
	// Resources are merged over the source's limits (only what is set).
	Resources *spec.LinuxResources
	// Destroy removes the source once the clone exists (Force: even when
	// it runs); Run starts the clone.
	Destroy, Force, Run bool
}

// ContainerClone copies a container: its config with the request's
// changes, a new ID, name and storage. A source that runs is checked
// before anything is made when it is to be destroyed without Force, so
// a refused --destroy leaves no clone behind (podman leaves one).
func (r *Runtime) ContainerClone(ctx context.Context, req *ContainerCloneRequest) (*define.Container, error) {
	src, err := r.Lookup(ctx, req.Source)
	if err != nil {
		return nil, err
	}
	r.syncState(src)
	if req.Destroy && !req.Force && src.State.Running() {
		return nil, fmt.Errorf("cannot remove container %s as it is %s - running or paused containers cannot be removed without force: %w",
			src.Config.ID, src.State.Status, define.ErrCtrStateInvalid)
	}
	cfg, err := r.cloneConfig(ctx, src, req)
	if err != nil {
		return nil, err
	}
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	if req.Image != "" {
		img, err := images.Pull(ctx, req.Image, req.Pull)
		if err != nil {
			return nil, err
		}
		cfg.ImageID, cfg.ImageDigest, cfg.Image, cfg.RawImage = img.ID, img.Digest, req.Image, req.Image
		if len(img.Names) > 0 {
			cfg.Image = img.Names[0]
		}
	}
	c, err := r.saveClone(ctx, cfg, images, req.Name, src.Config.Name)
	if err != nil {
		return nil, err
	}
	if req.Destroy {
		if err := r.Remove(ctx, src.Config.ID, RemoveOptions{Force: req.Force}); err != nil {
			return nil, err
		}
	}
	if req.Run {
		if _, err := r.Start(ctx, c.Config.ID, StartOptions{}); err != nil {
			return c, err
		}
	}
	return c, nil
}

// cloneConfig is the source's config for a copy: what belongs to the
// source's ID dropped, the limits and pod of the request applied.
func (r *Runtime) cloneConfig(ctx context.Context, src *define.Container, req *ContainerCloneRequest) (*define.ContainerConfig, error) {
	var cfg define.ContainerConfig
	if err := deepCopy(&cfg, &src.Config); err != nil {
		return nil, err
	}
	// attachVolumes records the volumes again.
	cfg.Dependencies = slices.DeleteFunc(cfg.Dependencies, func(d define.Dependency) bool { return d.Kind == define.KindVolume })
	cfg.RunFiles = define.RunFiles{}
	if strings.Contains(cfg.LogPath, src.Config.ID) {
		cfg.LogPath = ""
	}
	if res := req.Resources; res != nil {
		// podman checks the memory flags alone (--memory-swap needs
		// --memory, whatever the source's), and -m 0 keeps the source's.
		var flags *spec.LinuxMemory
		if res.Memory != nil {
			m := *res.Memory
			checked, err := checkResources(&spec.LinuxResources{Memory: &m})
			if err != nil {
				return nil, err
			}
			flags = checked
		}
		mem, err := mergedMemory(cfg.Memory, flags)
		if err != nil {
			return nil, err
		}
		cfg.Memory = mem
		setLimits(&cfg, res)
	}
	if req.Pod == "" {
		return &cfg, nil
	}
	if err := r.leavePod(ctx, &cfg); err != nil {
		return nil, err
	}
	if err := r.applyPod(ctx, &cfg, &CreateRequest{Pod: req.Pod, RestartPolicy: cfg.RestartPolicy}); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// leavePod drops from a copied config what tied it to its pod, so that
// applyPod can put it in another.
func (r *Runtime) leavePod(ctx context.Context, cfg *define.ContainerConfig) error {
	if cfg.Pod == "" {
		return nil
	}
	p, err := r.LookupPod(ctx, cfg.Pod)
	if err != nil {
		return err
	}
	infra := p.Config.InfraContainerID
	cfg.Dependencies = slices.DeleteFunc(cfg.Dependencies, func(d define.Dependency) bool {
		return d.ID == p.Config.ID || (infra != "" && d.ID == infra)
	})
	if infra != "" {
		for _, mode := range []*string{&cfg.UTSMode, &cfg.IPCMode, &cfg.PIDMode, &cfg.NetworkMode, &cfg.UserNSMode, &cfg.CgroupNSMode} {
			if *mode == netnsPrefix+infra {
				*mode = ""
			}
		}
	}
	if cfg.CgroupParent == podCgroupPath(&p.Config) {
		cfg.CgroupParent = ""
	}
	cfg.Pod = ""
	return nil
}

// saveClone saves cfg under name, or under podman's clone names of
// srcName, the first one free.
func (r *Runtime) saveClone(ctx context.Context, cfg *define.ContainerConfig, images *image.Store, name, srcName string) (*define.Container, error) {
	names := []string{name}
	if name == "" {
		names = cloneNames(srcName)
	}
	var err error
	for _, n := range names {
		// Each try saves a fresh copy: a failed one has named the
		// anonymous volumes it made (and removed).
		var try define.ContainerConfig
		if err = deepCopy(&try, cfg); err != nil {
			break
		}
		try.Name = n
		var c *define.Container
		if c, err = r.saveNewContainer(ctx, &try, images, false, false); err == nil {
			return c, nil
		}
		if name != "" || !errors.Is(err, define.ErrNameInUse) {
			break
		}
	}
	return nil, err
}
