package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// newPodPrefix is --pod new:NAME: create the pod with the container.
const newPodPrefix = "new:"

// createInNewPod is create/run --pod new:NAME: a pod with podman's defaults
// (an infra container sharing ipc, net and uts), removed again if the
// container cannot be created.
func (r *Runtime) createInNewPod(ctx context.Context, req *CreateRequest, name string) (*define.Container, error) {
	if name == "" {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "new pod name must be at least one character")
	}
	p, err := r.PodCreate(ctx, &PodCreateRequest{Name: name})
	if err != nil {
		return nil, err
	}
	inPod := *req
	inPod.Pod = p.Config.ID
	c, err := r.createContainer(ctx, &inPod)
	if err != nil {
		zero := uint(0)
		_, _ = r.PodRemove(context.WithoutCancel(ctx), p.Config.ID, PodRemoveOptions{Force: true, Timeout: &zero})
		return nil, err
	}
	return c, nil
}

// applyPod makes cfg a member of the request's pod: it records the pod
// (and the infra container) as dependencies and joins the namespaces the
// pod shares, refusing the options those namespaces fix (podman's texts).
func (r *Runtime) applyPod(ctx context.Context, cfg *define.ContainerConfig, req *CreateRequest) error {
	cfg.IsService, cfg.KubeExitCodePropagation = req.isService, req.propagation
	if p := req.infraOf; p != nil {
		cfg.Pod, cfg.IsInfra = p.Config.ID, true
		if !p.Config.NoShareParent {
			cfg.CgroupParent = podCgroupPath(&p.Config)
		}
		cfg.Dependencies = append(cfg.Dependencies, define.Dependency{Kind: define.KindPod, ID: p.Config.ID, Reason: "infra"})
		return nil
	}
	if req.Pod == "" {
		return nil
	}
	p, err := r.LookupPod(ctx, req.Pod)
	if err != nil {
		return err
	}
	cfg.Pod = p.Config.ID
	cfg.Dependencies = append(cfg.Dependencies, define.Dependency{Kind: define.KindPod, ID: p.Config.ID, Reason: "pod"})
	if err := r.applyInitCtr(ctx, cfg, req, p); err != nil {
		return err
	}
	if cfg.CgroupParent == "" && !p.Config.NoShareParent {
		// Under the pod's cgroup, inside its limits (podman's
		// --share-parent, on by default).
		cfg.CgroupParent = podCgroupPath(&p.Config)
	}
	if p.Config.Infra.ShmSizeSystemd != 0 {
		cfg.ShmSizeSystemd = p.Config.Infra.ShmSizeSystemd
	}
	if req.RestartPolicy == "" && p.Config.RestartPolicy != "" {
		cfg.RestartPolicy, cfg.RestartRetries = p.Config.RestartPolicy, p.Config.RestartRetries
	}
	if err := r.applyPodIsolation(ctx, cfg, req, p); err != nil {
		return err
	}
	if !p.Config.HasInfra || p.Config.InfraContainerID == "" {
		return nil
	}
	infra := p.Config.InfraContainerID
	join := netnsPrefix + infra
	cfg.Dependencies = append(cfg.Dependencies, define.Dependency{Kind: define.KindContainer, ID: infra, Reason: "pod"})
	// podman's CRI-style mark of a member's infra (kube generate shows it)
	setAnnotation(cfg, annotationSandboxID, infra)
	// A namespace flag of the container's own wins over the pod's, as
	// in podman.
	if p.Config.Shares(define.PodNSUTS) && cfg.UTSMode == "" {
		if req.Hostname != "" {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid config provided: cannot set hostname when joining the pod UTS namespace: invalid configuration")
		}
		cfg.Hostname, cfg.UTSMode = p.Config.UTSHostname(), join
	}
	if p.Config.Shares(define.PodNSNet) && (req.NetworkMode == "" || strings.HasPrefix(req.NetworkMode, "pod")) {
		if len(req.Publish) > 0 || len(req.Expose) > 0 || req.PublishAll {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod")
		}
		cfg.NetworkMode, cfg.Networks, cfg.PortMappings, cfg.PublishAll = join, nil, nil, false
	}
	if p.Config.Shares(define.PodNSIPC) && cfg.IPCMode == "" {
		cfg.IPCMode = join
	}
	if p.Config.Shares(define.PodNSPID) && cfg.PIDMode == "" {
		cfg.PIDMode = join
	}
	return nil
}

// applyRequires records --requires: each container must exist; it is
// started first and cannot be removed while this one exists.
func (r *Runtime) applyRequires(ctx context.Context, cfg *define.ContainerConfig, req *CreateRequest) error {
	for _, name := range req.Requires {
		other, err := r.store.LookupContainer(ctx, name)
		if err != nil {
			return fmt.Errorf("%q is not a valid container, cannot be used as a dependency: %w", name, noSuchCtr(name, err))
		}
		cfg.Dependencies = append(cfg.Dependencies, define.Dependency{Kind: define.KindContainer, ID: other.Config.ID, Reason: "requires"})
	}
	return nil
}

// withPodVolumes gives a member of a pod created with volumes the infra
// container's volumes (podman adds them as volumes-from the infra); its
// own mounts win at the same destination.
func (r *Runtime) withPodVolumes(ctx context.Context, req *CreateRequest) (*CreateRequest, error) {
	if req.Pod == "" || req.infraOf != nil {
		return req, nil
	}
	p, err := r.LookupPod(ctx, req.Pod)
	if err != nil {
		return nil, err
	}
	if !p.Config.ShareVolumes || p.Config.InfraContainerID == "" {
		return req, nil
	}
	out := *req
	out.VolumesFrom = append(slices.Clone(req.VolumesFrom), p.Config.InfraContainerID)
	return &out, nil
}
