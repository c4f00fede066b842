package cli

import (
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/engine"
)

// podIsoFlags are pod create's namespace, ID mapping, device, security and
// sysctl flags: the infra container's, which its members share or get too.
type podIsoFlags struct {
	iso                     isolationFlags
	securityOpts, sysctls   []string
	shareParent, noHostname bool
	monitorPidFile          string
}

func (o *podIsoFlags) add(f *pflag.FlagSet) {
	f.StringVar(&o.iso.pid, "pid", "", "PID namespace to use")
	f.StringVar(&o.iso.uts, "uts", "", "UTS namespace to use")
	f.StringVar(&o.iso.userns, "userns", "", "User namespace to use")
	f.StringSliceVar(&o.iso.uidmap, "uidmap", nil, "UID map to use for the user namespace")
	f.StringSliceVar(&o.iso.gidmap, "gidmap", nil, "GID map to use for the user namespace")
	f.StringVar(&o.iso.subuidname, "subuidname", "", "Name of range listed in /etc/subuid for use in user namespace")
	f.StringVar(&o.iso.subgidname, "subgidname", "", "Name of range listed in /etc/subgid for use in user namespace")
	f.StringArrayVar(&o.iso.devices, "device", nil, "Add a host device to the container")
	f.StringSliceVar(&o.iso.gpus, "gpus", nil, "GPU devices to add to the container ('all' to pass all GPUs)")
	f.StringArrayVar(&o.securityOpts, "security-opt", nil, "Security Options")
	f.StringSliceVar(&o.sysctls, "sysctl", nil, "Sysctl options")
	f.BoolVar(&o.shareParent, "share-parent", true, "Set the pod's cgroup as the cgroup parent for all containers joining the pod")
	f.BoolVar(&o.noHostname, "no-hostname", false, "Do not create /etc/hostname within the container, instead use the version from the image")
	f.StringVar(&o.monitorPidFile, "infra-conmon-pidfile", "", "Path to the file that will receive the PID of conmon")
}

// apply parses the flags into the pod's request; --security-opt has
// run's parser and its errors.
func (o *podIsoFlags) apply(req *engine.PodCreateRequest) error {
	var ctr engine.CreateRequest
	if err := (&runFlags{securityOpts: o.securityOpts}).applySecurityOpts(&ctr); err != nil {
		return err
	}
	if err := o.iso.apply(&ctr.Isolation); err != nil {
		return err
	}
	req.Isolation = ctr.Isolation
	req.Security = engine.PodSecurity{
		Opts: o.securityOpts, NoNewPrivileges: ctr.NoNewPrivileges, Seccomp: ctr.Seccomp, LabelDisable: ctr.LabelDisable,
	}
	req.Sysctls = o.sysctls
	req.NoShareParent, req.NoHostname = !o.shareParent, o.noHostname
	var err error
	req.InfraMonitorPidFile, err = absPath(o.monitorPidFile)
	return err
}
