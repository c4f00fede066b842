package define

import "time"

// The types below are the JSON shape of `podman container inspect` (podman
// 5: Config.Entrypoint is an array, Config.StopSignal a name). Field names
// and JSON keys are fixed for compatibility with tools that parse podman's
// and docker's output, so they keep their odd spellings.

// InspectContainerData is one element of `inspect`'s JSON array.
type InspectContainerData struct {
	ID                      string                      `json:"Id"`
	Created                 time.Time                   `json:"Created"`
	Path                    string                      `json:"Path"`
	Args                    []string                    `json:"Args"`
	State                   *InspectContainerState      `json:"State"`
	Image                   string                      `json:"Image"`
	ImageDigest             string                      `json:"ImageDigest"`
	ImageName               string                      `json:"ImageName"`
	Rootfs                  string                      `json:"Rootfs"`
	Pod                     string                      `json:"Pod"`
	ResolvConfPath          string                      `json:"ResolvConfPath"`
	HostnamePath            string                      `json:"HostnamePath"`
	HostsPath               string                      `json:"HostsPath"`
	StaticDir               string                      `json:"StaticDir"`
	OCIConfigPath           string                      `json:"OCIConfigPath,omitempty"`
	OCIRuntime              string                      `json:"OCIRuntime,omitempty"`
	ConmonPidFile           string                      `json:"ConmonPidFile"`
	PidFile                 string                      `json:"PidFile"`
	Name                    string                      `json:"Name"`
	RestartCount            int32                       `json:"RestartCount"`
	Driver                  string                      `json:"Driver"`
	MountLabel              string                      `json:"MountLabel"`
	ProcessLabel            string                      `json:"ProcessLabel"`
	AppArmorProfile         string                      `json:"AppArmorProfile"`
	EffectiveCaps           []string                    `json:"EffectiveCaps"`
	BoundingCaps            []string                    `json:"BoundingCaps"`
	ExecIDs                 []string                    `json:"ExecIDs"`
	GraphDriver             *DriverData                 `json:"GraphDriver"`
	SizeRw                  *int64                      `json:"SizeRw,omitempty"`
	SizeRootFs              int64                       `json:"SizeRootFs,omitempty"`
	Mounts                  []InspectMount              `json:"Mounts"`
	Dependencies            []string                    `json:"Dependencies"`
	NetworkSettings         *InspectNetworkSettings     `json:"NetworkSettings"`
	Namespace               string                      `json:"Namespace"`
	IsInfra                 bool                        `json:"IsInfra"`
	IsService               bool                        `json:"IsService"`
	KubeExitCodePropagation string                      `json:"KubeExitCodePropagation"`
	LockNumber              uint32                      `json:"lockNumber"`
	Config                  *InspectContainerConfig     `json:"Config"`
	HostConfig              *InspectContainerHostConfig `json:"HostConfig"`
	UseImageHosts           bool                        `json:"UseImageHosts"`
	UseImageHostname        bool                        `json:"UseImageHostname"`
}

// InspectContainerState is the container's runtime state.
type InspectContainerState struct {
	OciVersion string    `json:"OciVersion"`
	Status     string    `json:"Status"`
	Running    bool      `json:"Running"`
	Paused     bool      `json:"Paused"`
	Restarting bool      `json:"Restarting"`
	OOMKilled  bool      `json:"OOMKilled"`
	Dead       bool      `json:"Dead"`
	Pid        int       `json:"Pid"`
	ConmonPid  int       `json:"ConmonPid,omitempty"`
	ExitCode   int32     `json:"ExitCode"`
	Error      string    `json:"Error"`
	StartedAt  time.Time `json:"StartedAt"`
	FinishedAt time.Time `json:"FinishedAt"`
	// Health is the healthcheck's results (none without a healthcheck).
	Health        *HealthCheckResults `json:"Health,omitempty"`
	CgroupPath    string              `json:"CgroupPath,omitempty"`
	StoppedByUser bool                `json:"StoppedByUser"`
}

