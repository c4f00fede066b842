package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
)

// podman's annotations for facts of the container that inspect shows
// (libpod's define.InspectAnnotation*); they reach the OCI spec too.
const (
	annotationCIDFile         = "io.podman.annotations.cid-file"
	annotationAutoremove      = "io.podman.annotations.autoremove"
	annotationAutoremoveImage = "io.podman.annotations.autoremove-image"
	annotationInit            = "io.podman.annotations.init"
	annotationPrivileged      = "io.podman.annotations.privileged"
	annotationPublishAll      = "io.podman.annotations.publish-all"
	annotationSeccomp         = "io.podman.annotations.seccomp"
	annotationSandboxID       = "io.kubernetes.cri-o.SandboxID"
	annotationTrue            = "TRUE"
)

// fallbackInitPath is podman's default init_path: catatonit, where
// Debian's podman package installs it.
const fallbackInitPath = "/usr/libexec/podman/catatonit"

// applyRunOptions checks and stores the options that shape how the
// container runs and the files pier writes for the user.
func (r *Runtime) applyRunOptions(cfg *define.ContainerConfig, req *CreateRequest) error {
	if req.Replace && req.Name == "" {
		return errdefs.New(errdefs.ErrInvalidArgument, "cannot replace container without --name being set")
	}
	if err := checkRestart(req); err != nil {
		return err
	}
	cfg.RestartPolicy, cfg.RestartRetries = req.RestartPolicy, req.RestartRetries
	cfg.AutoRemoveImage = req.AutoRemoveImage
	if req.Timezone != "" && req.Timezone != "local" {
		if _, err := time.LoadLocation(req.Timezone); err != nil {
			return errdefs.New(errdefs.ErrInvalidArgument, "running container create option: finding timezone: "+err.Error())
		}
	}
	cfg.Timezone = req.Timezone
	cfg.Init, cfg.PreserveFDs = req.Init, req.PreserveFDs
	if cfg.Init {
		// Resolved now, as podman fixes it in the spec at create.
		cfg.InitPath = cmp.Or(req.InitPath, r.defaultInitPath())
		if _, err := os.Stat(cfg.InitPath); err != nil {
			return fmt.Errorf("container-init binary not found on the host: %w", err)
		}
	}
	for _, p := range []string{req.CIDFile, req.MonitorPidFile, req.PidFile, req.LogPath, req.InitPath} {
		if p != "" && !filepath.IsAbs(p) {
			return fmt.Errorf("%q must be an absolute path: %w", p, errdefs.ErrInvalidArgument)
		}
	}
	cfg.RunFiles = req.RunFiles
	cfg.LogPath, cfg.LogTag = req.LogPath, req.LogTag
	cfg.LogOptions = maps.Clone(req.LogOptions)
	if req.LogSizeMax != nil {
		// 0 and negative sizes mean no cap, shown by podman as -1B.
		cfg.LogSizeMax = max(*req.LogSizeMax, -1)
		if cfg.LogSizeMax == 0 {
			cfg.LogSizeMax = -1
		}
	}
	cfg.Annotations = podmanAnnotations(cfg, req.Annotations)
	mem, err := checkResources(req.Resources)
	if err != nil {
		return err
	}
	cfg.Memory, cfg.Timeout = mem, req.Timeout
	// --security-opt seccomp=, else containers.conf seccomp_profile: a
	// profile file is checked now and read again at every start.
	seccomp := cmp.Or(req.Seccomp, r.conf.Containers.SeccompProfile)
	if seccomp != "unconfined" {
		probe := &spec.Spec{Process: &spec.Process{Capabilities: &spec.LinuxCapabilities{Bounding: cfg.Capabilities}}}
		if err := specgen.ApplySeccomp(probe, seccomp); err != nil {
			return errdefs.New(errdefs.ErrInvalidArgument, err.Error())
		}
	}
	cfg.NoNewPrivileges, cfg.Seccomp, cfg.LabelDisable = req.NoNewPrivileges, seccomp, req.LabelDisable
	return nil
}

// minMemory is runc's smallest memory limit (6 MiB), checked here so the
// error names the flag instead of coming from the runtime at start.
const minMemory = 6 * 1024 * 1024

