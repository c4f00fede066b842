package cli

import (
	"fmt"
	"os"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/specgen"
)

// podCloneCmd is `pod clone`: the pod and its containers copied, with the
// pod-level settings pier can change on the copy (name, hostname, labels,
// infra name, cgroup parent and limits); other podman flags are unknown.
func podCloneCmd(g *Globals) *cobra.Command {
	var req engine.PodCloneRequest
	var labels, labelFiles []string
	var lim limitFlags
	var mem memoryFlags
	var ch podCloneChanges
	cmd := &cobra.Command{
		Use:   "clone [options] POD NAME",
		Short: "Clone an existing pod",
		Long:  "Create an exact copy of a pod and the containers within it",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Source = args[0]
			if len(args) > 1 {
				req.Name = args[1]
			}
			if cmd.Flags().Changed("label") || cmd.Flags().Changed("label-file") {
				l, err := buildLabels(labelFiles, labels)
				if err != nil {
					return err
				}
				req.Labels = l
			}
			res, err := mem.resources()
			if err != nil {
				return err
			}
			if req.Resources, err = lim.apply(res); err != nil {
				return err
			}
			if err := ch.apply(cmd, &req); err != nil {
				return err
			}
			req.CreateCmd = os.Args
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			p, err := rt.PodClone(cmd.Context(), &req)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, p.Config.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.Bool("help", false, "Show help") // -h is --hostname, as in podman
	f.StringVarP(&req.Name, "name", "n", "", "name the new pod")
	f.BoolVar(&req.Destroy, "destroy", false, "destroy the original pod")
	f.BoolVar(&req.Start, "start", false, "start the new pod")
	f.StringVarP(&req.Hostname, "hostname", "h", "", "Set the pod's hostname")
	f.StringArrayVarP(&labels, "label", "l", nil, "Set metadata on pod (default [])")
	f.StringArrayVar(&labelFiles, "label-file", nil, "Read in a line delimited file of labels")
	f.StringVar(&req.InfraName, "infra-name", "", "Assign a name to the infra container")
	f.StringVar(&req.CgroupParent, "cgroup-parent", "", "Optional parent cgroup for the container")
	lim.add(f)
	f.StringVarP(&mem.memory, "memory", "m", "", "Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
	f.StringVar(&mem.swap, "memory-swap", "", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	ch.add(f)
	return cmd
}

// podCloneChanges are clone's infra and device flags, parsed as pod
// create's.
type podCloneChanges struct {
	iso                                   isolationFlags
	securityOpts, sysctls                 []string
	infraCommand, monitorPidFile, shmSize string
	shmSizeSystemd                        string
	restart                               string
	volumes, volumesFrom                  []string
}

func (o *podCloneChanges) add(f *pflag.FlagSet) {
	f.StringVar(&o.iso.userns, "userns", "", "User namespace to use")
	f.StringSliceVar(&o.iso.uidmap, "uidmap", nil, "UID map to use for the user namespace")
	f.StringSliceVar(&o.iso.gidmap, "gidmap", nil, "GID map to use for the user namespace")
	f.StringVar(&o.iso.subuidname, "subuidname", "", "Name of range listed in /etc/subuid for use in user namespace")
	f.StringVar(&o.iso.subgidname, "subgidname", "", "Name of range listed in /etc/subgid for use in user namespace")
	f.StringArrayVarP(&o.volumes, "volume", "v", nil, "Bind mount a volume into the container")
	f.StringArrayVar(&o.volumesFrom, "volumes-from", nil, "Mount volumes from the specified container(s)")
	f.StringVar(&o.iso.pid, "pid", "", "PID namespace to use")
	f.StringVar(&o.iso.uts, "uts", "", "UTS namespace to use")
	f.StringVar(&o.restart, "restart", "", `Restart policy to apply when a container exits ("always"|"no"|"never"|"on-failure"|"unless-stopped")`)
	f.StringArrayVar(&o.iso.devices, "device", nil, "Add a host device to the container")
	f.StringSliceVar(&o.iso.gpus, "gpus", nil, "GPU devices to add to the container ('all' to pass all GPUs)")
	f.StringArrayVar(&o.securityOpts, "security-opt", nil, "Security Options")
	f.StringSliceVar(&o.sysctls, "sysctl", nil, "Sysctl options")
	f.StringVar(&o.infraCommand, "infra-command", "", "Overwrite the default ENTRYPOINT of the image")
	f.StringVar(&o.monitorPidFile, "infra-conmon-pidfile", "", "Path to the file that will receive the PID of conmon")
	f.StringVar(&o.shmSizeSystemd, "shm-size-systemd", "", "Size of systemd specific tmpfs mounts (/run, /run/lock) (format: `<number>[<unit>]`, where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
	f.StringVar(&o.shmSize, "shm-size", "", "Size of /dev/shm (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
}

func (o *podCloneChanges) apply(cmd *cobra.Command, req *engine.PodCloneRequest) error {
	var ctr engine.CreateRequest
	if err := (&runFlags{securityOpts: o.securityOpts}).applySecurityOpts(&ctr); err != nil {
		return err
	}
	if err := o.iso.apply(&ctr.Isolation); err != nil {
		return err
	}
	req.Isolation = engine.IsolationRequest{
		PID: ctr.Isolation.PID, UTS: ctr.Isolation.UTS, UserNS: ctr.Isolation.UserNS,
		UIDMap: ctr.Isolation.UIDMap, GIDMap: ctr.Isolation.GIDMap,
		SubUIDName: ctr.Isolation.SubUIDName, SubGIDName: ctr.Isolation.SubGIDName,
		Devices: ctr.Isolation.Devices, CDIDevices: ctr.Isolation.CDIDevices,
		Mask: ctr.Isolation.Mask, Unmask: ctr.Isolation.Unmask,
	}
	if cmd.Flags().Changed("security-opt") {
		req.Security = &engine.PodSecurity{
			Opts: o.securityOpts, NoNewPrivileges: ctr.NoNewPrivileges, Seccomp: ctr.Seccomp, LabelDisable: ctr.LabelDisable,
		}
	}
	req.Sysctls = o.sysctls
	req.VolumesFrom = o.volumesFrom
	for _, v := range o.volumes {
		m, err := specgen.ParseVolume(v)
		if err != nil {
			return err
		}
		req.Mounts = append(req.Mounts, m)
	}
	var err error
	if req.RestartPolicy, req.RestartRetries, err = parseRestart(o.restart); err != nil {
		return err
	}
	if o.infraCommand != "" {
		req.InfraCommand = []string{o.infraCommand}
	}
	if req.InfraMonitorPidFile, err = absPath(o.monitorPidFile); err != nil {
		return err
	}
	if o.shmSize != "" {
		n, err := units.RAMInBytes(o.shmSize)
		if err != nil {
			return fmt.Errorf("invalid value for shm-size: %w", err)
		}
		req.ShmSize = &n
	}
	req.ShmSizeSystemd, err = parseShmSizeSystemd(o.shmSizeSystemd)
	return err
}
