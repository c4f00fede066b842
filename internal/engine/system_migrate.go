package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Migrate is `system migrate`: every running container is stopped, as
// podman does, and with newRuntime every container is moved to that
// runtime (a name of containers.conf's [engine.runtimes] whose binary
// exists, as podman's list of runtimes). pier's state needs no schema
// migration. stopped lists the containers it stopped, in order, also on
// failure. The runtime is checked before anything is stopped, unlike
// podman, so a typo changes nothing.
func (r *Runtime) Migrate(ctx context.Context, newRuntime string) (stopped []string, err error) {
	if newRuntime != "" {
		_, known := r.conf.Engine.Runtimes[newRuntime]
		if !known || strings.Contains(newRuntime, "/") {
			return nil, noRuntimeError(newRuntime)
		}
		if _, err := r.findRuntime(newRuntime); err != nil {
			return nil, noRuntimeError(newRuntime)
		}
	}
	cs, err := r.Containers(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if !c.State.Running() {
			continue
		}
		if err := r.Stop(ctx, c.Config.ID, nil); err != nil {
			return stopped, fmt.Errorf("cannot stop container %s: %w", c.Config.ID, err)
		}
		stopped = append(stopped, c.Config.ID)
	}
	if newRuntime == "" {
		return stopped, nil
	}
	for _, c := range cs {
		if err := r.setRuntime(ctx, c.Config.ID, newRuntime); err != nil {
			return stopped, err
		}
	}
	return stopped, nil
}

func noRuntimeError(name string) error {
	return errdefs.Errorf(errdefs.ErrInvalidArgument, "change to runtime %q requested but no such runtime is defined: invalid argument", name)
}

// setRuntime rewrites one container's runtime under its lock.
func (r *Runtime) setRuntime(ctx context.Context, id, name string) error {
	c, l, err := r.locked(ctx, id)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if c.Config.Runtime == name {
		return nil
	}
	c.Config.Runtime = name
	if err := r.store.SaveConfig(context.WithoutCancel(ctx), &c.Config); err != nil {
		return fmt.Errorf("rewriting config for container %s: %w", id, err)
	}
	return nil
}

// VolumeReload is `volume reload`: podman imports the volumes of its
// volume plugins and forgets those gone from them. pier has only the
// local driver, whose volumes are its own records, so nothing is ever
// added or removed.
func (r *Runtime) VolumeReload(context.Context) (added, removed []string) {
	return nil, nil
}
