package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

func newPortCommand(g *Globals) *cobra.Command {
	var all, latest bool
	cmd := &cobra.Command{
		Use:   "port [options] CONTAINER [PRIVATE_PORT[/PROTO]]",
		Short: "List port mappings or a specific mapping for the container",
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case !all && !latest && len(args) > 2:
				return errors.New("`port` accepts at most 2 arguments")
			case (all || latest) && len(args) > 1, !all && !latest && len(args) < 1:
				return errors.New("you must supply a running container name or id")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			want := ""
			if !all && !latest {
				args = args[:1+min(1, len(args)-1)]
			}
			if n := len(args); (all || latest) && n == 1 || !all && !latest && n == 2 {
				want = args[n-1]
				args = args[:n-1]
				if !strings.Contains(want, "/") {
					want += "/tcp"
				}
			}
			_, ts, err := openTargets(cmd.Context(), g, args, all, latest, isActive, false)
			if err != nil {
				return err
			}
			for _, t := range ts {
				if !t.ctr.State.Running() {
					continue
				}
				if err := printPorts(g, t.ctr, want, all); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Display port information for all containers")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}

// printPorts prints podman's "80/tcp -> 0.0.0.0:8080" lines, or only the
// host address of one port.
func printPorts(g *Globals, c *define.Container, want string, all bool) error {
	found := false
	for _, m := range c.Config.PortMappings {
		for i := uint16(0); i < max(m.Range, 1); i++ {
			key := strconv.Itoa(int(m.ContainerPort+i)) + "/" + m.Protocol
			host := hostAddr(m, i)
			switch {
			case want == "" && all:
				fmt.Fprintf(g.Stdout, "%s\t%s -> %s\n", c.Config.ID[:12], key, host)
			case want == "":
				fmt.Fprintf(g.Stdout, "%s -> %s\n", key, host)
			case key == want:
				fmt.Fprintln(g.Stdout, host)
				found = true
			}
		}
	}
	if want != "" && !found {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "failed to find published port %q", want)
	}
	return nil
}

func hostAddr(m types.PortMapping, i uint16) string {
	ip := m.HostIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	return ip + ":" + strconv.Itoa(int(m.HostPort+i))
}
