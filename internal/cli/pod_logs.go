package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

func podLogsCmd(g *Globals) *cobra.Command {
	o := &logsOpts{}
	var ctr string
	cmd := &cobra.Command{
		Use:   "logs [options] POD",
		Short: "Fetch logs for pod with one or more containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "requires exactly 1 arg")
			case o.latest && len(args) > 0:
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "--latest and pods cannot be used together")
			case !o.latest && len(args) == 0:
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "specify at least one pod name or ID to log")
			}
			opts, err := o.engineOptions()
			if err != nil {
				return err
			}
			rt, pods, err := podArgs(cmd, g, args, false, o.latest)
			if err != nil {
				return err
			}
			if len(pods) == 0 {
				return errdefs.Errorf(errdefs.ErrNotFound, "no pods to log")
			}
			members, err := rt.PodContainers(cmd.Context(), pods[0])
			if err != nil {
				return err
			}
			// The infra container has nothing to say; -c picks one member.
			var ts []target
			for _, c := range members {
				if !c.Config.IsInfra {
					ts = append(ts, target{ctr: c})
				}
			}
			if ctr != "" {
				one, err := podMember(ts, ctr, pods[0])
				if err != nil {
					return err
				}
				ts = []target{one}
			} else if len(members) > len(ts) {
				o.colorBase = 1 // podman counts the infra container's colour
			}
			return printLogs(cmd.Context(), g, rt, o, opts, ts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.color, "color", false, "Output the containers within a pod with different colors in the log")
	f.StringVarP(&ctr, "container", "c", "", "Filter logs by container name or id which belongs to pod")
	f.BoolVarP(&o.follow, "follow", "f", false, "Follow log output.")
	f.BoolVarP(&o.latest, "latest", "l", false, "Act on the latest pod pier is aware of")
	f.BoolVarP(&o.names, "names", "n", false, "Output container names instead of container IDs in the log")
	f.StringVar(&o.since, "since", "", "Show logs since TIMESTAMP")
	f.StringVar(&o.until, "until", "", "Show logs until TIMESTAMP")
	f.IntVar(&o.tail, "tail", -1, "Output the specified number of LINES at the end of the logs.")
	f.BoolVarP(&o.timestamps, "timestamps", "t", false, "Output the timestamps in the log")
	return cmd
}

// podMember picks -c's container as a lookup does: an exact name or ID
// first, so a member named like another's ID prefix is still found, then
// a unique ID prefix.
func podMember(ts []target, ref, pod string) (target, error) {
	var prefixed []target
	for _, t := range ts {
		if t.ctr.Config.Name == ref || t.ctr.Config.ID == ref {
			return t, nil
		}
		if strings.HasPrefix(t.ctr.Config.ID, ref) {
			prefixed = append(prefixed, t)
		}
	}
	switch len(prefixed) {
	case 1:
		return prefixed[0], nil
	case 0:
		return target{}, fmt.Errorf("container %s is not in pod %s: %w", ref, pod, define.ErrNoSuchCtr)
	}
	return target{}, fmt.Errorf("more than one container in pod %s has an ID starting with %s: %w", pod, ref, define.ErrAmbiguous)
}
