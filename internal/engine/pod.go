package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/failpoint"
	"github.com/pier-engine/pier/internal/lock"
	"github.com/pier-engine/pier/internal/network"
)

const kindPod = "pod"

// PodCreateRequest is the one request type for creating a pod; `pod
// create`, `run --pod new:NAME` and kube play fill it.
type PodCreateRequest struct {
	Name     string // empty: a random adjective_surname
	Labels   map[string]string
	Hostname string // empty: the pod's name
	// NoInfra creates a pod without an infra container: its members share
	// no namespaces.
	NoInfra bool
	// InfraImage overrides containers.conf's infra_image and pier's own
	// pause image (localhost/podman-pause:VERSION-BUILT, built on demand).
	InfraImage string
	// InfraCommand replaces the infra image's entrypoint.
	InfraCommand []string
	// InfraName names the infra container ("<short pod ID>-infra").
	InfraName string
	// Share lists the namespaces members share (define.PodNS*); nil means
	// podman's default ipc, net, uts.
	Share []string
	// ExitPolicy is "continue" (default) or "stop".
	ExitPolicy string
	// The infra container's network, which every member shares: as
	// CreateRequest's fields of the same names.
	NetworkMode   string
	ExtraNetworks []string
	Static        network.StaticFlags
	Publish       []string
	DNSServers    []string
	DNSSearch     []string
	DNSOptions    []string
	AddHosts      []string
	NoHosts       bool
	HostsFile     string
	// Mounts and VolumesFrom are the pod's volumes (-v, --mount,
	// --volumes-from): the infra container's, and every member's.
	Mounts      []define.Mount
	VolumesFrom []string
	// ShmSize is the size of the pod's shared /dev/shm (nil: default).
	ShmSize *int64
	// ShmSizeSystemd sizes the systemd-mode tmpfs mounts of the infra
	// and the members (nil: unset).
	ShmSizeSystemd *int64
	// CgroupParent is where the pod's cgroup is made ("" is pier's
	// /pier_parent); Resources limit it, and so everything in the pod.
	CgroupParent string
	Resources    *spec.LinuxResources
	// RestartPolicy and RestartRetries apply to every container of the
	// pod that sets none itself (pod create --restart).
	RestartPolicy  string
	RestartRetries uint
	// Replace removes a pod already holding Name first (with its
	// containers).
	Replace   bool
	CreateCmd []string
	// ServiceContainerID is a service container (CreateServiceContainer)
	// that runs with the pod.
	ServiceContainerID string
	// Isolation is the infra container's: its PID, UTS and user namespace
	// modes and ID mappings (members join a user namespace it has),
	// --security-opt mask and unmask paths, and Devices and CDIDevices,
	// which every member gets too. Other fields must be empty.
	Isolation IsolationRequest
	// Security is --security-opt, applied to the infra container as
	// podman 5 applies it (members keep their own).
	Security PodSecurity
	// Sysctls (KEY=VALUE) are set in the infra container's namespaces,
	// which the members share.
	Sysctls []string
	// NoShareParent (--share-parent=false) makes no pod cgroup: members
	// live under their own cgroup parents.
	NoShareParent bool
	// NoHostname gives neither the infra nor members an /etc/hostname.
	NoHostname bool
	// InfraMonitorPidFile receives the infra container's monitor PID
	// (--infra-conmon-pidfile).
	InfraMonitorPidFile string
}

// PodSecurity is pod create --security-opt, parsed: Opts as given (pod
// inspect's security_opt), the others as CreateRequest's fields.
type PodSecurity struct {
	Opts            []string
	NoNewPrivileges bool
	Seccomp         string
	LabelDisable    bool
}

// PodShareDefault is what members share without --share.
var PodShareDefault = []string{define.PodNSIPC, define.PodNSNet, define.PodNSUTS}

// PodCreate saves a new pod and creates its infra container (not started:
// the first member's start, or pod start, starts it). A failure removes
// what was made.
func (r *Runtime) PodCreate(ctx context.Context, req *PodCreateRequest) (*define.Pod, error) {
	cfg, err := podConfigFromRequest(req)
	if err != nil {
		return nil, err
	}
	if req.Replace && req.Name != "" {
		if _, err := r.PodRemove(ctx, req.Name, PodRemoveOptions{Force: true, Ignore: true}); err != nil {
			return nil, err
		}
	}
	cfg.ID, cfg.Created = newID(), time.Now()
	l, err := r.lockPod(ctx, cfg.ID)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	p := &define.Pod{Config: *cfg}
	if err := r.addPodWithName(ctx, p, req.Name == ""); err != nil {
		_ = l.Remove()
		return nil, err
	}
	failpoint.Hit("pod-create-after-state")
	if !p.Config.HasInfra {
		if err := r.store.SavePod(ctx, p); err != nil {
			return nil, r.undoPod(ctx, p, l, err)
		}
		return r.podEvent(events.Create)(p, nil)
	}
	infra, err := r.createInfra(ctx, p, req)
	if err != nil {
		return nil, r.undoPod(ctx, p, l, err)
	}
	failpoint.Hit("pod-create-after-infra")
	p.Config.InfraContainerID = infra.Config.ID
	if err := r.store.SavePod(ctx, p); err != nil {
		zero := uint(0)
		_ = r.Remove(ctx, infra.Config.ID, RemoveOptions{Force: true, Timeout: &zero})
		return nil, r.undoPod(ctx, p, l, err)
	}
	return r.podEvent(events.Create)(p, nil)
}

