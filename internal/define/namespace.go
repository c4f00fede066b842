package define

import spec "github.com/opencontainers/runtime-spec/specs-go"

// Namespace modes as podman spells them in --pid, --ipc, --uts,
// --cgroupns and --userns (and in inspect's HostConfig). "container:<ID>"
// and "ns:<path>" carry a value after the colon.
const (
	NSHost      = "host"
	NSPrivate   = "private"
	NSShareable = "shareable" // ipc: private, and others may join it
	NSNone      = "none"      // ipc: private, without /dev/shm
	NSContainer = "container" // join another container's namespace
	NSPath      = "ns"        // join the namespace at a path
	NSAuto      = "auto"      // userns: an automatic range from /etc/subuid
	NSKeepID    = "keep-id"   // userns: map the caller's IDs
	NSNoMap     = "nomap"     // userns: do not map the caller
)

// Namespaces are a container's namespace modes, fixed at create. An empty
// mode is podman's default for that namespace: private pid and uts,
// shareable ipc, cgroupns private on cgroup v2 and host on v1, the host's
// user namespace unless ID mappings are given. A container mode holds the
// other container's full ID once created.
type Namespaces struct {
	PIDMode      string `json:"pidMode,omitempty"`
	IPCMode      string `json:"ipcMode,omitempty"`
	UTSMode      string `json:"utsMode,omitempty"`
	CgroupNSMode string `json:"cgroupnsMode,omitempty"`
	UserNSMode   string `json:"usernsMode,omitempty"`
	// UIDMap and GIDMap are the user namespace's ID mappings (--uidmap,
	// --gidmap, --subuidname, --userns=auto); none means the host's user
	// namespace.
	UIDMap []spec.LinuxIDMapping `json:"uidMap,omitempty"`
	GIDMap []spec.LinuxIDMapping `json:"gidMap,omitempty"`
	// GroupAdd are --group-add's extra groups (names resolved in the
	// container's /etc/group at start); KeepGroups is keep-groups, which
	// only crun honours (runc ignores its annotation, as with podman).
	GroupAdd   []string `json:"groupAdd,omitempty"`
	KeepGroups bool     `json:"keepGroups,omitempty"`
}