// checkResources checks the memory limits and returns them (see
// applyLimits for the others); podman's rule for swap without an explicit
// value (twice the limit) is the caller's.
func checkResources(res *spec.LinuxResources) (*spec.LinuxMemory, error) {
	if res == nil {
		return nil, nil
	}
	if len(res.HugepageLimits) > 0 || res.Network != nil || len(res.Devices) > 0 || len(res.Unified) > 0 || len(res.Rdma) > 0 {
		return nil, fmt.Errorf("only memory, CPU, pids and block IO limits are supported yet: %w", errdefs.ErrNotImplemented)
	}
	m := res.Memory
	if m == nil {
		return nil, nil
	}
	if m.Limit != nil && *m.Limit != 0 && *m.Limit < minMemory {
		return nil, errdefs.New(errdefs.ErrInvalidArgument, "minimum memory limit allowed is 6MB")
	}
	if m.Swap != nil && (m.Limit == nil || *m.Limit == 0) {
		return nil, errdefs.New(errdefs.ErrInvalidArgument, "you should always set a memory limit when using a memoryswap limit, see usage")
	}
	if m.Swap != nil && *m.Swap != -1 && *m.Swap < *m.Limit {
		return nil, errdefs.New(errdefs.ErrInvalidArgument, "minimum memoryswap limit should be larger than memory limit, see usage")
	}
	if m.Limit != nil && *m.Limit == 0 {
		m.Limit = nil // 0 is no limit
	}
	out := *m
	return &out, nil
}

// checkRestart applies podman's rules: a known policy, retries only with
// on-failure, none of it with --rm; --rmi only with --rm.
func checkRestart(req *CreateRequest) error {
	switch req.RestartPolicy {
	case "", "no", "always", "unless-stopped":
		if req.RestartRetries > 0 {
			return errdefs.New(errdefs.ErrInvalidArgument, "restart policy retries can only be specified with on-failure restart policy")
		}
	case "on-failure":
	default:
		return fmt.Errorf("running container create option: %q is not a valid restart policy: %w", req.RestartPolicy, errdefs.ErrInvalidArgument)
	}
	if req.AutoRemove && req.RestartPolicy != "" && req.RestartPolicy != "no" {
		return errdefs.New(errdefs.ErrInvalidArgument, `the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"`)
	}
	if req.AutoRemoveImage && !req.AutoRemove {
		return errdefs.New(errdefs.ErrInvalidArgument, "the --rmi option does not work without --rm")
	}
	return nil
}

// flagAnnotations adds podman's annotations for --privileged, -P and
// --security-opt seccomp= once those are applied (kube generate
// --podman-only carries them); the user's own win.
func flagAnnotations(cfg *define.ContainerConfig, req *CreateRequest) {
	set := func(k, v string) { setAnnotation(cfg, k, v) }
	if cfg.Privileged {
		set(annotationPrivileged, annotationTrue)
	}
	if cfg.PublishAll {
		set(annotationPublishAll, annotationTrue)
	}
	if req.Seccomp != "" {
		set(annotationSeccomp, req.Seccomp)
	}
}

// setAnnotation sets k unless the user did.
func setAnnotation(cfg *define.ContainerConfig, k, v string) {
	if _, ok := cfg.Annotations[k]; ok {
		return
	}
	if cfg.Annotations == nil {
		cfg.Annotations = map[string]string{}
	}
	cfg.Annotations[k] = v
}

// podmanAnnotations are the user's annotations over the ones podman adds
// for --cidfile, --rm, --rmi and --init.
func podmanAnnotations(cfg *define.ContainerConfig, user map[string]string) map[string]string {
	out := map[string]string{}
	if cfg.CIDFile != "" {
		out[annotationCIDFile] = cfg.CIDFile
	}
	if cfg.AutoRemove {
		out[annotationAutoremove] = annotationTrue
	}
	if cfg.AutoRemoveImage {
		out[annotationAutoremoveImage] = annotationTrue
	}
	if cfg.Init {
		out[annotationInit] = annotationTrue
	}
	maps.Copy(out, user)
	if len(out) == 0 {
		return nil
	}
	return out
}

// defaultInitPath is containers.conf's init_path (either table's) or,
// as podman, catatonit where Debian installs it or in helper_binaries_dir.
func (r *Runtime) defaultInitPath() string {
	if r.conf.Common != nil {
		if p, err := r.conf.Common.FindInitBinary(); err == nil {
			return p
		}
	}
	return fallbackInitPath
}

// writeCIDFile writes the container's ID for --cidfile; an existing file
// is overwritten, as podman 5 does.
func writeCIDFile(path, id string) error {
	if err := os.WriteFile(path, []byte(id), 0o644); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Op == "open" {
			return fmt.Errorf("creating idfile: %w", err)
		}
		return fmt.Errorf("writing idfile: %w", err)
	}
	return nil
}

// replaceNamed removes the container called exactly name (not an ID
// prefix), if there is one, for --replace: force, with its stop timeout,
// under its lock like any remove.
func (r *Runtime) replaceNamed(ctx context.Context, name string) error {
	c, err := r.store.LookupContainer(ctx, name)
	if errors.Is(err, define.ErrNoSuchCtr) || errors.Is(err, define.ErrAmbiguous) || (err == nil && c.Config.Name != name) {
		return nil
	}
	if err != nil {
		return err
	}
	err = r.Remove(ctx, c.Config.ID, RemoveOptions{Force: true})
	if errors.Is(err, define.ErrNoSuchCtr) {
		return nil
	}
	return err
}
