package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/specgen"
)

// PodCloneRequest is `pod clone`: a copy of a pod and its containers.
// Zero values keep the source's settings.
type PodCloneRequest struct {
	Source string // the pod to clone, name or ID
	Name   string // "" is the source's name with "-clone" (numbered if taken)
	// Labels, when set, replace the pod's labels; Hostname its UTS
	// hostname; InfraName the infra container's name.
	Labels    map[string]string
	Hostname  string
	InfraName string
	// CgroupParent and Resources replace the pod cgroup's parent and limits.
	CgroupParent string
	Resources    *spec.LinuxResources
	CreateCmd    []string
	// Destroy removes the source pod (with its containers) once the clone
	// exists; Start starts the clone.
	Destroy, Start bool
	// Devices and CDIDevices are added to the clone's infra and every
	// member, as pod create's; Mask and Unmask of Isolation, Security,
	// Sysctls, InfraCommand, InfraMonitorPidFile and ShmSize replace the
	// infra container's. Other Isolation fields must be empty.
	Isolation           IsolationRequest
	Security            *PodSecurity
	Sysctls             []string
	InfraCommand        []string
	InfraMonitorPidFile string
	ShmSize             *int64
	// ShmSizeSystemd replaces the pod's, for the infra and every member.
	ShmSizeSystemd *int64
	// PID and UTS of Isolation replace the infra container's modes.
	// RestartPolicy (with RestartRetries), when set, is the clone's
	// default: members that had the source pod's take it.
	RestartPolicy  string
	RestartRetries uint
	// Mounts and VolumesFrom are more pod volumes: the infra's and every
	// member's (a member's own mount at the same place wins).
	Mounts      []define.Mount
	VolumesFrom []string

	// infraVolumesFrom is VolumesFrom once resolved into Mounts: the
	// infra's inspect still names the containers, as pod create's.
	infraVolumesFrom []string
}

// PodClone copies a pod: its settings, its infra container and every
// member, each with a new ID, name ("-clone", numbered if taken) and
// storage from the same image. The copies are created, not started,
// unless req.Start. A failure removes what was made.
func (r *Runtime) PodClone(ctx context.Context, req *PodCloneRequest) (*define.Pod, error) {
	src, err := r.LookupPod(ctx, req.Source)
	if err != nil {
		return nil, err
	}
	members, err := r.podMembers(ctx, src.Config.ID)
	if err != nil {
		return nil, err
	}
	vols, err := r.cloneVolumes(ctx, req)
	if err != nil {
		return nil, err
	}
	p, err := r.clonePodRow(ctx, src, req)
	if err != nil {
		return nil, err
	}
	p.Config.ShareVolumes = p.Config.ShareVolumes || len(vols) > 0
	req.Mounts, req.VolumesFrom, req.infraVolumesFrom = vols, nil, req.VolumesFrom
	if err := r.cloneMembers(ctx, src, p, members, req); err != nil {
		zero := uint(0)
		_, _ = r.PodRemove(context.WithoutCancel(ctx), p.Config.ID, PodRemoveOptions{Force: true, Timeout: &zero})
		return nil, err
	}
	if req.Destroy {
		if _, err := r.PodRemove(ctx, src.Config.ID, PodRemoveOptions{Force: true}); err != nil {
			return nil, err
		}
	}
	if req.Start {
		// podman's clone reports the clone even when it cannot start
		// (its pod start errors are per container, and dropped).
		if _, err := r.PodStart(ctx, p.Config.ID); err != nil {
			slog.WarnContext(ctx, fmt.Sprintf("starting pod %s: %v", p.Config.Name, err))
		}
	}
	return r.store.Pod(ctx, p.Config.ID)
}

