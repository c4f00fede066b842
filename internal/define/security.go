package define

import spec "github.com/opencontainers/runtime-spec/specs-go"

// Security is what a container may do beyond the defaults, fixed at
// create: --privileged, --cap-add/--cap-drop (as typed, for inspect; the
// resulting set is ContainerConfig.Capabilities), --device and
// --device-cgroup-rule, --systemd.
type Security struct {
	Privileged bool     `json:"privileged,omitempty"`
	CapAdd     []string `json:"capAdd,omitempty"`
	CapDrop    []string `json:"capDrop,omitempty"`
	// Devices are host devices made in the container's /dev, each with
	// its cgroup rule; DeviceRules are --device-cgroup-rule's.
	Devices     []Device                 `json:"devices,omitempty"`
	DeviceRules []spec.LinuxDeviceCgroup `json:"deviceRules,omitempty"`
	// CDIDevices are --device's CDI names (vendor.com/class=name) and
	// --gpus's, resolved through the CDI spec directories at start.
	CDIDevices []string `json:"cdiDevices,omitempty"`
	// Systemd is --systemd: "true" (the default: on when the command is
	// systemd or init), "false" or "always".
	Systemd string `json:"systemd,omitempty"`
	// SystemdMode is Systemd resolved at create: always, or true with a
	// command that is init or systemd.
	SystemdMode bool `json:"systemdMode,omitempty"`
	// Mask and Unmask change the masked and read-only paths
	// (--security-opt mask=, unmask=; "ALL" unmasks every one).
	Mask   []string `json:"mask,omitempty"`
	Unmask []string `json:"unmask,omitempty"`
	// ProcOpts are --security-opt proc-opts= options of the /proc mount.
	ProcOpts []string `json:"procOpts,omitempty"`
	// Secrets are --secret's, resolved to IDs at create.
	Secrets []ContainerSecret `json:"secrets,omitempty"`
}

// Device is one --device: the host path, where it appears in the
// container, and the cgroup permissions ("rwm" by default).
type Device struct {
	PathOnHost      string `json:"pathOnHost"`
	PathInContainer string `json:"pathInContainer"`
	Permissions     string `json:"permissions"`
}
