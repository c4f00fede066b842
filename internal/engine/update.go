package engine

import (
	"context"
	"fmt"
	"path/filepath"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/events"
)

// UpdateRequest is what `update` changes: cgroup limits (only the ones
// set) and the restart policy (nil: unchanged).
type UpdateRequest struct {
	Resources      *spec.LinuxResources
	RestartPolicy  *string
	RestartRetries uint
}

// Update changes a container's limits and restart policy, as podman's
// update: stored for every later start and, while it runs, applied to its
// cgroup by the runtime. It returns the container's ID.
func (r *Runtime) Update(ctx context.Context, nameOrID string, req UpdateRequest) (string, error) {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return "", err
	}
	defer l.Unlock()
	cfg := c.Config
	if req.Resources != nil {
		mem, err := mergedMemory(cfg.Memory, req.Resources.Memory)
		if err != nil {
			return "", err
		}
		cfg.Memory = mem
		setLimits(&cfg, req.Resources)
	}
	if req.RestartPolicy != nil {
		if err := checkRestart(&CreateRequest{RestartPolicy: *req.RestartPolicy, RestartRetries: req.RestartRetries, AutoRemove: cfg.AutoRemove}); err != nil {
			return "", err
		}
		cfg.RestartPolicy, cfg.RestartRetries = *req.RestartPolicy, req.RestartRetries
	}
	r.syncState(c)
	if req.Resources != nil && (c.State.Status == define.StatusRunning || c.State.Status == define.StatusPaused) {
		if err := r.applyResources(ctx, c, &cfg); err != nil {
			return "", err
		}
	}
	c.Config = cfg
	if err := r.store.SaveConfig(ctx, &cfg); err != nil {
		return "", fmt.Errorf("saving the new limits of container %s: %w", c.Config.Name, err)
	}
	r.ctrEvent(c, events.Update)
	return c.Config.ID, nil
}

// mergedMemory is old with the memory limits n sets, checked as create
// checks them.
func mergedMemory(old, n *spec.LinuxMemory) (*spec.LinuxMemory, error) {
	if n == nil {
		return old, nil
	}
	m := spec.LinuxMemory{}
	if old != nil {
		m = *old
	}
	for _, f := range []struct{ dst, src **int64 }{{&m.Limit, &n.Limit}, {&m.Reservation, &n.Reservation}, {&m.Swap, &n.Swap}} {
		if *f.src != nil {
			*f.dst = *f.src
		}
	}
	if n.Swappiness != nil {
		m.Swappiness = n.Swappiness
	}
	if n.DisableOOMKiller != nil {
		m.DisableOOMKiller = n.DisableOOMKiller
	}
	return checkResources(&spec.LinuxResources{Memory: &m})
}

// applyResources writes cfg's limits for the runtime and has it set them
// on the running container's cgroup.
func (r *Runtime) applyResources(ctx context.Context, c *define.Container, cfg *define.ContainerConfig) error {
	rt, err := r.runtimeFor(c)
	if err != nil {
		return err
	}
	res := &spec.LinuxResources{Memory: cfg.Memory, CPU: cfg.CPU, BlockIO: cfg.BlockIO, Pids: pidsResource(cfg.PidsLimit)}
	file := filepath.Join(r.ctrPaths(c.Config.ID).RunDir, "update.json")
	if err := writeJSON(file, res); err != nil {
		return err
	}
	if err := rt.Update(ctx, c.Config.ID, file); err != nil {
		return fmt.Errorf("updating the cgroup of container %s: %w", c.Config.Name, err)
	}
	return nil
}

// pidsResource is the pids limit as the runtime takes it: -1 for none
// (runc leaves the limit alone when it is 0).
func pidsResource(n int64) *spec.LinuxPids {
	if n <= 0 {
		n = -1
	}
	return &spec.LinuxPids{Limit: &n}
}