// DriverData is the storage driver and its per-container data.
type DriverData struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

// InspectMount is one user-requested mount; tmpfs mounts are listed in
// HostConfig.Tmpfs instead, as podman does.
type InspectMount struct {
	Type        string   `json:"Type"`
	Name        string   `json:"Name,omitempty"`
	Source      string   `json:"Source"`
	Destination string   `json:"Destination"`
	Driver      string   `json:"Driver"`
	Mode        string   `json:"Mode"`
	Options     []string `json:"Options"`
	RW          bool     `json:"RW"`
	Propagation string   `json:"Propagation"`
}

// InspectNetworkSettings is docker's network block; pier fills it once
// networks exist.
type InspectNetworkSettings struct {
	EndpointID             string                       `json:"EndpointID"`
	Gateway                string                       `json:"Gateway"`
	IPAddress              string                       `json:"IPAddress"`
	IPPrefixLen            int                          `json:"IPPrefixLen"`
	IPv6Gateway            string                       `json:"IPv6Gateway"`
	GlobalIPv6Address      string                       `json:"GlobalIPv6Address"`
	GlobalIPv6PrefixLen    int                          `json:"GlobalIPv6PrefixLen"`
	MacAddress             string                       `json:"MacAddress"`
	Bridge                 string                       `json:"Bridge"`
	SandboxID              string                       `json:"SandboxID"`
	HairpinMode            bool                         `json:"HairpinMode"`
	LinkLocalIPv6Address   string                       `json:"LinkLocalIPv6Address"`
	LinkLocalIPv6PrefixLen int                          `json:"LinkLocalIPv6PrefixLen"`
	Ports                  map[string][]InspectHostPort `json:"Ports"`
	SandboxKey             string                       `json:"SandboxKey"`
	Networks               map[string]*InspectNetwork   `json:"Networks,omitempty"`
}

// InspectNetwork is the container on one network (or the mode's
// pseudo-network "none"/"host"), as podman shows it.
type InspectNetwork struct {
	EndpointID          string            `json:"EndpointID"`
	Gateway             string            `json:"Gateway"`
	IPAddress           string            `json:"IPAddress"`
	IPPrefixLen         int               `json:"IPPrefixLen"`
	IPv6Gateway         string            `json:"IPv6Gateway"`
	GlobalIPv6Address   string            `json:"GlobalIPv6Address"`
	GlobalIPv6PrefixLen int               `json:"GlobalIPv6PrefixLen"`
	MacAddress          string            `json:"MacAddress"`
	NetworkID           string            `json:"NetworkID"`
	DriverOpts          map[string]string `json:"DriverOpts"`
	IPAMConfig          map[string]string `json:"IPAMConfig"`
	Links               []string          `json:"Links"`
	Aliases             []string          `json:"Aliases,omitempty"`
}

// InspectHostPort is a host address a container port is published on.
type InspectHostPort struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

