package cli

import (
	"fmt"
	"os"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
)

// podCreateOpts are pod create's flags; those that the engine takes as
// typed values are parsed by request.
type podCreateOpts struct {
	req                                           engine.PodCreateRequest
	labels, labelFiles, volumes                   []string
	infra                                         bool
	infraCommand, share, idFile, restart, shmSize string
	shmSizeSystemd                                string
	net                                           netFlags
	lim                                           limitFlags
	mem                                           memoryFlags
	iso                                           podIsoFlags
}

func podCreateCmd(g *Globals) *cobra.Command {
	o := &podCreateOpts{}
	cmd := &cobra.Command{
		Use:   "create [options] [NAME]",
		Short: "Create a new empty pod",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := o.request(cmd, args)
			if err != nil {
				return err
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			p, err := rt.PodCreate(cmd.Context(), req)
			if err != nil {
				return err
			}
			if o.idFile != "" {
				if err := os.WriteFile(o.idFile, []byte(p.Config.ID), 0o644); err != nil {
					return fmt.Errorf("writing pod ID file: %w", err)
				}
			}
			fmt.Fprintln(g.Stdout, p.Config.ID)
			return nil
		},
	}
	o.add(cmd.Flags())
	return cmd
}

func (o *podCreateOpts) add(f *pflag.FlagSet) {
	req := &o.req
	f.Bool("help", false, "Show help") // -h is --hostname, as in podman
	f.StringVarP(&req.Name, "name", "n", "", "Assign a name to the pod")
	f.StringArrayVarP(&o.labels, "label", "l", nil, "Set metadata on pod (default [])")
	f.StringArrayVar(&o.labelFiles, "label-file", nil, "Read in a line delimited file of labels")
	f.StringVarP(&req.Hostname, "hostname", "h", "", "Set the pod's hostname")
	f.BoolVar(&o.infra, "infra", true, "Create an infra container associated with the pod to share namespaces with")
	f.StringVar(&req.InfraImage, "infra-image", "", "Image to use to override builtin infra container")
	f.StringVar(&o.infraCommand, "infra-command", "", "Overwrite the default ENTRYPOINT of the image")
	f.StringVar(&req.InfraName, "infra-name", "", "Assign a name to the infra container")
	f.StringVar(&o.share, "share", "ipc,net,uts", "A comma delimited list of kernel namespaces the pod will share")
	f.StringVar(&req.ExitPolicy, "exit-policy", "continue", "Behaviour when the last container exits")
	f.StringVar(&o.restart, "restart", "", `Restart policy to apply when a container exits ("always"|"no"|"never"|"on-failure"|"unless-stopped")`)
	f.StringVar(&o.idFile, "pod-id-file", "", "Write the pod ID to the file")
	f.BoolVar(&req.Replace, "replace", false, "If a pod with the same name exists, replace it")
	o.net.addPod(f)
	o.iso.add(f)
	o.lim.add(f)
	f.StringVarP(&o.mem.memory, "memory", "m", "", "Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
	f.StringVar(&o.mem.swap, "memory-swap", "", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	f.StringVar(&req.CgroupParent, "cgroup-parent", "", "Optional parent cgroup for the container")
	f.StringArrayVarP(&o.volumes, "volume", "v", nil, "Bind mount a volume into the container")
	f.StringArrayVar(&req.VolumesFrom, "volumes-from", nil, "Mount volumes from the specified container(s)")
	f.StringVar(&o.shmSizeSystemd, "shm-size-systemd", "", "Size of systemd specific tmpfs mounts (/run, /run/lock) (format: `<number>[<unit>]`, where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
	f.StringVar(&o.shmSize, "shm-size", "", "Size of /dev/shm (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))")
}

// request turns the flags and the optional NAME into the engine's request.
func (o *podCreateOpts) request(cmd *cobra.Command, args []string) (*engine.PodCreateRequest, error) {
	req := o.req
	if len(args) > 0 {
		if req.Name != "" {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot specify --name and NAME at the same time")
		}
		req.Name = args[0]
	}
	var err error
	if req.Labels, err = buildLabels(o.labelFiles, o.labels); err != nil {
		return nil, err
	}
	if req.RestartPolicy, req.RestartRetries, err = parseRestart(o.restart); err != nil {
		return nil, err
	}
	req.NoInfra = !o.infra
	if o.infraCommand != "" {
		req.InfraCommand = []string{o.infraCommand}
	}
	if cmd.Flags().Changed("share") {
		req.Share = []string{o.share}
	}
	o.net.applyPod(&req)
	if err := o.iso.apply(&req); err != nil {
		return nil, err
	}
	req.CreateCmd = os.Args
	if req.Resources, err = o.mem.resources(); err != nil {
		return nil, err
	}
	if req.Resources, err = o.lim.apply(req.Resources); err != nil {
		return nil, err
	}
	for _, v := range o.volumes {
		m, err := specgen.ParseVolume(v)
		if err != nil {
			return nil, err
		}
		req.Mounts = append(req.Mounts, m)
	}
	if o.shmSize != "" {
		n, err := units.RAMInBytes(o.shmSize)
		if err != nil {
			return nil, fmt.Errorf("invalid value for shm-size: %w", err)
		}
		req.ShmSize = &n
	}
	if req.ShmSizeSystemd, err = parseShmSizeSystemd(o.shmSizeSystemd); err != nil {
		return nil, err
	}
	return &req, nil
}
