package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/image"
)

// CommitRequest mirrors `commit`'s flags.
type CommitRequest struct {
	Image          string // target name; empty makes an untagged image
	Format         string // oci (default) or docker
	Changes        []string
	Author         string
	Message        string
	Pause          bool // freeze a running container for the copy
	Squash         bool
	IncludeVolumes bool      // declare the container's volumes in the image
	Config         []byte    // --config: JSON of a Docker config merged over the image's
	Report         io.Writer // copy progress; nil is quiet
}

// Commit makes an image of a container's filesystem and configuration and
// returns the image's ID. The container's lock is held for the copy, as
// podman does; with Pause a running container is frozen meanwhile.
func (r *Runtime) Commit(ctx context.Context, nameOrID string, req CommitRequest) (string, error) {
	if _, err := image.CommitFormat(req.Format); err != nil {
		return "", err
	}
	images, err := r.Images(ctx)
	if err != nil {
		return "", err
	}
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	if c.State.Status == define.StatusRemoving {
		return "", fmt.Errorf("cannot commit container %s as it is being removed: %w", c.Config.ID, define.ErrCtrStateInvalid)
	}
	if err := images.CreateContainer(ctx, c.Config.ID, c.Config.ImageID, storageOptions(&c.Config)); err != nil {
		return "", err
	}
	if req.Pause && c.State.Status == define.StatusRunning {
		resume, err := r.pauseForCommit(ctx, c)
		if err != nil {
			return "", err
		}
		defer resume()
	}
	id, err := images.Commit(ctx, c.Config.ID, req.Image, commitOptions(&c.Config, &req))
	if err == nil {
		r.ctrEvent(c, events.Commit)
	}
	return id, err
}

// commitOptions carries the container's settings into the image, as
// podman's commit: the image runs as the container did.
func commitOptions(cfg *define.ContainerConfig, req *CommitRequest) image.CommitOptions {
	o := image.CommitOptions{
		Format: req.Format, Changes: req.Changes, Author: req.Author, Message: req.Message,
		Squash: req.Squash, Report: req.Report, Config: req.Config,
		Entrypoint: cfg.Entrypoint, Cmd: cfg.Cmd, Env: cfg.Env, Labels: cfg.Labels,
		User: cfg.User, WorkingDir: cfg.WorkingDir,
	}
	// pier has no named volumes yet, so only --include-volumes adds any:
	// the destinations the user mounted.
	if req.IncludeVolumes {
		for _, m := range cfg.Mounts {
			o.Volumes = append(o.Volumes, m.Destination)
		}
	}
	return o
}

// pauseForCommit freezes the container and returns what thaws it. The
// state says "paused" meanwhile, as podman's.
func (r *Runtime) pauseForCommit(ctx context.Context, c *define.Container) (func(), error) {
	rt, err := r.runtimeFor(c)
	if err != nil {
		return nil, err
	}
	if err := rt.Pause(ctx, c.Config.ID); err != nil {
		return nil, fmt.Errorf("pausing container %q to commit: %w", c.Config.ID, err)
	}
	c.State.Status = define.StatusPaused
	_ = r.save(ctx, c)
	return func() {
		ctx := context.WithoutCancel(ctx)
		if err := rt.Resume(ctx, c.Config.ID); err == nil {
			c.State.Status = define.StatusRunning
			_ = r.save(ctx, c)
		}
	}, nil
}