// undoPod removes a pod whose creation failed and returns err.
func (r *Runtime) undoPod(ctx context.Context, p *define.Pod, l *lock.Lock, err error) error {
	_ = r.store.RemovePod(context.WithoutCancel(ctx), p.Config.ID)
	_ = l.Remove()
	return err
}

func podConfigFromRequest(req *PodCreateRequest) (*define.PodConfig, error) {
	if req.Name != "" {
		if err := validateName(req.Name); err != nil {
			return nil, fmt.Errorf("running pod create option: %w", err)
		}
	}
	cfg := &define.PodConfig{
		Name: req.Name, Hostname: req.Hostname, CreateCmd: req.CreateCmd,
		HasInfra: !req.NoInfra, ExitPolicy: req.ExitPolicy,
		RestartPolicy: req.RestartPolicy, RestartRetries: req.RestartRetries,
		ShareVolumes: len(req.Mounts)+len(req.VolumesFrom) > 0,
		CgroupParent: cmp.Or(req.CgroupParent, defaultPodCgroupParent), Resources: req.Resources,
		ServiceContainerID: req.ServiceContainerID,
	}
	if len(req.Labels) > 0 {
		cfg.Labels = maps.Clone(req.Labels)
	}
	if !path.IsAbs(cfg.CgroupParent) {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "cgroup parent %q must be an absolute path on cgroupfs", cfg.CgroupParent)
	}
	cfg.CgroupParent = path.Clean(cfg.CgroupParent)
	switch cfg.ExitPolicy {
	case "":
		cfg.ExitPolicy = "continue"
	case "continue", "stop":
	default:
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "running pod create option: invalid pod exit policy: %q", cfg.ExitPolicy)
	}
	share, err := parseShare(req.Share)
	if err != nil {
		return nil, err
	}
	if cfg.HasInfra {
		cfg.SharedNamespaces = share
		if podHasUserNS(&req.Isolation) {
			cfg.SharedNamespaces = append(slices.Clone(share), define.PodNSUser)
			slices.Sort(cfg.SharedNamespaces)
		}
	} else if err := checkNoInfra(req, share); err != nil {
		return nil, err
	}
	if req.Hostname != "" && cfg.HasInfra && !slices.Contains(share, define.PodNSUTS) {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set hostname when the pod does not share the UTS namespace")
	}
	cfg.Infra = define.PodInfraConfig{
		Image: req.InfraImage, Command: req.InfraCommand, Name: req.InfraName,
		NetworkMode: req.NetworkMode, Publish: req.Publish,
		DNSServers: req.DNSServers, DNSSearch: req.DNSSearch, DNSOptions: req.DNSOptions, AddHosts: req.AddHosts,
		PIDNS: req.Isolation.PID, UTSNS: req.Isolation.UTS, UserNS: req.Isolation.UserNS,
		SecurityOpt: slices.Clone(req.Security.Opts), ConmonPidFile: req.InfraMonitorPidFile,
	}
	if req.ShmSizeSystemd != nil {
		cfg.Infra.ShmSizeSystemd = *req.ShmSizeSystemd
	}
	cfg.NoShareParent, cfg.NoHostname = req.NoShareParent, req.NoHostname
	cfg.Devices, cfg.CDIDevices = slices.Clone(req.Isolation.Devices), slices.Clone(req.Isolation.CDIDevices)
	return cfg, nil
}

// checkNoInfra refuses, in podman's words, what only an infra container
// could hold; the infra image, command and name are ignored, as podman
// ignores them.
func checkNoInfra(req *PodCreateRequest, share []string) error {
	if req.Share != nil && len(share) > 0 {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set share(%s) namespaces without an infra container", strings.Join(req.Share, ","))
	}
	if len(req.Publish) > 0 {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "you must have an infra container to publish port bindings to the host")
	}
	if req.NetworkMode != "" || len(req.ExtraNetworks) > 0 {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "NoInfra and network modes cannot be used together")
	}
	for _, o := range []struct {
		name string
		set  bool
	}{
		{"StaticIP", req.Static.IP != "" || req.Static.IP6 != ""},
		{"StaticMAC", req.Static.MAC != ""},
		{"DNSServer", len(req.DNSServers) > 0},
		{"DNSSearch", len(req.DNSSearch) > 0},
		{"DNSOption", len(req.DNSOptions) > 0},
		{"HostAdd", len(req.AddHosts) > 0},
		{"NoManageHosts", req.NoHosts},
		{"HostsFile", req.HostsFile != ""},
		{"NetworkAlias", len(req.Static.Aliases) > 0},
	} {
		if o.set {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "NoInfra and %s are mutually exclusive pod options: invalid pod spec", o.name)
		}
	}
	return nil
}

