package engine

import (
	"context"
	"errors"
	"fmt"
	"os/exec"

	buildahdefine "go.podman.io/buildah/define"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
)

// BuildRequest is a build as buildah describes it (the CLI parses podman's
// flags with buildah's own parser) and the Containerfiles to build.
type BuildRequest struct {
	Containerfiles []string
	Options        buildahdefine.BuildOptions
}

// Build builds the Containerfiles into image storage with buildah, as
// podman does, and returns the last image's ID. RUN steps use pier's OCI
// runtime (unless the request names one), its global flags and state root,
// and pier's default ulimits clamped to its own hard limits, so a host
// without CAP_SYS_RESOURCE builds out of the box. A RUN step's non-zero
// exit is the command's exit code, as podman's.
func (r *Runtime) Build(ctx context.Context, req BuildRequest) (string, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return "", err
	}
	o := req.Options
	if o.Runtime == "" {
		rt, err := r.OCIRuntime()
		if err != nil {
			return "", err
		}
		o.Runtime = rt.Path
		o.RuntimeArgs = append(append([]string(nil), rt.Args...), o.RuntimeArgs...)
	} else {
		for _, f := range r.opts.RuntimeFlags {
			o.RuntimeArgs = append(o.RuntimeArgs, "--"+f)
		}
	}
	if o.NetworkInterface == nil {
		o.NetworkInterface = &buildNetwork{r: r, ctx: ctx}
	}
	if err := r.buildUlimits(&o); err != nil {
		return "", err
	}
	id, err := images.Build(ctx, req.Containerfiles, o)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return "", errdefs.WithExitCode(ee.ExitCode(), err)
		}
		return "", err
	}
	return id, nil
}

// buildUlimits puts pier's default rlimits (containers.conf's, clamped)
// before the user's --ulimit values, which buildah applies last.
func (r *Runtime) buildUlimits(o *buildahdefine.BuildOptions) error {
	defaults, err := specgen.DefaultRlimits(r.conf.Containers.DefaultUlimits)
	if err != nil {
		return fmt.Errorf("containers.conf default_ulimits: %w", err)
	}
	if o.CommonBuildOpts == nil {
		o.CommonBuildOpts = &buildahdefine.CommonBuildOptions{}
	}
	ul := make([]string, 0, len(defaults)+len(o.CommonBuildOpts.Ulimit))
	for _, l := range defaults {
		ul = append(ul, specgen.FormatUlimit(l))
	}
	o.CommonBuildOpts.Ulimit = append(ul, o.CommonBuildOpts.Ulimit...)
	return nil
}
