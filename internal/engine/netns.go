package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// netnsPrefix is the network mode that joins another container's network
// namespace: "container:NAME" as typed, "container:ID" once created.
const netnsPrefix = "container:"

// resolveNetNSDep turns --network container:NAME into the other
// container's ID and records it as a dependency, so that the store keeps
// that container while this one exists.
func (r *Runtime) resolveNetNSDep(ctx context.Context, cfg *define.ContainerConfig) error {
	name, ok := strings.CutPrefix(cfg.NetworkMode, netnsPrefix)
	if !ok {
		return nil
	}
	if name == "" {
		return fmt.Errorf("network mode %q needs a container name or ID: %w", cfg.NetworkMode, errdefs.ErrInvalidArgument)
	}
	other, err := r.store.LookupContainer(ctx, name)
	if err != nil {
		return fmt.Errorf("looking up container to share net namespace with: %w", noSuchCtr(name, err))
	}
	cfg.NetworkMode = netnsPrefix + other.Config.ID
	cfg.Dependencies = append(cfg.Dependencies, define.Dependency{Kind: define.KindContainer, ID: other.Config.ID, Reason: "netns"})
	return nil
}

// ctrDependencies are the IDs of the containers c needs.
func ctrDependencies(c *define.Container) []string {
	var ids []string
	for _, d := range c.Config.Dependencies {
		if d.Kind == define.KindContainer {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// startDependencies starts, as podman does, the containers c needs that
// are not running, each under its own lock (never two locks at once, so
// no lock-order deadlock with rm --depend).
func (r *Runtime) startDependencies(ctx context.Context, c *define.Container) error {
	for _, id := range ctrDependencies(c) {
		dep, l, err := r.locked(ctx, id)
		if err != nil {
			return fmt.Errorf("starting dependency of container %s: %w", c.Config.ID, err)
		}
		if dep.State.Running() {
			l.Unlock()
			continue
		}
		// Its own dependencies first; they were created before it, so
		// the recursion ends.
		l.Unlock()
		if err := r.startDependencies(ctx, dep); err != nil {
			return err
		}
		if dep, l, err = r.locked(ctx, id); err != nil {
			return fmt.Errorf("starting dependency of container %s: %w", c.Config.ID, err)
		}
		_, err = r.startLocked(ctx, dep, false, nil)
		l.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// joinedNetNS is the network namespace path c joins: the running PID's of
// the container its network mode names, or "" for its own namespace.
func (r *Runtime) joinedNetNS(ctx context.Context, c *define.Container) (string, error) {
	id, ok := strings.CutPrefix(c.Config.NetworkMode, netnsPrefix)
	if !ok {
		return "", nil
	}
	dep, err := r.store.Container(ctx, id)
	if err == nil {
		r.syncState(dep)
	}
	if err != nil || !dep.State.Running() || dep.State.PID <= 0 {
		return "", fmt.Errorf("some dependencies of container %s are not started: %s: %w", c.Config.ID, id, define.ErrCtrStateInvalid)
	}
	return fmt.Sprintf("/proc/%d/ns/net", dep.State.PID), nil
}

// runningPID is the PID of container id, which c needs running.
func (r *Runtime) runningPID(ctx context.Context, c *define.Container, id string) (int, error) {
	dep, err := r.store.Container(ctx, id)
	if err == nil {
		r.syncState(dep)
	}
	if err != nil || !dep.State.Running() || dep.State.PID <= 0 {
		return 0, fmt.Errorf("some dependencies of container %s are not started: %s: %w", c.Config.ID, id, define.ErrCtrStateInvalid)
	}
	return dep.State.PID, nil
}

// dependentsOf lists, dependents first, every container that depends on
// id directly or through others: the order rm --depend removes them in.
func (r *Runtime) dependentsOf(ctx context.Context, id string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	var walk func(id string) error
	walk = func(id string) error {
		deps, err := r.store.Dependents(ctx, define.KindContainer, id)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if seen[d] {
				continue
			}
			seen[d] = true
			if err := walk(d); err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	}
	return out, walk(id)
}