// clonePodRow saves the new pod: the source's config with the request's
// changes, a new ID and name, no infra container yet.
func (r *Runtime) clonePodRow(ctx context.Context, src *define.Pod, req *PodCloneRequest) (*define.Pod, error) {
	var cfg define.PodConfig
	if err := deepCopy(&cfg, &src.Config); err != nil {
		return nil, err
	}
	cfg.ID, cfg.Created, cfg.InfraContainerID = newID(), time.Now(), ""
	cfg.CreateCmd = req.CreateCmd
	if req.Labels != nil {
		cfg.Labels = maps.Clone(req.Labels)
	}
	if req.Hostname != "" {
		if !cfg.Shares(define.PodNSUTS) {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set hostname when the pod does not share the UTS namespace")
		}
		cfg.Hostname = req.Hostname
	}
	cfg.CgroupParent = cmp.Or(req.CgroupParent, cfg.CgroupParent)
	cfg.Devices = append(cfg.Devices, req.Isolation.Devices...)
	cfg.CDIDevices = append(cfg.CDIDevices, req.Isolation.CDIDevices...)
	if req.Security != nil {
		cfg.Infra.SecurityOpt = slices.Clone(req.Security.Opts)
	}
	if req.ShmSizeSystemd != nil {
		cfg.Infra.ShmSizeSystemd = *req.ShmSizeSystemd
	}
	if len(req.InfraCommand) > 0 {
		cfg.Infra.Command = slices.Clone(req.InfraCommand)
	}
	if u := &req.Isolation; u.UserNS != "" || podHasUserNS(u) {
		cfg.Infra.UserNS = u.UserNS
		cfg.SharedNamespaces = slices.DeleteFunc(cfg.SharedNamespaces, func(ns string) bool { return ns == define.PodNSUser })
		if cfg.HasInfra && podHasUserNS(u) {
			cfg.SharedNamespaces = append(cfg.SharedNamespaces, define.PodNSUser)
			slices.Sort(cfg.SharedNamespaces)
		}
	}
	cfg.Infra.PIDNS = cmp.Or(req.Isolation.PID, cfg.Infra.PIDNS)
	cfg.Infra.UTSNS = cmp.Or(req.Isolation.UTS, cfg.Infra.UTSNS)
	if req.RestartPolicy != "" {
		cfg.RestartPolicy, cfg.RestartRetries = req.RestartPolicy, req.RestartRetries
	}
	if req.Resources != nil {
		cfg.Resources = req.Resources
	}
	if req.Name != "" {
		if err := validateName(req.Name); err != nil {
			return nil, fmt.Errorf("running pod create option: %w", err)
		}
	}
	l, err := r.lockPod(ctx, cfg.ID)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	p := &define.Pod{Config: cfg}
	names := []string{req.Name}
	if req.Name == "" {
		names = cloneNames(src.Config.Name)
	}
	for _, name := range names {
		p.Config.Name = name
		if err = r.addPodWithName(ctx, p, false); err == nil {
			return r.podEvent(events.Create)(p, nil)
		}
		if !errors.Is(err, define.ErrPodExists) && !errors.Is(err, define.ErrNameInUse) {
			break
		}
	}
	_ = l.Remove()
	return nil, err
}

// cloneNames are the names a clone of name tries in turn, as podman
// names clones: NAME-clone, NAME-clone1, ...; a clone's clone counts on
// from its original's name.
func cloneNames(name string) []string {
	if i := strings.LastIndex(name, "-clone"); i > 0 && strings.Trim(name[i+len("-clone"):], "0123456789") == "" {
		name = name[:i]
	}
	out := []string{name + "-clone"}
	for i := 1; i < 100; i++ {
		out = append(out, fmt.Sprintf("%s-clone%d", name, i))
	}
	return out
}