// InspectContainerConfig is how the container was configured.
type InspectContainerConfig struct {
	Hostname           string               `json:"Hostname"`
	DomainName         string               `json:"Domainname"`
	User               string               `json:"User"`
	AttachStdin        bool                 `json:"AttachStdin"`
	AttachStdout       bool                 `json:"AttachStdout"`
	AttachStderr       bool                 `json:"AttachStderr"`
	Tty                bool                 `json:"Tty"`
	OpenStdin          bool                 `json:"OpenStdin"`
	StdinOnce          bool                 `json:"StdinOnce"`
	Env                []string             `json:"Env"`
	Cmd                []string             `json:"Cmd"`
	Image              string               `json:"Image"`
	Volumes            map[string]struct{}  `json:"Volumes"`
	WorkingDir         string               `json:"WorkingDir"`
	Entrypoint         []string             `json:"Entrypoint"`
	OnBuild            *string              `json:"OnBuild"`
	Labels             map[string]string    `json:"Labels"`
	Annotations        map[string]string    `json:"Annotations"`
	StopSignal         string               `json:"StopSignal"`
	Healthcheck        *HealthConfig        `json:"Healthcheck,omitempty"`
	StartupHealthCheck *StartupHealthConfig `json:"StartupHealthCheck,omitempty"`
	// HealthcheckOnFailureAction and the log settings are shown for
	// every container, as podman 5.
	HealthcheckOnFailureAction string                   `json:"HealthcheckOnFailureAction"`
	HealthLogDestination       string                   `json:"HealthLogDestination"`
	HealthMaxLogCount          uint                     `json:"HealthcheckMaxLogCount"`
	HealthMaxLogSize           uint                     `json:"HealthcheckMaxLogSize"`
	Secrets                    []InspectContainerSecret `json:"Secrets,omitempty"`
	SystemdMode                bool                     `json:"SystemdMode,omitempty"`
	CreateCommand              []string                 `json:"CreateCommand,omitempty"`
	Timezone                   string                   `json:"Timezone,omitempty"`
	Umask                      string                   `json:"Umask,omitempty"`
	Timeout                    uint                     `json:"Timeout"`
	StopTimeout                uint                     `json:"StopTimeout"`
	SdNotifyMode               string                   `json:"sdNotifyMode,omitempty"`
	SdNotifySocket             string                   `json:"sdNotifySocket,omitempty"`
	Passwd                     *bool                    `json:"Passwd,omitempty"`
	ChrootDirs                 []string                 `json:"ChrootDirs,omitempty"`
}

// InspectContainerHostConfig is docker's HostConfig as podman fills it.
type InspectContainerHostConfig struct {
	Binds           []string                     `json:"Binds"`
	CgroupManager   string                       `json:"CgroupManager,omitempty"`
	CgroupMode      string                       `json:"CgroupMode"`
	ContainerIDFile string                       `json:"ContainerIDFile"`
	LogConfig       *InspectLogConfig            `json:"LogConfig"`
	NetworkMode     string                       `json:"NetworkMode"`
	PortBindings    map[string][]InspectHostPort `json:"PortBindings"`
	RestartPolicy   *InspectRestartPolicy        `json:"RestartPolicy"`
	AutoRemove      bool                         `json:"AutoRemove"`
	AutoRemoveImage bool                         `json:"AutoRemoveImage"`
	Annotations     map[string]string            `json:"Annotations"`
	VolumeDriver    string                       `json:"VolumeDriver"`
	VolumesFrom     []string                     `json:"VolumesFrom"`
	CapAdd          []string                     `json:"CapAdd"`
	CapDrop         []string                     `json:"CapDrop"`
	DNS             []string                     `json:"Dns"`
	DNSOptions      []string                     `json:"DnsOptions"`
	DNSSearch       []string                     `json:"DnsSearch"`
	ExtraHosts      []string                     `json:"ExtraHosts"`
	GroupAdd        []string                     `json:"GroupAdd"`
	IpcMode         string                       `json:"IpcMode"`
	Cgroup          string                       `json:"Cgroup"`
	Cgroups         string                       `json:"Cgroups"`
	Links           []string                     `json:"Links"`
	OomScoreAdj     int                          `json:"OomScoreAdj"`
	PidMode         string                       `json:"PidMode"`
	Privileged      bool                         `json:"Privileged"`
	PublishAllPorts bool                         `json:"PublishAllPorts"`
	ReadonlyRootfs  bool                         `json:"ReadonlyRootfs"`
	SecurityOpt     []string                     `json:"SecurityOpt"`
	Tmpfs           map[string]string            `json:"Tmpfs"`
	UTSMode         string                       `json:"UTSMode"`
	UsernsMode      string                       `json:"UsernsMode"`
	// IDMappings are the user namespace's maps ("0:100000:65536"), shown
	// only when there are any, as podman.
	IDMappings  *InspectIDMappings `json:"IDMappings,omitempty"`
	ShmSize     int64              `json:"ShmSize"`
	Runtime     string             `json:"Runtime"`
	ConsoleSize []uint             `json:"ConsoleSize"`
	Isolation   string             `json:"Isolation"`
	// The CPU fields have podman's Go names, which templates use.
	CpuShares            uint64                       `json:"CpuShares"` //nolint:revive
	Memory               int64                        `json:"Memory"`
	NanoCpus             int64                        `json:"NanoCpus"` //nolint:revive
	CgroupParent         string                       `json:"CgroupParent"`
	BlkioWeight          uint16                       `json:"BlkioWeight"`
	BlkioWeightDevice    []InspectBlkioWeightDevice   `json:"BlkioWeightDevice"`
	BlkioDeviceReadBps   []InspectBlkioThrottleDevice `json:"BlkioDeviceReadBps"`
	BlkioDeviceWriteBps  []InspectBlkioThrottleDevice `json:"BlkioDeviceWriteBps"`
	BlkioDeviceReadIOps  []InspectBlkioThrottleDevice `json:"BlkioDeviceReadIOps"`
	BlkioDeviceWriteIOps []InspectBlkioThrottleDevice `json:"BlkioDeviceWriteIOps"`
	CpuPeriod            uint64                       `json:"CpuPeriod"`          //nolint:revive
	CpuQuota             int64                        `json:"CpuQuota"`           //nolint:revive
	CpuRealtimePeriod    uint64                       `json:"CpuRealtimePeriod"`  //nolint:revive
	CpuRealtimeRuntime   int64                        `json:"CpuRealtimeRuntime"` //nolint:revive
	CpusetCpus           string                       `json:"CpusetCpus"`
	CpusetMems           string                       `json:"CpusetMems"`
	Devices              []InspectDevice              `json:"Devices"`
	MemoryReservation    int64                        `json:"MemoryReservation"`
	MemorySwap           int64                        `json:"MemorySwap"`
	MemorySwappiness     int64                        `json:"MemorySwappiness"`
	OomKillDisable       bool                         `json:"OomKillDisable"`
	Init                 bool                         `json:"Init,omitempty"`
	PidsLimit            int64                        `json:"PidsLimit"`
	Ulimits              []InspectUlimit              `json:"Ulimits"`
	CgroupConf           map[string]string            `json:"CgroupConf"`
}

