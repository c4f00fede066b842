package systemdgen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/specgen"
)

// Generate returns the units of a container or a pod (the pod's and each
// member's), by unit name without .service.
func Generate(ctx context.Context, rt *engine.Runtime, nameOrID string, o *Options) (map[string]string, error) {
	c, ctrErr := rt.Lookup(ctx, nameOrID)
	if ctrErr == nil {
		if c.Config.Pod == "" || !c.Config.IsInfra {
			return containerUnits(ctx, rt, c, o)
		}
	}
	p, podErr := rt.LookupPod(ctx, nameOrID)
	if podErr != nil {
		if ctrErr == nil {
			return containerUnits(ctx, rt, c, o)
		}
		if !errors.Is(podErr, define.ErrNoSuchPod) || !errors.Is(ctrErr, define.ErrNoSuchCtr) {
			return nil, errors.Join(podErr, ctrErr)
		}
		return nil, fmt.Errorf("%s does not refer to a container or pod: %v: %w", nameOrID, podErr, ctrErr)
	}
	if o.Template {
		return nil, errors.New("--template is not supported for pods")
	}
	return podUnits(ctx, rt, p, o)
}

func containerUnits(ctx context.Context, rt *engine.Runtime, c *define.Container, o *Options) (map[string]string, error) {
	if !o.New && c.Config.RestartPolicy != "" && c.Config.RestartPolicy != "no" {
		slog.Warn(fmt.Sprintf("Container %s has restart policy %q which can lead to issues on shutdown: consider recreating the container without a restart policy and use systemd's restart mechanism instead", c.Config.ID, c.Config.RestartPolicy))
	}
	info, err := containerInfo(ctx, rt, c)
	if err != nil {
		return nil, err
	}
	name, text, err := ContainerUnit(info, nil, o)
	if err != nil {
		return nil, err
	}
	return map[string]string{name: text}, nil
}

// containerInfo reads what a container's unit needs.
func containerInfo(ctx context.Context, rt *engine.Runtime, c *define.Container) (*Container, error) {
	d, err := rt.Inspect(ctx, c.Config.ID, engine.InspectOptions{})
	if err != nil {
		return nil, err
	}
	return &Container{
		ID: c.Config.ID, Name: c.Config.Name, StopTimeout: c.Config.StopTimeout,
		CreateCommand: c.Config.CreateCmd, Env: c.Config.Env,
		MonitorPidFile: d.ConmonPidFile, RunRoot: rt.Paths().RunRoot,
	}, nil
}

// podUnits writes the pod's unit and one per member, each bound to the
// pod's and to those of the members it depends on.
func podUnits(ctx context.Context, rt *engine.Runtime, p *define.Pod, o *Options) (map[string]string, error) {
	if !p.Config.HasInfra || p.Config.InfraContainerID == "" {
		return nil, fmt.Errorf("generating systemd unit files: Pod %q has no infra container", p.Config.Name)
	}
	members, err := rt.PodContainers(ctx, p.Config.ID)
	if err != nil {
		return nil, err
	}
	pod := &Pod{ID: p.Config.ID, Name: p.Config.Name, CreateCommand: p.Config.CreateCmd, RunRoot: rt.Paths().RunRoot}
	names := map[string]string{} // container ID -> its service
	var infos []*Container
	var deps [][]define.Dependency
	for _, m := range members {
		info, err := containerInfo(ctx, rt, m)
		if err != nil {
			return nil, err
		}
		if m.Config.ID == p.Config.InfraContainerID {
			pod.Infra = *info
			continue
		}
		names[m.Config.ID] = info.ContainerService(o)
		pod.Members = append(pod.Members, names[m.Config.ID])
		infos = append(infos, info)
		deps = append(deps, m.Config.Dependencies)
	}
	if o.New && len(pod.CreateCommand) == 0 {
		return nil, fmt.Errorf("cannot use --new on pod %q: no create command found", p.Config.ID)
	}
	units := map[string]string{}
	name, text, err := PodUnit(pod, o)
	if err != nil {
		return nil, err
	}
	units[name] = text
	for i, info := range infos {
		info.BoundTo = []string{name}
		for _, dep := range deps[i] {
			if svc, ok := names[dep.ID]; ok && dep.Kind == define.KindContainer && !slices.Contains(info.BoundTo, svc) {
				info.BoundTo = append(info.BoundTo, svc)
			}
		}
		var in *Pod
		if o.New {
			in = pod
		}
		n, text, err := ContainerUnit(info, in, o)
		if err != nil {
			return nil, err
		}
		units[n] = text
	}
	return units, nil
}

// ParseEnv reads generate's -e values as run's (KEY=VALUE, KEY and KEY*
// from this process's environment), sorted by key: podman keeps them in a
// map, so its order is random.
func ParseEnv(vals []string) ([]string, error) {
	env, err := specgen.ParseEnv(vals, nil)
	if err != nil {
		return nil, fmt.Errorf("parsing environment variables: %w", err)
	}
	slices.SortStableFunc(env, func(a, b string) int {
		ka, _, _ := strings.Cut(a, "=")
		kb, _, _ := strings.Cut(b, "=")
		return strings.Compare(ka, kb)
	})
	return env, nil
}