// cloneMembers copies the source pod's containers into p, infra first,
// pointing what referred to the source pod and its containers at their
// copies.
func (r *Runtime) cloneMembers(ctx context.Context, src, p *define.Pod, members []*define.Container, req *PodCloneRequest) error {
	images, err := r.Images(ctx)
	if err != nil {
		return err
	}
	ids := map[string]string{src.Config.ID: p.Config.ID}
	for _, m := range members {
		name := ""
		if m.Config.IsInfra && req.InfraName != "" {
			name = req.InfraName
		}
		c, err := r.cloneContainer(ctx, images, m, src, p, name, ids, req)
		if err != nil {
			return err
		}
		ids[m.Config.ID] = c.Config.ID
		if m.Config.IsInfra {
			// Members mount the infra's volumes, anonymous ones named now.
			for i, v := range req.Mounts {
				if j := slices.IndexFunc(c.Config.Mounts, func(o define.Mount) bool { return o.Destination == v.Destination }); j >= 0 {
					req.Mounts[i] = c.Config.Mounts[j]
				}
			}
			p.Config.InfraContainerID = c.Config.ID
			if err := r.store.SavePod(ctx, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// cloneContainer saves a copy of m in pod p under name ("" is m's name
// with "-clone", numbered if taken); ids maps the source's IDs to their
// copies'.
func (r *Runtime) cloneContainer(ctx context.Context, images *image.Store, m *define.Container, src, p *define.Pod, name string, ids map[string]string, req *PodCloneRequest) (*define.Container, error) {
	var cfg define.ContainerConfig
	if err := deepCopy(&cfg, &m.Config); err != nil {
		return nil, err
	}
	remapClone(&cfg, ids)
	// attachVolumes records the volumes again.
	cfg.Dependencies = slices.DeleteFunc(cfg.Dependencies, func(d define.Dependency) bool { return d.Kind == define.KindVolume })
	cfg.RunFiles = define.RunFiles{}
	if strings.Contains(cfg.LogPath, m.Config.ID) {
		cfg.LogPath = ""
	}
	if cfg.CgroupParent == podCgroupPath(&src.Config) {
		cfg.CgroupParent = podCgroupPath(&p.Config)
	}
	if p.Config.Shares(define.PodNSUTS) && cfg.Hostname == src.Config.UTSHostname() {
		cfg.Hostname = p.Config.UTSHostname()
	}
	if req.RestartPolicy != "" && !cfg.IsInfra && cfg.RestartPolicy == src.Config.RestartPolicy {
		cfg.RestartPolicy, cfg.RestartRetries = p.Config.RestartPolicy, p.Config.RestartRetries
	}
	if err := applyCloneChanges(&cfg, req); err != nil {
		return nil, err
	}
	if err := r.cloneUserNS(ctx, &cfg, p); err != nil {
		return nil, err
	}
	c, err := r.saveClone(ctx, &cfg, images, name, m.Config.Name)
	if err != nil {
		return nil, fmt.Errorf("cloning container %s: %w", m.Config.Name, err)
	}
	return c, nil
}

// remapClone points a copied config's pod, dependencies and joined
// namespaces at the copies of what the source referred to.
func remapClone(cfg *define.ContainerConfig, ids map[string]string) {
	if id, ok := ids[cfg.Pod]; ok {
		cfg.Pod = id
	}
	for i, d := range cfg.Dependencies {
		if id, ok := ids[d.ID]; ok {
			cfg.Dependencies[i].ID = id
		}
	}
	for _, mode := range []*string{&cfg.UTSMode, &cfg.IPCMode, &cfg.PIDMode, &cfg.UserNSMode, &cfg.CgroupNSMode, &cfg.NetworkMode} {
		for old, id := range ids {
			*mode = strings.Replace(*mode, old, id, 1)
		}
	}
	for i, v := range cfg.VolumesFrom {
		ref, opts, _ := strings.Cut(v, ":")
		if id, ok := ids[ref]; ok {
			cfg.VolumesFrom[i] = strings.TrimSuffix(id+":"+opts, ":")
		}
	}
}

// deepCopy copies a stored record through its JSON form, the form the
// store keeps it in.
func deepCopy[T any](dst, src *T) error {
	b, err := json.Marshal(src)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// applyCloneChanges applies pod clone's changes to a copied container:
// devices to every one, the rest to the infra container.
func applyCloneChanges(cfg *define.ContainerConfig, req *PodCloneRequest) error {
	for _, d := range req.Isolation.Devices {
		if _, err := specgen.HostDevice(d.PathOnHost, d.PathInContainer); err != nil {
			return errdefs.New(errdefs.ErrInvalidArgument, err.Error())
		}
		cfg.Devices = append(cfg.Devices, d)
	}
	cfg.CDIDevices = append(cfg.CDIDevices, req.Isolation.CDIDevices...)
	if req.ShmSizeSystemd != nil {
		cfg.ShmSizeSystemd = *req.ShmSizeSystemd
	}
	for _, m := range req.Mounts {
		// The infra's replace its own; a member keeps its own.
		i := slices.IndexFunc(cfg.Mounts, func(o define.Mount) bool { return o.Destination == m.Destination })
		switch {
		case i < 0:
			cfg.Mounts = append(cfg.Mounts, m)
		case cfg.IsInfra:
			cfg.Mounts[i] = m
		}
	}
	if !cfg.IsInfra {
		return nil
	}
	for _, ns := range []struct {
		typ  spec.LinuxNamespaceType
		in   string
		dest *string
	}{{spec.PIDNamespace, req.Isolation.PID, &cfg.PIDMode}, {spec.UTSNamespace, req.Isolation.UTS, &cfg.UTSMode}} {
		if ns.in == "" {
			continue
		}
		mode, err := specgen.ParseNamespace(ns.typ, ns.in)
		if err != nil {
			return err
		}
		*ns.dest = mode
	}
	if u := &req.Isolation; u.UserNS != "" || podHasUserNS(u) {
		mode, err := specgen.ParseNamespace(spec.UserNamespace, u.UserNS)
		if err != nil {
			return err
		}
		cfg.UserNSMode, cfg.UIDMap, cfg.GIDMap = mode, nil, nil
		if err := applyUserNS(cfg, u); err != nil {
			return err
		}
	}
	if s := req.Security; s != nil {
		if s.Seccomp != "" && s.Seccomp != "unconfined" {
			probe := &spec.Spec{Process: &spec.Process{Capabilities: &spec.LinuxCapabilities{Bounding: cfg.Capabilities}}}
			if err := specgen.ApplySeccomp(probe, s.Seccomp); err != nil {
				return errdefs.New(errdefs.ErrInvalidArgument, err.Error())
			}
		}
		cfg.NoNewPrivileges, cfg.LabelDisable = s.NoNewPrivileges, s.LabelDisable
		cfg.Seccomp = cmp.Or(s.Seccomp, cfg.Seccomp)
	}
	if len(req.Isolation.Mask)+len(req.Isolation.Unmask) > 0 {
		cfg.Mask, cfg.Unmask = slices.Clone(req.Isolation.Mask), slices.Clone(req.Isolation.Unmask)
	}
	if err := applySysctls(cfg, req.Sysctls); err != nil {
		return err
	}
	if len(req.InfraCommand) > 0 {
		cfg.Entrypoint, cfg.Cmd = slices.Clone(req.InfraCommand), nil
	}
	cfg.MonitorPidFile = req.InfraMonitorPidFile
	cfg.VolumesFrom = append(cfg.VolumesFrom, req.infraVolumesFrom...)
	if req.ShmSize != nil {
		cfg.ShmSize = *req.ShmSize
	}
	return nil
}

// cloneUserNS settles a copy's user namespace: an auto one gets its own
// ranges at save; a member joins the clone's infra's, whose mappings may
// differ from the source's.
func (r *Runtime) cloneUserNS(ctx context.Context, cfg *define.ContainerConfig, p *define.Pod) error {
	kind, target := specgen.SplitNamespace(cfg.UserNSMode)
	if kind == define.NSAuto {
		cfg.UIDMap, cfg.GIDMap = nil, nil
		return nil
	}
	if cfg.IsInfra {
		return nil
	}
	if p.Config.Shares(define.PodNSUser) && cfg.UserNSMode == "" {
		kind, target = define.NSContainer, p.Config.InfraContainerID
	}
	if kind != define.NSContainer {
		return nil
	}
	other, err := r.store.Container(ctx, target)
	if err != nil {
		return fmt.Errorf("looking up the user namespace's container %s: %w", target, err)
	}
	if len(other.Config.UIDMap)+len(other.Config.GIDMap) == 0 {
		// The clone's infra runs in the host's user namespace.
		cfg.UserNSMode, cfg.UIDMap, cfg.GIDMap = "", nil, nil
		return nil
	}
	cfg.UserNSMode = define.NSContainer + ":" + other.Config.ID
	cfg.UIDMap, cfg.GIDMap = slices.Clone(other.Config.UIDMap), slices.Clone(other.Config.GIDMap)
	return nil
}

// cloneVolumes checks pod clone's -v and --volumes-from and returns them
// as mounts, as create makes them.
func (r *Runtime) cloneVolumes(ctx context.Context, req *PodCloneRequest) ([]define.Mount, error) {
	if len(req.Mounts)+len(req.VolumesFrom) == 0 {
		return nil, nil
	}
	from, err := r.volumesFrom(ctx, req.VolumesFrom, req.Mounts)
	if err != nil {
		return nil, err
	}
	return checkMounts(append(slices.Clone(req.Mounts), from...))
}
