package define

// The types below are the shape of `podman info` (JSON keys as podman's,
// which its YAML output also uses) and `podman version`. Fields that only
// make sense for podman's helpers (slirp4netns, pasta, the API socket) are
// left out; everything a user or script reads from podman's output keeps its
// name.

// Info is `pier info`.
type Info struct {
	Host       *HostInfo      `json:"host"`
	Store      *StoreInfo     `json:"store"`
	Registries map[string]any `json:"registries"`
	Plugins    Plugins        `json:"plugins"`
	Version    Version        `json:"version"`
}

// HostInfo describes the machine and the helpers pier drives.
type HostInfo struct {
	Arch               string              `json:"arch"`
	BuildahVersion     string              `json:"buildahVersion"`
	CgroupManager      string              `json:"cgroupManager"`
	CgroupsVersion     string              `json:"cgroupVersion"`
	CgroupControllers  []string            `json:"cgroupControllers"`
	Conmon             *ConmonInfo         `json:"conmon"`
	CPUs               int                 `json:"cpus"`
	CPUUtilization     *CPUUsage           `json:"cpuUtilization"`
	DatabaseBackend    string              `json:"databaseBackend"`
	Distribution       DistributionInfo    `json:"distribution"`
	EventLogger        string              `json:"eventLogger"`
	Hostname           string              `json:"hostname"`
	IDMappings         IDMappings          `json:"idMappings"`
	Kernel             string              `json:"kernel"`
	LogDriver          string              `json:"logDriver"`
	MemFree            int64               `json:"memFree"`
	MemTotal           int64               `json:"memTotal"`
	NetworkBackend     string              `json:"networkBackend"`
	NetworkBackendInfo *NetworkBackendInfo `json:"networkBackendInfo,omitempty"`
	OCIRuntime         *OCIRuntimeInfo     `json:"ociRuntime"`
	OS                 string              `json:"os"`
	ServiceIsRemote    bool                `json:"serviceIsRemote"`
	Security           SecurityInfo        `json:"security"`
	Slirp4NetNS        *ProgramInfo        `json:"slirp4netns,omitempty"`
	SwapFree           int64               `json:"swapFree"`
	SwapTotal          int64               `json:"swapTotal"`
	Uptime             string              `json:"uptime"`
	Variant            string              `json:"variant"`
	Linkmode           string              `json:"linkmode"`
}

// ConmonInfo is podman's name for the per-container monitor; pier reports
// pier-monitor there so that tools reading .Host.Conmon find it.
type ConmonInfo struct {
	Package string `json:"package"`
	Path    string `json:"path"`
	Version string `json:"version"`
}

// ProgramInfo describes a helper program, as podman's SlirpInfo.
type ProgramInfo struct {
	Executable string `json:"executable"`
	Package    string `json:"package"`
	Version    string `json:"version"`
}

// CPUUsage is the CPU time split since boot, in percent.
type CPUUsage struct {
	UserPercent   float64 `json:"userPercent"`
	SystemPercent float64 `json:"systemPercent"`
	IdlePercent   float64 `json:"idlePercent"`
}

// DistributionInfo comes from /etc/os-release.
type DistributionInfo struct {
	Distribution string `json:"distribution"`
	Variant      string `json:"variant,omitempty"`
	Version      string `json:"version"`
	Codename     string `json:"codename,omitempty"`
}

// IDMapping is one uid or gid range of a user namespace.
type IDMapping struct {
	ContainerID int `json:"container_id"`
	HostID      int `json:"host_id"`
	Size        int `json:"size"`
}

// IDMappings are the rootless user namespace mappings (none as root).
type IDMappings struct {
	GIDMap []IDMapping `json:"gidmap"`
	UIDMap []IDMapping `json:"uidmap"`
}

// OCIRuntimeInfo is the OCI runtime in use.
type OCIRuntimeInfo struct {
	Name    string `json:"name"`
	Package string `json:"package"`
	Path    string `json:"path"`
	Version string `json:"version"`
}

// SecurityInfo describes the security features the host offers.
type SecurityInfo struct {
	AppArmorEnabled     bool   `json:"apparmorEnabled"`
	DefaultCapabilities string `json:"capabilities"`
	Rootless            bool   `json:"rootless"`
	SECCOMPEnabled      bool   `json:"seccompEnabled"`
	SECCOMPProfilePath  string `json:"seccompProfilePath"`
	SELinuxEnabled      bool   `json:"selinuxEnabled"`
}

// StoreInfo describes container storage and pier's objects in it.
type StoreInfo struct {
	ConfigFile         string            `json:"configFile"`
	ContainerStore     ContainerStore    `json:"containerStore"`
	GraphDriverName    string            `json:"graphDriverName"`
	GraphOptions       map[string]any    `json:"graphOptions"`
	GraphRoot          string            `json:"graphRoot"`
	GraphRootAllocated uint64            `json:"graphRootAllocated"`
	GraphRootUsed      uint64            `json:"graphRootUsed"`
	GraphStatus        map[string]string `json:"graphStatus"`
	ImageCopyTmpDir    string            `json:"imageCopyTmpDir"`
	ImageStore         ImageStore        `json:"imageStore"`
	RunRoot            string            `json:"runRoot"`
	VolumePath         string            `json:"volumePath"`
	TransientStore     bool              `json:"transientStore"`
}

// ImageStore counts images.
type ImageStore struct {
	Number int `json:"number"`
}

// ContainerStore counts containers by state; "stopped" is every container
// that is neither running nor paused, as in podman.
type ContainerStore struct {
	Number  int `json:"number"`
	Paused  int `json:"paused"`
	Running int `json:"running"`
	Stopped int `json:"stopped"`
}

// Plugins lists the drivers pier supports.
type Plugins struct {
	Volume        []string `json:"volume"`
	Network       []string `json:"network"`
	Log           []string `json:"log"`
	Authorization []string `json:"authorization"`
}

// Version is podman's version record, used by `version` and `info`.
type Version struct {
	APIVersion  string
	Version     string
	GoVersion   string
	GitCommit   string
	BuiltTime   string
	Built       int64
	BuildOrigin string `json:",omitempty"`
	OsArch      string
	Os          string
}

// SystemVersionReport is `pier version`: the client only, as pier has no
// server.
type SystemVersionReport struct {
	Client *Version `json:",omitempty"`
	Server *Version `json:",omitempty"`
}

// NetworkBackendInfo is podman's description of the network backend and
// its DNS server.
type NetworkBackendInfo struct {
	Backend        string         `json:"backend"`
	Version        string         `json:"version,omitempty"`
	Package        string         `json:"package,omitempty"`
	Path           string         `json:"path,omitempty"`
	DNS            DNSBackendInfo `json:"dns"`
	DefaultNetwork string         `json:"defaultNetwork,omitempty"`
}

// DNSBackendInfo is the DNS server of the network backend (aardvark-dns).
type DNSBackendInfo struct {
	Version string `json:"version,omitempty"`
	Package string `json:"package,omitempty"`
	Path    string `json:"path,omitempty"`
}