// parseShare checks --share values; nil is podman's default. A value with
// a leading "+" adds to the default.
func parseShare(in []string) ([]string, error) {
	if in == nil {
		return slices.Clone(PodShareDefault), nil
	}
	var out []string
	for _, v := range in {
		for _, ns := range strings.Split(v, ",") {
			if ns == "" || ns == "none" {
				continue
			}
			if rest, ok := strings.CutPrefix(ns, "+"); ok {
				out = append(out, PodShareDefault...)
				ns = rest
			}
			switch ns {
			case define.PodNSNet, define.PodNSIPC, define.PodNSUTS, define.PodNSPID, define.PodNSCgroup:
				out = append(out, ns)
			default:
				return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid kernel namespace to share: %s. Options are: cgroup, ipc, net, pid, uts or none", ns)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// addPodWithName saves p; a random name is re-rolled on the rare collision.
func (r *Runtime) addPodWithName(ctx context.Context, p *define.Pod, random bool) error {
	for tries := 0; ; tries++ {
		if random {
			p.Config.Name = randomName()
		}
		err := r.store.AddPod(ctx, p)
		if err == nil {
			return nil
		}
		if random && errors.Is(err, define.ErrPodExists) && tries < 20 {
			continue
		}
		return fmt.Errorf("adding pod to state: %w", err)
	}
}

// lockPod takes a pod's lock: pod-wide operations (start, stop, remove)
// hold it; a member's own operations take only the member's lock.
func (r *Runtime) lockPod(ctx context.Context, id string) (*lock.Lock, error) {
	return r.locks.Lock(ctx, lockName(kindPod, id))
}

// LookupPod resolves a pod's name, ID or unique ID prefix.
func (r *Runtime) LookupPod(ctx context.Context, nameOrID string) (*define.Pod, error) {
	p, err := r.store.LookupPod(ctx, nameOrID)
	if err != nil {
		return nil, noSuchPod(nameOrID, err)
	}
	return p, r.repairInfraID(ctx, p)
}

// repairInfraID fills the infra container's ID of a pod whose creation was
// killed between creating the infra container and recording it: the infra
// container records the pod, so it is found among the pod's containers.
func (r *Runtime) repairInfraID(ctx context.Context, p *define.Pod) error {
	if !p.Config.HasInfra || p.Config.InfraContainerID != "" {
		return nil
	}
	ids, err := r.store.Dependents(ctx, define.KindPod, p.Config.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := r.store.Container(ctx, id)
		if err == nil && c.Config.IsInfra {
			p.Config.InfraContainerID = id
			if err := r.store.SavePod(ctx, p); err != nil && !errors.Is(err, define.ErrNoSuchPod) {
				return err
			}
			return nil
		}
	}
	return nil
}

// PodExists reports whether nameOrID names a pod.
func (r *Runtime) PodExists(ctx context.Context, nameOrID string) (bool, error) {
	_, err := r.store.LookupPod(ctx, nameOrID)
	if errors.Is(err, define.ErrNoSuchPod) {
		return false, nil
	}
	return err == nil, err
}

func noSuchPod(nameOrID string, err error) error {
	if errors.Is(err, define.ErrNoSuchPod) {
		return fmt.Errorf("no pod with name or ID %s found: %w", nameOrID, define.ErrNoSuchPod)
	}
	return err
}

// lockedPod resolves nameOrID, takes the pod's lock and reloads it.
func (r *Runtime) lockedPod(ctx context.Context, nameOrID string) (*define.Pod, *lock.Lock, error) {
	p, err := r.LookupPod(ctx, nameOrID)
	if err != nil {
		return nil, nil, err
	}
	l, err := r.lockPod(ctx, p.Config.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("locking pod %s: %w", p.Config.ID, err)
	}
	if p, err = r.store.Pod(ctx, p.Config.ID); err != nil {
		if errors.Is(err, define.ErrNoSuchPod) {
			_ = l.Remove()
		} else {
			l.Unlock()
		}
		return nil, nil, noSuchPod(nameOrID, err)
	}
	if err := r.repairInfraID(ctx, p); err != nil {
		l.Unlock()
		return nil, nil, err
	}
	return p, l, nil
}

// podMembers returns the pod's containers, oldest first (the infra
// container, created with the pod, comes first), states synced.
func (r *Runtime) podMembers(ctx context.Context, podID string) ([]*define.Container, error) {
	ids, err := r.store.Dependents(ctx, define.KindPod, podID)
	if err != nil {
		return nil, err
	}
	out := make([]*define.Container, 0, len(ids))
	for _, id := range ids {
		c, err := r.store.Container(ctx, id)
		if errors.Is(err, define.ErrNoSuchCtr) {
			continue // removed since the listing
		}
		if err != nil {
			return nil, err
		}
		r.syncState(c)
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b *define.Container) int {
		if a.Config.IsInfra != b.Config.IsInfra {
			if a.Config.IsInfra {
				return -1
			}
			return 1
		}
		return a.Config.Created.Compare(b.Config.Created)
	})
	return out, nil
}
