package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/engine"
)

// podCloneCmd is `pod clone`: the pod and its containers copied, with the
// pod-level settings pier can change on the copy (name, hostname, labels,
// infra name, cgroup parent and limits); other podman flags are unknown.
func podCloneCmd(g *Globals) *cobra.Command {
	var req engine.PodCloneRequest
	var labels, labelFiles []string
	var lim limitFlags
	var mem memoryFlags
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
	return cmd
}