// InspectBlkioWeightDevice is one --blkio-weight-device.
type InspectBlkioWeightDevice struct {
	Path   string `json:"Path"`
	Weight uint16 `json:"Weight"`
}

// InspectBlkioThrottleDevice is one --device-{read,write}-{bps,iops}.
type InspectBlkioThrottleDevice struct {
	Path string `json:"Path"`
	Rate uint64 `json:"Rate"`
}

// InspectLogConfig is the container's log driver.
type InspectLogConfig struct {
	Type   string            `json:"Type"`
	Config map[string]string `json:"Config"`
	Path   string            `json:"Path"`
	Tag    string            `json:"Tag"`
	Size   string            `json:"Size"`
}

// InspectRestartPolicy is docker's restart policy block.
type InspectRestartPolicy struct {
	Name              string `json:"Name"`
	MaximumRetryCount uint   `json:"MaximumRetryCount"`
}

// InspectDevice is a device node added to the container.
type InspectDevice struct {
	PathOnHost        string `json:"PathOnHost"`
	PathInContainer   string `json:"PathInContainer"`
	CgroupPermissions string `json:"CgroupPermissions"`
}

// InspectUlimit is one resource limit of the container process.
type InspectUlimit struct {
	Name string `json:"Name"`
	Soft int64  `json:"Soft"`
	Hard int64  `json:"Hard"`
}

// Healthcheck is State.Health for templates written for podman 4
// (`{{.State.Healthcheck}}`), as podman 5 keeps it.
func (s *InspectContainerState) Healthcheck() HealthCheckResults {
	if s.Health == nil {
		return HealthCheckResults{}
	}
	return *s.Health
}

// InspectIDMappings is HostConfig.IDMappings.
type InspectIDMappings struct {
	UIDMap []string `json:"UidMap"`
	GIDMap []string `json:"GidMap"`
}
