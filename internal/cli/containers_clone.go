package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// cloneLimitFlags are the limit flags podman's container clone has, a
// subset of create's.
var cloneLimitFlags = map[string]bool{
	"blkio-weight": true, "blkio-weight-device": true, "cpu-period": true, "cpu-quota": true,
	"cpu-rt-period": true, "cpu-rt-runtime": true, "cpu-shares": true, "cpus": true,
	"cpuset-cpus": true, "cpuset-mems": true, "device-read-bps": true, "device-write-bps": true,
	"memory": true, "memory-reservation": true, "memory-swap": true, "memory-swappiness": true,
}

// containerCloneCmd is `container clone CONTAINER [NAME [IMAGE]]`.
func containerCloneCmd(g *Globals) *cobra.Command {
	var req engine.ContainerCloneRequest
	var lim limitFlags
	var mem memoryFlags
	var reg registryFlags
	cmd := &cobra.Command{
		Use:     "clone [options] CONTAINER NAME IMAGE",
		Short:   "Clone an existing container",
		Long:    "Creates a copy of an existing container.",
		Example: "podman container clone container_name new_name image_name",
		Args:    cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Source = args[0]
			if len(args) > 1 {
				req.Name = args[1]
			}
			if len(args) > 2 {
				req.Image = args[2]
			}
			if req.Force && !req.Destroy {
				return fmt.Errorf("cannot set --force without --destroy: %w", errdefs.ErrInvalidArgument)
			}
			res, err := mem.resources()
			if err != nil {
				return err
			}
			if req.Resources, err = lim.apply(res); err != nil {
				return err
			}
			pull, err := reg.pullOptions(cmd, g, "missing", false)
			if err != nil {
				return err
			}
			req.Pull = *pull
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			c, err := rt.ContainerClone(cmd.Context(), &req)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, c.Config.ID)
			return nil
		},
	}
	f := cmd.Flags()
	all := pflag.NewFlagSet("limits", pflag.ContinueOnError)
	lim.add(all)
	mem.add(all)
	// lim's "changed" checks look flags up in all: the same *Flag values
	// f parses into.
	all.VisitAll(func(fl *pflag.Flag) {
		if cloneLimitFlags[fl.Name] {
			f.AddFlag(fl)
		}
	})
	f.BoolVar(&req.Destroy, "destroy", false, "destroy the original container")
	f.BoolVarP(&req.Force, "force", "f", false, "force the existing container to be destroyed")
	f.StringVar(&req.Name, "name", "", "Assign a name to the container")
	f.StringVar(&req.Pod, "pod", "", "Run container in an existing pod")
	f.BoolVar(&req.Run, "run", false, "run the new container")
	return cmd
}
