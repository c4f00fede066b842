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
				if c.Config.IsInfra {
					continue
				}
				if ctr != "" && c.Config.Name != ctr && !strings.HasPrefix(c.Config.ID, ctr) {
					continue
				}
				ts = append(ts, target{ctr: c})
			}
			if ctr != "" && len(ts) != 1 {
				return fmt.Errorf("container %s is not in pod %s: %w", ctr, pods[0], define.ErrNoSuchCtr)
			}
			if ctr == "" && len(members) > len(ts) {
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
