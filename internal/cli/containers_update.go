package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/engine"
)

// updateOpts are update's flags: the limits create takes, and --restart.
type updateOpts struct {
	mem     memoryFlags
	lim     limitFlags
	restart string
	latest  bool
}

func newUpdateCommand(g *Globals) *cobra.Command {
	o := &updateOpts{}
	cmd := &cobra.Command{
		Use:   "update [options] CONTAINER",
		Short: "Update an existing container",
		Long:  "Updates the configuration of an existing container, allowing changes to resource limits and healthchecks",
		Args: func(cmd *cobra.Command, args []string) error {
			if o.latest && len(args) > 0 || !o.latest && len(args) != 1 {
				return errors.New("must provide at least one container name or ID")
			}
			return nil
		},
		Example: "  pier update --cpus=5 foobar_container",
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := o.request(cmd)
			if err != nil {
				return err
			}
			rt, ts, err := openTargets(cmd.Context(), g, args, false, o.latest, nil, false)
			if err != nil {
				return err
			}
			id, err := rt.Update(cmd.Context(), ts[0].ctr.Config.ID, req)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, id)
			return nil
		},
	}
	f := cmd.Flags()
	o.mem.add(f)
	o.lim.add(f)
	f.StringVar(&o.restart, "restart", "", `Restart policy to apply when a container exits ("always"|"no"|"never"|"on-failure"|"unless-stopped")`)
	f.BoolVarP(&o.latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}

// request parses the limits as create does; only the flags given change.
func (o *updateOpts) request(cmd *cobra.Command) (engine.UpdateRequest, error) {
	var req engine.UpdateRequest
	res, err := o.mem.resources()
	if err != nil {
		return req, err
	}
	if req.Resources, err = o.lim.apply(res); err != nil {
		return req, err
	}
	if cmd.Flags().Changed("restart") {
		policy, retries, err := parseRestart(o.restart)
		if err != nil {
			return req, err
		}
		req.RestartPolicy, req.RestartRetries = &policy, retries
	}
	return req, nil
}
