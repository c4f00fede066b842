//go:build !pierslim

package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"

	buildahdefine "go.podman.io/buildah/define"
	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/oci"
	"github.com/pier-engine/pier/internal/proc"
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
// runtime with its global flags, pier's networks, and pier's default
// ulimits clamped to its own hard limits, so a host without
// CAP_SYS_RESOURCE builds out of the box. A RUN step's non-zero exit is the
// command's exit code, as podman's.
//
// When ctx ends (SIGINT, SIGTERM) the running step's containers are killed
// and Build returns at once without buildah's cleanup: as with podman, a
// killed build leaves its working containers in storage (`ps --external`,
// `image prune --external`). RUN containers get a runtime state root of
// their own so that only this build's are killed.
func (r *Runtime) Build(ctx context.Context, req BuildRequest) (string, error) {
	images, err := r.Images(ctx)
	if err != nil {
		return "", err
	}
	rt, err := r.buildRuntime()
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(rt.Args[1])
	o := req.Options
	o.Runtime = rt.Path
	o.RuntimeArgs = append(slices.Clone(rt.Args), o.RuntimeArgs...)
	bn := &buildNetwork{r: r, ctx: context.WithoutCancel(ctx)}
	if o.NetworkInterface == nil {
		o.NetworkInterface = bn
	}
	if o.DefaultMountsFilePath == "" {
		o.DefaultMountsFilePath = r.defaultMountsFile()
	}
	if err := r.buildUlimits(&o); err != nil {
		return "", err
	}
	type result struct {
		id  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		id, err := images.Build(context.WithoutCancel(ctx), req.Containerfiles, o)
		done <- result{id, err}
	}()
	select {
	case res := <-done:
		r.buildEvent(res.id)
		return res.id, buildError(res.err)
	case <-ctx.Done():
		killBuildSteps(rt.Args[1])
		bn.teardownActive()
		return "", fmt.Errorf("build interrupted: %w", ctx.Err())
	}
}

// buildRuntime is pier's OCI runtime with a state root of this build's
// own (Args[0:2] are "--root" and that directory).
func (r *Runtime) buildRuntime() (*oci.Runtime, error) {
	base, err := r.OCIRuntime()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(r.runDir, "runtime", "build")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating build runtime root: %w", err)
	}
	root, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return nil, fmt.Errorf("creating build runtime root: %w", err)
	}
	rt := &oci.Runtime{Name: base.Name, Path: base.Path, Args: []string{"--root", root}}
	for _, f := range r.opts.RuntimeFlags {
		rt.Args = append(rt.Args, "--"+f)
	}
	return rt, nil
}

// killBuildSteps kills the containers of an interrupted build's RUN steps
// (every container in its runtime root). It signals each container's init
// directly, from the runtime's state file: a runtime process started now
// would share pier's process group, which `timeout` and a terminal's ^C
// signal too, and die before it kills anything.
func killBuildSteps(root string) {
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		var st struct {
			Pid   int    `json:"init_process_pid"`
			Start uint64 `json:"init_process_start"`
		}
		data, err := os.ReadFile(filepath.Join(root, e.Name(), "state.json"))
		if err != nil || json.Unmarshal(data, &st) != nil || st.Pid <= 0 {
			continue
		}
		if st.Start == 0 || !proc.Alive(st.Pid, st.Start) {
			continue // gone, and its PID maybe reused
		}
		if err := unix.Kill(st.Pid, unix.SIGKILL); err != nil {
			slog.Warn(fmt.Sprintf("killing build step %s: %v", e.Name(), err))
		}
	}
}

// buildError gives a failed RUN step's exit code to the CLI, as podman
// exits with it; other failures stay engine errors (125).
func buildError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return errdefs.WithExitCode(ee.ExitCode(), err)
	}
	return err
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
