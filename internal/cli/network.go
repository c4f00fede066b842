package cli

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/network"
)

func addNetworkCommands(root *cobra.Command, g *Globals) {
	n := &cobra.Command{Use: "network", Short: "Manage networks", RunE: func(c *cobra.Command, _ []string) error { return c.Help() }}
	root.AddCommand(n)
	if !g.wants("network") {
		return
	}
	n.AddCommand(networkCreateCmd(g), networkLsCmd(g), networkInspectCmd(g), networkRmCmd(g),
		networkPruneCmd(g), networkExistsCmd(g), networkConnectCmd(g), networkDisconnectCmd(g), networkReloadCmd(g), networkUpdateCmd(g))
}

func networkCreateCmd(g *Globals) *cobra.Command {
	var req network.CreateRequest
	var labels, opts, routes []string
	var gateways []net.IP
	cmd := &cobra.Command{
		Use:   "create [options] [NAME]",
		Short: "Create networks for containers and pods",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				req.Name = args[0]
			}
			if len(routes) > 0 {
				// podman 5.8.2 writes them, and this host's netavark
				// 1.4.0 ignores them: no container would get the route.
				return errdefs.Errorf(errdefs.ErrNotImplemented, "--route: static routes are not applied by netavark 1.4.0 on this host")
			}
			var err error
			if req.Labels, req.Options, err = labelsAndOptions(labels, opts); err != nil {
				return err
			}
			for _, gw := range gateways {
				req.Gateways = append(req.Gateways, gw.String())
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			n, err := rt.NetworkCreate(cmd.Context(), req)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, n.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&req.Driver, "driver", "d", "bridge", "driver to manage the network")
	f.StringArrayVar(&req.Subnets, "subnet", nil, "subnets in CIDR format")
	f.IPSliceVar(&gateways, "gateway", nil, "IPv4 or IPv6 gateway for the subnet")
	f.StringVar(&req.IPAMDriver, "ipam-driver", "", "IP Address Management Driver")
	f.StringArrayVar(&routes, "route", nil, "static routes")
	f.StringArrayVar(&req.IPRanges, "ip-range", nil, "allocate container IP from range")
	f.BoolVar(&req.Internal, "internal", false, "restrict external access from this network")
	f.BoolVar(&req.IPv6, "ipv6", false, "enable IPv6 networking")
	f.BoolVar(&req.DisableDNS, "disable-dns", false, "disable dns plugin")
	f.StringSliceVar(&req.DNSServers, "dns", nil, "DNS servers this network will use")
	f.BoolVar(&req.Ignore, "ignore", false, "Don't fail if network already exists")
	f.StringVar(&req.Interface, "interface-name", "", "interface name which is used by the driver")
	f.StringArrayVar(&labels, "label", nil, "set metadata on a network")
	f.StringArrayVarP(&opts, "opt", "o", nil, "Set driver specific options (default [])")
	return cmd
}

// keyValues parses key=value entries (a bare key gets "").
// labelsAndOptions parses create's --label and --opt lists, as network
// and volume create both take them.
func labelsAndOptions(labels, opts []string) (l, o map[string]string, err error) {
	if l, err = keyValues(labels, "label"); err != nil {
		return nil, nil, err
	}
	o, err = keyValues(opts, "option")
	return l, o, err
}

func keyValues(in []string, what string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range in {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid %s %q: key is empty", what, kv)
		}
		out[k] = v
	}
	return out, nil
}

// networkRow is a network as ls templates see it (podman's
// ListPrintReports: Labels and ID are strings).
type networkRow struct {
	types.Network
	ID     string
	Labels string
}

func networkLsCmd(g *Globals) *cobra.Command {
	return objectLsCmd(g, lsText{
		short:          "List networks",
		format:         "Pretty-print networks to JSON or using a Go template",
		filter:         "Provide filter values (e.g. 'name=podman')",
		quiet:          "display only names",
		noHeadingShort: "n",
		noTrunc:        "Do not truncate the network ID",
	}, (*engine.Runtime).NetworkList, printNetworks)
}

