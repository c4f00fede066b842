package define

import spec "github.com/opencontainers/runtime-spec/specs-go"

// Limits are a container's cgroup settings beyond memory (ContainerConfig
// keeps Memory and PidsLimit): CPU and block IO limits, where its cgroup
// lives and how cgroups are used. `update` changes CPU and BlockIO.
type Limits struct {
	CPU     *spec.LinuxCPU     `json:"cpu,omitempty"`
	BlockIO *spec.LinuxBlockIO `json:"blockIO,omitempty"`
	// CgroupParent is --cgroup-parent: the container's cgroup is
	// CgroupParent/ID ("/pier/ID" without one).
	CgroupParent string `json:"cgroupParent,omitempty"`
	// CgroupsMode is --cgroups: "" or "enabled", or "no-conmon" (the
	// monitor is never in the container's cgroup with pier anyway).
	CgroupsMode string `json:"cgroupsMode,omitempty"`
	// CgroupConf are cgroup v2 files and values (--cgroup-conf).
	CgroupConf map[string]string `json:"cgroupConf,omitempty"`
}
