package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/pkg/capabilities"
	storagetypes "go.podman.io/storage/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/specgen"
)

// IsolationRequest is how a new container is set apart from the host and
// from other containers: its namespaces, ID mappings, extra groups and
// privileges. The CLI fills it from --pid, --ipc, --uts, --cgroupns,
// --userns, --uidmap, --gidmap, --subuidname, --subgidname, --group-add,
// --privileged, --cap-add, --cap-drop, --device, --device-cgroup-rule and
// --systemd.
type IsolationRequest struct {
	PID, IPC, UTS, CgroupNS, UserNS string
	UIDMap, GIDMap                  []string // "CONTAINER:HOST:SIZE" each
	SubUIDName, SubGIDName          string
	GroupAdd                        []string
	Privileged                      bool
	CapAdd, CapDrop                 []string
	Devices                         []define.Device
	DeviceRules                     []spec.LinuxDeviceCgroup
	Systemd                         string
	// Secrets are --secret's (see specgen.ParseSecret); they must exist.
	Secrets []define.ContainerSecret
	// CDIDevices are CDI device names (--device vendor.com/class=name,
	// --gpus).
	CDIDevices []string
	// Mask and Unmask are --security-opt mask= and unmask= paths
	// (absolute; unmask also "ALL").
	Mask, Unmask []string
	// ProcOpts are --security-opt proc-opts= mount options of /proc.
	ProcOpts []string
}

// nsFlags pairs each namespace type with the request's mode and the
// config's field, in the order podman checks them.
func nsFlags(req *IsolationRequest, ns *define.Namespaces) []struct {
	typ  spec.LinuxNamespaceType
	in   string
	dest *string
} {
	return []struct {
		typ  spec.LinuxNamespaceType
		in   string
		dest *string
	}{
		{spec.PIDNamespace, req.PID, &ns.PIDMode},
		{spec.IPCNamespace, req.IPC, &ns.IPCMode},
		{spec.UTSNamespace, req.UTS, &ns.UTSMode},
		{spec.CgroupNamespace, req.CgroupNS, &ns.CgroupNSMode},
		{spec.UserNamespace, req.UserNS, &ns.UserNSMode},
	}
}

// applyIsolation checks the request's namespaces, mappings, groups and
// privileges and stores them. "container:" modes are resolved later, by
// resolveNSDeps, once the store is open.
func (r *Runtime) applyIsolation(cfg *define.ContainerConfig, req *IsolationRequest) error {
	for _, f := range nsFlags(req, &cfg.Namespaces) {
		mode, err := specgen.ParseNamespace(f.typ, f.in)
		if err != nil {
			return err
		}
		if kind, path := specgen.SplitNamespace(mode); kind == define.NSPath {
			if _, err := os.Stat(path); err != nil {
				var pe *os.PathError
				if errors.As(err, &pe) {
					err = pe.Err
				}
				return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("cannot find specified %s namespace path: faccessat %s: %v", specgen.NamespaceName(f.typ), path, err))
			}
		}
		*f.dest = mode
	}
	if err := applyUserNS(cfg, req); err != nil {
		return err
	}
	if slices.Contains(req.GroupAdd, "keep-groups") {
		if len(req.GroupAdd) > 1 {
			return errdefs.New(errdefs.ErrInvalidArgument, "the '--group-add keep-groups' option is not allowed with any other --group-add options")
		}
		cfg.KeepGroups = true
	} else {
		cfg.GroupAdd = slices.Clone(req.GroupAdd)
	}
	return applyPrivileges(cfg, req)
}

// applyUserNS turns --userns and the ID mapping flags into the user
// namespace's mappings, as podman does as root: keep-id is the caller's
// own IDs (root's: the host's namespace), nomap exists only rootless.
func applyUserNS(cfg *define.ContainerConfig, req *IsolationRequest) error {
	kind, _ := specgen.SplitNamespace(cfg.UserNSMode)
	switch kind {
	case define.NSNoMap:
		return errdefs.New(errdefs.ErrInvalidArgument, "nomap is only supported in rootless mode")
	case define.NSKeepID:
		// Root keeps root: the host's user namespace, without the
		// image's supplementary groups.
		if cfg.User == "" {
			cfg.User = fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
		}
		cfg.UserNSMode = ""
		return nil
	case define.NSAuto:
		if len(req.UIDMap)+len(req.GIDMap) > 0 || req.SubUIDName != "" || req.SubGIDName != "" {
			return errdefs.New(errdefs.ErrInvalidArgument, "--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive")
		}
		// The ranges are storage's to pick, at create (autoUserNS).
		_, err := parseAutoUserNS(cfg.UserNSMode)
		return err
	}
	if len(req.UIDMap)+len(req.GIDMap) == 0 && req.SubUIDName == "" && req.SubGIDName == "" {
		if kind == define.NSPrivate {
			return errdefs.New(errdefs.ErrInvalidArgument, "must provide at least one UID or GID mapping to configure a user namespace")
		}
		return nil
	}
	if kind != "" && kind != define.NSPrivate {
		return errdefs.New(errdefs.ErrInvalidArgument, "--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive")
	}
	m, err := storagetypes.ParseIDMapping(req.UIDMap, req.GIDMap, req.SubUIDName, req.SubGIDName)
	if err != nil {
		return errdefs.New(errdefs.ErrInvalidArgument, err.Error())
	}
	for _, x := range m.UIDMap {
		cfg.UIDMap = append(cfg.UIDMap, spec.LinuxIDMapping{ContainerID: uint32(x.ContainerID), HostID: uint32(x.HostID), Size: uint32(x.Size)})
	}
	for _, x := range m.GIDMap {
		cfg.GIDMap = append(cfg.GIDMap, spec.LinuxIDMapping{ContainerID: uint32(x.ContainerID), HostID: uint32(x.HostID), Size: uint32(x.Size)})
	}
	cfg.UserNSMode = define.NSPrivate
	return nil
}