func printNetworks(g *Globals, nets []types.Network, o *lsOpts) error {
	tmpl, quiet, noHeading := o.format, o.quiet, o.noHeading
	if format.IsJSON(tmpl) {
		if nets == nil {
			nets = []types.Network{}
		}
		return format.JSON(g.Stdout, nets, "  ")
	}
	if quiet && tmpl == "" {
		for _, n := range nets {
			fmt.Fprintln(g.Stdout, n.Name)
		}
		return nil
	}
	if tmpl == "" {
		tmpl = "table {{.ID}}\t{{.Name}}\t{{.Driver}}"
	}
	rows := make([]any, 0, len(nets))
	for _, n := range nets {
		var labels []string
		for _, k := range slices.Sorted(maps.Keys(n.Labels)) {
			labels = append(labels, k+"="+n.Labels[k])
		}
		id := n.ID
		if !o.noTrunc {
			id = id[:min(12, len(id))]
		}
		rows = append(rows, networkRow{Network: n, ID: id, Labels: strings.Join(labels, ",")})
	}
	headers := format.Headers(types.Network{}, map[string]string{"ID": "NETWORK ID"})
	headers["Labels"] = "LABELS"
	return format.Template(g.Stdout, tmpl, headers, rows, noHeading)
}

func networkInspectCmd(g *Globals) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "inspect [options] NETWORK [NETWORK...]",
		Short: "Inspect network",
		Long:  "Displays the network configuration for one or more networks.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			var reps []any
			var errs []error
			for _, a := range args {
				rep, err := rt.NetworkInspect(cmd.Context(), a)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				reps = append(reps, rep)
			}
			if err := printNetworkInspect(g, reps, tmpl); err != nil {
				return err
			}
			return joinErrs(g, errs)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "Pretty-print network to JSON or using a Go template")
	return cmd
}

// printNetworkInspect prints podman's network (and volume) inspect: the
// same as the other objects'.
func printNetworkInspect(g *Globals, reps []any, tmpl string) error {
	return printInspect(g.Stdout, reps, tmpl)
}

// joinErrs prints all but the last error and returns the last, as podman
// reports several failed names.
func joinErrs(g *Globals, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs[:len(errs)-1] {
		fmt.Fprintln(g.Stderr, "Error:", e)
	}
	return errs[len(errs)-1]
}

func networkRmCmd(g *Globals) *cobra.Command {
	var force bool
	var timeout int
	cmd := &cobra.Command{
		Use:     "rm [options] NETWORK [NETWORK...]",
		Aliases: []string{"remove"},
		Short:   "Remove networks",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			t := timeFlag(cmd, timeout)
			var errs []error
			for _, a := range args {
				name, err := rt.NetworkRemove(cmd.Context(), a, force, t)
				switch {
				case err == nil:
					fmt.Fprintln(g.Stdout, name)
				case force && errors.Is(err, define.ErrNoSuchNetwork):
				default:
					errs = append(errs, err)
				}
			}
			err = joinErrs(g, errs)
			if errors.Is(err, define.ErrNoSuchNetwork) {
				return errdefs.WithExitCode(1, err)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&force, "force", "f", false, "remove any containers using network")
	f.IntVarP(&timeout, "time", "t", 10, "Seconds to wait for running containers to stop before killing the container")
	return cmd
}

func networkPruneCmd(g *Globals) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Prune unused networks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fm, err := parseFilters(filters)
			if err != nil {
				return err
			}
			if !force {
				ok, err := confirm(g, "WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] ")
				if err != nil || !ok {
					return err
				}
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			names, err := rt.NetworkPrune(cmd.Context(), fm)
			for _, n := range names {
				fmt.Fprintln(g.Stdout, n)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&force, "force", "f", false, "do not prompt for confirmation")
	f.StringArrayVar(&filters, "filter", nil, "Provide filter values (e.g. 'label=<key>=<value>')")
	return cmd
}

func networkExistsCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists NETWORK",
		Short: "Check if network exists",
		Long:  "If the named network exists, pier network exists exits with 0, otherwise the exit code will be 1.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			return existsExit(rt.NetworkExists(cmd.Context(), args[0]))
		},
	}
}
