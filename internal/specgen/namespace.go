package specgen

import (
	"fmt"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// nsFiles are the names of the namespace files under /proc/PID/ns.
var nsFiles = map[spec.LinuxNamespaceType]string{
	spec.PIDNamespace:     "pid",
	spec.IPCNamespace:     "ipc",
	spec.UTSNamespace:     "uts",
	spec.CgroupNamespace:  "cgroup",
	spec.UserNamespace:    "user",
	spec.NetworkNamespace: "net",
	spec.MountNamespace:   "mnt",
}

// nsNames are the namespaces as podman's messages name them.
var nsNames = map[spec.LinuxNamespaceType]string{
	spec.PIDNamespace:     "PID",
	spec.IPCNamespace:     "IPC",
	spec.UTSNamespace:     "UTS",
	spec.CgroupNamespace:  "cgroup",
	spec.UserNamespace:    "user",
	spec.NetworkNamespace: "network",
	spec.MountNamespace:   "mount",
}

// NamespaceFile is the path of process pid's namespace of type typ, what a
// "container:" mode joins once the other container runs.
func NamespaceFile(pid int, typ spec.LinuxNamespaceType) string {
	return fmt.Sprintf("/proc/%d/ns/%s", pid, nsFiles[typ])
}

// NamespaceName is typ as podman's messages name it ("IPC", "PID", ...).
func NamespaceName(typ spec.LinuxNamespaceType) string { return nsNames[typ] }

// ParseNamespace checks a namespace mode given for typ (--pid, --ipc,
// --uts, --cgroupns, --userns) with podman's messages and returns it as
// stored: "" (the default), "host", "private", "shareable" and "none"
// (ipc), "container:NAME", "ns:PATH", and for userns "auto[:OPTS]",
// "keep-id[:OPTS]" and "nomap". Whether a container or path exists is the
// engine's to check.
func ParseNamespace(typ spec.LinuxNamespaceType, s string) (string, error) {
	mode, val, hasVal := strings.Cut(s, ":")
	switch mode {
	case "":
		if s == "" {
			return "", nil
		}
	case define.NSHost, define.NSPrivate:
		if !hasVal {
			return mode, nil
		}
	case define.NSShareable, define.NSNone:
		if typ == spec.IPCNamespace && !hasVal {
			return mode, nil
		}
	case define.NSContainer:
		if val == "" {
			return "", invalidf("invalid config provided: namespace mode container requires a value")
		}
		return s, nil
	case define.NSPath:
		if val == "" {
			return "", invalidf("invalid config provided: namespace mode path requires a value")
		}
		return s, nil
	case define.NSAuto, define.NSKeepID:
		if typ == spec.UserNamespace {
			return s, nil
		}
	case define.NSNoMap:
		if typ == spec.UserNamespace && !hasVal {
			return s, nil
		}
	}
	return "", invalidf("unrecognized namespace mode %s passed", s)
}

// SplitNamespace splits a stored mode into its kind and value:
// "container:ID" gives ("container", "ID"); "host" gives ("host", "").
func SplitNamespace(mode string) (kind, value string) {
	kind, value, _ = strings.Cut(mode, ":")
	return kind, value
}

// NamespaceSpec is the spec entry that gives a container the namespace of
// type typ in mode, for containers and for pods alike. ok is false when the
// host's namespace is shared, which the spec says by leaving the type out.
// joinPath is the namespace file a "container:" mode joins (see
// NamespaceFile), resolved by the caller from the other container's PID; a
// "ns:" mode joins its own path. Every other mode is a new namespace.
func NamespaceSpec(typ spec.LinuxNamespaceType, mode, joinPath string) (ns spec.LinuxNamespace, ok bool, err error) {
	kind, val := SplitNamespace(mode)
	switch kind {
	case define.NSHost:
		return spec.LinuxNamespace{}, false, nil
	case define.NSContainer:
		if joinPath == "" {
			return spec.LinuxNamespace{}, false, fmt.Errorf("joining the %s namespace of container %s: no namespace path", nsNames[typ], val)
		}
		return spec.LinuxNamespace{Type: typ, Path: joinPath}, true, nil
	case define.NSPath:
		return spec.LinuxNamespace{Type: typ, Path: val}, true, nil
	}
	return spec.LinuxNamespace{Type: typ}, true, nil
}

// namespaces lists podman's namespaces in podman's order: pid, network,
// ipc, uts, mount, then cgroup (private on pure v2 hosts by default, the
// host's on v1 and hybrid ones) and user (with ID mappings or a joined
// one). A namespace shared with the host is left out.
func namespaces(c *define.ContainerConfig, h *Host) ([]spec.LinuxNamespace, error) {
	var out []spec.LinuxNamespace
	add := func(typ spec.LinuxNamespaceType, mode string) error {
		ns, ok, err := NamespaceSpec(typ, mode, h.NSPaths[typ])
		if ok {
			out = append(out, ns)
		}
		return err
	}
	if err := add(spec.PIDNamespace, c.PIDMode); err != nil {
		return nil, err
	}
	switch c.NetworkMode {
	case "host":
	case "", "none":
		out = append(out, spec.LinuxNamespace{Type: spec.NetworkNamespace, Path: h.NetNSPath})
	default:
		if h.NetNSPath == "" {
			return nil, fmt.Errorf("network mode %q is not supported yet: %w", c.NetworkMode, errdefs.ErrNotImplemented)
		}
		out = append(out, spec.LinuxNamespace{Type: spec.NetworkNamespace, Path: h.NetNSPath})
	}
	if err := add(spec.IPCNamespace, c.IPCMode); err != nil {
		return nil, err
	}
	if err := add(spec.UTSNamespace, c.UTSMode); err != nil {
		return nil, err
	}
	out = append(out, spec.LinuxNamespace{Type: spec.MountNamespace})
	cgroupns := c.CgroupNSMode
	if cgroupns == "" && !h.CgroupV2 {
		cgroupns = define.NSHost
	}
	if err := add(spec.CgroupNamespace, cgroupns); err != nil {
		return nil, err
	}
	if HasUserNS(c) {
		if err := add(spec.UserNamespace, c.UserNSMode); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// HasUserNS reports whether c runs in a user namespace of its own or of
// another container, rather than the host's.
func HasUserNS(c *define.ContainerConfig) bool {
	kind, _ := SplitNamespace(c.UserNSMode)
	return len(c.UIDMap) > 0 || len(c.GIDMap) > 0 || kind == define.NSContainer || kind == define.NSPath
}