// applyPrivileges stores --privileged, the capability changes, devices and
// --systemd. The capability set is fixed now, as podman fixes it: the
// engine's own bounding set when privileged, else containers.conf's
// defaults with --cap-add and --cap-drop applied.
func applyPrivileges(cfg *define.ContainerConfig, req *IsolationRequest) error {
	cfg.Privileged = req.Privileged
	add, err := normalizeCaps(req.CapAdd)
	if err != nil {
		return err
	}
	drop, err := normalizeCaps(req.CapDrop)
	if err != nil {
		return err
	}
	cfg.CapAdd, cfg.CapDrop = add, drop
	if req.Privileged {
		caps, err := capabilities.BoundingSet()
		if err != nil {
			return fmt.Errorf("reading the bounding capability set: %w", err)
		}
		cfg.Capabilities = caps
	} else if len(add)+len(drop) > 0 {
		caps, err := capabilities.MergeCapabilities(cfg.Capabilities, add, drop)
		if err != nil {
			return errdefs.New(errdefs.ErrInvalidArgument, err.Error())
		}
		cfg.Capabilities = caps
	}
	for _, d := range req.Devices {
		if _, err := specgen.HostDevice(d.PathOnHost, d.PathInContainer); err != nil {
			return errdefs.New(errdefs.ErrInvalidArgument, err.Error())
		}
	}
	for _, p := range append(slices.Clone(req.Mask), req.Unmask...) {
		if p != "ALL" && !filepath.IsAbs(p) {
			return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("%q is not an absolute path: invalid --security-opt mask or unmask path", p))
		}
	}
	cfg.Mask, cfg.Unmask = slices.Clone(req.Mask), slices.Clone(req.Unmask)
	cfg.ProcOpts = slices.Clone(req.ProcOpts)
	cfg.Secrets = slices.Clone(req.Secrets)
	cfg.Devices = slices.Clone(req.Devices)
	cfg.CDIDevices = slices.Clone(req.CDIDevices)
	cfg.DeviceRules = slices.Clone(req.DeviceRules)
	switch req.Systemd {
	case "", "true", "false", "always":
		cfg.Systemd = req.Systemd
	default:
		return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("invalid systemd option requested: %s", req.Systemd))
	}
	return nil
}

// applySystemdMode decides systemd mode once the command is known (it
// depends on the image's), and gives such a container systemd's stop
// signal unless one was asked for.
func applySystemdMode(cfg *define.ContainerConfig, req *CreateRequest) {
	cfg.SystemdMode = systemdMode(cfg)
	if cfg.SystemdMode && req.StopSignal == 0 {
		cfg.StopSignal = specgen.SystemdStopSignal
	}
}

// normalizeCaps accepts capabilities with or without CAP_, in any case,
// and "all", with podman's message for an unknown one.
func normalizeCaps(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out, err := capabilities.NormalizeCapabilities(in)
	if err != nil {
		return nil, errdefs.New(errdefs.ErrInvalidArgument, err.Error())
	}
	return out, nil
}

// resolveNSDeps turns the "container:NAME" namespace modes into the other
// container's full ID, records it as a dependency and refuses to join a
// private IPC namespace, with podman's messages.
func (r *Runtime) resolveNSDeps(ctx context.Context, cfg *define.ContainerConfig) error {
	for _, f := range nsFlags(&IsolationRequest{}, &cfg.Namespaces) {
		kind, name := specgen.SplitNamespace(*f.dest)
		if kind != define.NSContainer {
			continue
		}
		what := specgen.NamespaceName(f.typ)
		other, err := r.store.LookupContainer(ctx, name)
		if err != nil {
			return fmt.Errorf("looking up container to share %s namespace with: %w", lowerNS(what), noSuchCtr(name, err))
		}
		if f.typ == spec.IPCNamespace {
			mode, _ := specgen.SplitNamespace(other.Config.IPCMode)
			if mode != "" && mode != define.NSShareable && mode != define.NSHost {
				return errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("joining IPC of container %s is not allowed: non-shareable IPC (hint: use IpcMode:shareable for the donor container)", other.Config.ID))
			}
		}
		*f.dest = define.NSContainer + ":" + other.Config.ID
		if f.typ == spec.UserNamespace {
			// The joined namespace's mappings: storage gives the rootfs
			// to those IDs, and the runtime needs them with the path.
			cfg.UIDMap, cfg.GIDMap = slices.Clone(other.Config.UIDMap), slices.Clone(other.Config.GIDMap)
		}
		if !slices.ContainsFunc(cfg.Dependencies, func(d define.Dependency) bool { return d.ID == other.Config.ID }) {
			cfg.Dependencies = append(cfg.Dependencies, define.Dependency{Kind: define.KindContainer, ID: other.Config.ID, Reason: lowerNS(what) + "ns"})
		}
	}
	return nil
}

func lowerNS(s string) string {
	switch s {
	case "IPC":
		return "ipc"
	case "PID":
		return "pid"
	case "UTS":
		return "uts"
	}
	return s
}

// storageOptions are the options of c's storage container: volatile for
// --rm, as podman, and the user namespace's ID mappings, so that storage
// gives the container a rootfs owned by the mapped IDs.
func storageOptions(cfg *define.ContainerConfig) image.ContainerOptions {
	return image.ContainerOptions{Volatile: cfg.AutoRemove, UIDMap: cfg.UIDMap, GIDMap: cfg.GIDMap}
}
