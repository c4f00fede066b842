package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
)

// podHasUserNS reports whether a pod's infra container gets a user
// namespace of its own, which podman then lists as shared ("user").
func podHasUserNS(iso *IsolationRequest) bool {
	switch iso.UserNS {
	case "", define.NSHost:
	default:
		return true
	}
	return len(iso.UIDMap)+len(iso.GIDMap) > 0 || iso.SubUIDName != "" || iso.SubGIDName != ""
}

// infraIsolation gives the infra container's request what pod create
// set for it: namespaces and ID mappings, devices, --security-opt,
// sysctls, and its cgroup limits when there is no pod cgroup to hold them.
func infraIsolation(creq *CreateRequest, req *PodCreateRequest) {
	iso := req.Isolation
	creq.Isolation = IsolationRequest{
		PID: iso.PID, UTS: iso.UTS, UserNS: iso.UserNS,
		UIDMap: iso.UIDMap, GIDMap: iso.GIDMap, SubUIDName: iso.SubUIDName, SubGIDName: iso.SubGIDName,
		Devices: slices.Clone(iso.Devices), CDIDevices: slices.Clone(iso.CDIDevices),
		Mask: iso.Mask, Unmask: iso.Unmask,
	}
	creq.NoNewPrivileges, creq.Seccomp, creq.LabelDisable = req.Security.NoNewPrivileges, req.Security.Seccomp, req.Security.LabelDisable
	creq.Sysctls = req.Sysctls
	creq.NoHostname = req.NoHostname
	creq.MonitorPidFile = req.InfraMonitorPidFile
	if req.NoShareParent {
		creq.Resources = req.Resources
	}
}

// applyPodIsolation gives a member what its pod sets for every member:
// the infra's user namespace (joined, with its ID mappings), the pod's
// devices and --no-hostname. An ID mapping of the member's own is
// refused in podman's words: the pod decides the user namespace.
func (r *Runtime) applyPodIsolation(ctx context.Context, cfg *define.ContainerConfig, req *CreateRequest, p *define.Pod) error {
	iso := &req.Isolation
	if p.Config.HasInfra && podHasUserNS(iso) {
		return errdefs.New(errdefs.ErrInvalidArgument, "cannot set user namespace mode when joining pod with infra container: invalid argument")
	}
	cfg.NoHostname = cfg.NoHostname || p.Config.NoHostname
	for _, d := range p.Config.Devices {
		if !slices.ContainsFunc(cfg.Devices, func(o define.Device) bool { return o.PathInContainer == d.PathInContainer }) {
			cfg.Devices = append(cfg.Devices, d)
		}
	}
	for _, d := range p.Config.CDIDevices {
		if !slices.Contains(cfg.CDIDevices, d) {
			cfg.CDIDevices = append(cfg.CDIDevices, d)
		}
	}
	if !p.Config.Shares(define.PodNSUser) || iso.UserNS == define.NSHost || p.Config.InfraContainerID == "" {
		return nil
	}
	infra, err := r.store.Container(ctx, p.Config.InfraContainerID)
	if err != nil {
		return fmt.Errorf("looking up the infra container of pod %s: %w", p.Config.Name, err)
	}
	if len(infra.Config.UIDMap)+len(infra.Config.GIDMap) == 0 {
		// keep-id as root: the infra runs in the host's user namespace,
		// and so do the members.
		return nil
	}
	// Joined with the infra's mappings (resolveNSDeps copies them).
	cfg.UserNSMode = define.NSContainer + ":" + infra.Config.ID
	return nil
}

// applySysctls sets --sysctl values over containers.conf's defaults, as
// podman: a default of a namespace the container shares (the host's or
// another container's) is skipped, while the user's own is refused when
// that namespace is the host's (net.* and fs.mqueue.*, podman's texts).
func applySysctls(cfg *define.ContainerConfig, list []string) error {
	user, err := specgen.ParseSysctls(list, false)
	if err != nil {
		return err
	}
	netKind, _ := specgen.SplitNamespace(cfg.NetworkMode)
	ipcKind, _ := specgen.SplitNamespace(cfg.IPCMode)
	if err := specgen.CheckSysctlNamespaces(user, netKind == define.NSHost, ipcKind == define.NSHost); err != nil {
		return err
	}
	shared := func(kind string) bool { return kind == define.NSHost || kind == define.NSContainer }
	out := specgen.DropSharedSysctls(cfg.Sysctls, shared(netKind), shared(ipcKind))
	maps.Copy(out, user)
	cfg.Sysctls = nil
	if len(out) > 0 {
		cfg.Sysctls = out
	}
	return nil
}
