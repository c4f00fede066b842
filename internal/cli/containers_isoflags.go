package cli

import (
	"github.com/spf13/pflag"
	cconfig "go.podman.io/common/pkg/config"
	"tags.cncf.io/container-device-interface/pkg/parser"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/specgen"
)

// isolationFlags are create's and run's namespace, ID mapping, group and
// privilege flags.
type isolationFlags struct {
	pid, ipc, uts, cgroupns, userns    string
	subuidname, subgidname, systemd    string
	uidmap, gidmap, groupAdd           []string
	capAdd, capDrop, devices, devRules []string
	secrets, gpus                      []string
	privileged                         bool
}

func (o *isolationFlags) add(f *pflag.FlagSet) {
	f.StringVar(&o.pid, "pid", "", "PID namespace to use")
	f.StringVar(&o.ipc, "ipc", "", "IPC namespace to use")
	f.StringVar(&o.uts, "uts", "", "UTS namespace to use")
	f.StringVar(&o.cgroupns, "cgroupns", "", "cgroup namespace to use")
	f.StringVar(&o.userns, "userns", "", "User namespace to use")
	f.StringSliceVar(&o.uidmap, "uidmap", nil, "UID map to use for the user namespace")
	f.StringSliceVar(&o.gidmap, "gidmap", nil, "GID map to use for the user namespace")
	f.StringVar(&o.subuidname, "subuidname", "", "Name of range listed in /etc/subuid for use in user namespace")
	f.StringVar(&o.subgidname, "subgidname", "", "Name of range listed in /etc/subgid for use in user namespace")
	f.StringSliceVar(&o.groupAdd, "group-add", nil, "Add additional groups to the primary container process. 'keep-groups' allows container processes to use supplementary groups.")
	f.BoolVar(&o.privileged, "privileged", false, "Give extended privileges to container")
	f.StringSliceVar(&o.capAdd, "cap-add", nil, "Add capabilities to the container")
	f.StringSliceVar(&o.capDrop, "cap-drop", nil, "Drop capabilities from the container")
	f.StringArrayVar(&o.devices, "device", nil, "Add a host device to the container")
	f.StringSliceVar(&o.devRules, "device-cgroup-rule", nil, "Add a rule to the cgroup allowed devices list")
	f.StringArrayVar(&o.secrets, "secret", nil, "Add secret to container")
	f.StringSliceVar(&o.gpus, "gpus", nil, "GPU devices to add to the container ('all' to pass all GPUs)")
	f.StringVar(&o.systemd, "systemd", "true", `Run container in systemd mode ("true"|"false"|"always")`)
}

// apply parses the values the engine takes typed and fills the request.
func (o *isolationFlags) apply(req *engine.IsolationRequest) error {
	// --security-opt's mask, unmask and proc-opts were parsed into req
	// already.
	mask, unmask, procOpts := req.Mask, req.Unmask, req.ProcOpts
	*req = engine.IsolationRequest{
		Mask: mask, Unmask: unmask, ProcOpts: procOpts,
		PID: o.pid, IPC: o.ipc, UTS: o.uts, CgroupNS: o.cgroupns, UserNS: o.userns,
		UIDMap: o.uidmap, GIDMap: o.gidmap, SubUIDName: o.subuidname, SubGIDName: o.subgidname,
		GroupAdd: o.groupAdd, Privileged: o.privileged, CapAdd: o.capAdd, CapDrop: o.capDrop,
		Systemd: o.systemd,
	}
	for _, g := range o.gpus {
		// podman's --gpus: NVIDIA's CDI devices.
		req.CDIDevices = append(req.CDIDevices, "nvidia.com/gpu="+g)
	}
	for _, d := range o.devices {
		if parser.IsQualifiedName(d) {
			req.CDIDevices = append(req.CDIDevices, d)
			continue
		}
		dev, err := specgen.ParseDevice(d)
		if err != nil {
			return err
		}
		req.Devices = append(req.Devices, dev)
	}
	for _, s := range o.secrets {
		sec, err := specgen.ParseSecret(s)
		if err != nil {
			return err
		}
		req.Secrets = append(req.Secrets, sec)
	}
	for _, r := range o.devRules {
		rule, err := specgen.ParseDeviceCgroupRule(r)
		if err != nil {
			return err
		}
		req.DeviceRules = append(req.DeviceRules, rule)
	}
	return nil
}

// confDefaults takes containers.conf's namespace modes, privileged and
// devices as the flags' defaults, as podman does. A mode equal to
// podman's built-in default stays unset, so that inspect and cgroup v1
// hosts (where podman ignores the default cgroupns "private") behave as
// podman's.
func (o *isolationFlags) confDefaults(f *pflag.FlagSet, ct *cconfig.ContainersConfig) {
	for _, d := range []struct {
		flag, conf, dflt string
		dst              *string
	}{
		{"ipc", ct.IPCNS, "shareable", &o.ipc},
		{"pid", ct.PidNS, "private", &o.pid},
		{"uts", ct.UTSNS, "private", &o.uts},
		{"cgroupns", ct.CgroupNS, "private", &o.cgroupns},
		{"userns", ct.UserNS, "host", &o.userns},
	} {
		if !f.Changed(d.flag) && d.conf != "" && d.conf != d.dflt {
			*d.dst = d.conf
		}
	}
	if !f.Changed("privileged") {
		o.privileged = ct.Privileged
	}
	o.devices = append(ct.Devices.Get(), o.devices...)
}
