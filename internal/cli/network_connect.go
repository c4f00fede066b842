package cli

import (
	"fmt"
	"net"

	"github.com/spf13/cobra"
	"go.podman.io/common/libnetwork/types"
)

func networkConnectCmd(g *Globals) *cobra.Command {
	var opts types.PerNetworkOptions
	var ip4, ip6 net.IP
	var mac string
	cmd := &cobra.Command{
		Use:   "connect [options] NETWORK CONTAINER",
		Short: "Add container to a network",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if mac != "" {
				m, err := net.ParseMAC(mac)
				if err != nil {
					return err
				}
				opts.StaticMAC = types.HardwareAddr(m)
			}
			for _, ip := range []net.IP{ip4, ip6} {
				if ip != nil {
					opts.StaticIPs = append(opts.StaticIPs, ip)
				}
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			return rt.NetworkConnect(cmd.Context(), args[1], args[0], opts)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.Aliases, "alias", nil, "network scoped alias for container")
	f.IPVar(&ip4, "ip", nil, "set a static ipv4 address for this container network")
	f.IPVar(&ip6, "ip6", nil, "set a static ipv6 address for this container network")
	f.StringVar(&mac, "mac-address", "", "set a static mac address for this container network")
	return cmd
}

func networkDisconnectCmd(g *Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "disconnect [options] NETWORK CONTAINER",
		Short: "Disconnect a container from a network",
		Long:  "Remove container from a network",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			return rt.NetworkDisconnect(cmd.Context(), args[1], args[0])
		},
	}
	// podman takes -f and ignores it.
	cmd.Flags().BoolVarP(&force, "force", "f", false, "force removal of container from network")
	return cmd
}

func networkReloadCmd(g *Globals) *cobra.Command {
	var all, latest bool
	cmd := &cobra.Command{
		Use:   "reload [options] [CONTAINER...]",
		Short: "Reload firewall rules for one or more containers",
		Long:  "Reload container networks, recreating firewall rules",
		Args:  needNamesOrAll(&all, &latest),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			if latest {
				ts, err := latestTarget(cmd.Context(), rt)
				if err != nil {
					return err
				}
				args = []string{ts[0].ctr.Config.ID}
			}
			reports, err := rt.NetworkReload(cmd.Context(), args, all)
			if err != nil {
				return err
			}
			var errs []error
			for _, r := range reports {
				if r.Err != nil {
					errs = append(errs, r.Err)
					continue
				}
				fmt.Fprintln(g.Stdout, r.ID)
			}
			return joinErrs(g, errs)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Reload network configuration of all containers")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}

func networkUpdateCmd(g *Globals) *cobra.Command {
	var add, drop []string
	cmd := &cobra.Command{
		Use:   "update [options] NETWORK",
		Short: "Update an existing podman network",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			if _, err := rt.NetworkUpdate(cmd.Context(), args[0], add, drop); err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, args[0])
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&add, "dns-add", nil, "add network level nameservers")
	f.StringSliceVar(&drop, "dns-drop", nil, "remove network level nameservers")
	return cmd
}
