package engine

import (
	"context"
	"fmt"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/pkg/hooks"
	hooksexec "go.podman.io/common/pkg/hooks/exec"

	"github.com/pier-engine/pier/internal/define"
)

// applyHooks adds the OCI hooks of the hooks directories (containers.conf
// hooks_dir or --hooks-dir; 1.0.0 JSON files with stages and `when`
// conditions, read by podman's own package) to s, and runs the
// "precreate" hooks, which may rewrite the spec, as podman does. The
// runtime runs the others at their stages (poststop at delete).
func (r *Runtime) applyHooks(ctx context.Context, s *rspec.Spec, c *define.Container) error {
	dirs := r.conf.Engine.HooksDir
	if len(dirs) == 0 {
		return nil
	}
	m, err := hooks.New(ctx, dirs, []string{"precreate"})
	if err != nil {
		return fmt.Errorf("reading OCI hooks: %w", err)
	}
	ext, err := m.Hooks(s, s.Annotations, len(c.Config.Mounts) > 0)
	if err != nil {
		return fmt.Errorf("matching OCI hooks for container %s: %w", c.Config.Name, err)
	}
	if pre := ext["precreate"]; len(pre) > 0 {
		hookErr, err := hooksexec.RuntimeConfigFilterWithOptions(ctx, hooksexec.RuntimeConfigFilterOptions{
			Hooks: pre, Config: s, PostKillTimeout: hooksexec.DefaultPostKillTimeout,
		})
		if err != nil {
			return fmt.Errorf("running precreate hooks of container %s: %w", c.Config.Name, err)
		}
		if hookErr != nil {
			return fmt.Errorf("precreate hook of container %s failed: %w", c.Config.Name, hookErr)
		}
	}
	return nil
}
