package cli

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

func systemPruneCmd(g *Globals) *cobra.Command {
	var opts engine.SystemPruneOptions
	var force bool
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove unused data",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !force {
				ok, err := confirm(g, systemPruneWarning(opts.All, opts.Volumes))
				if err != nil || !ok {
					return err // podman 5: no answer at all is "Error: EOF"
				}
			}
			if err := checkFilterSyntax(opts.Filters); err != nil {
				return err
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			rep, err := rt.SystemPrune(cmd.Context(), opts)
			if rep != nil {
				printPruned(g.Stdout, "Deleted Pods", rep.Pods)
				printPruned(g.Stdout, "Deleted Containers", rep.Containers)
				printPruned(g.Stdout, "Deleted Volumes", rep.Volumes)
				printPruned(g.Stdout, "Deleted Images", rep.Images)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(g.Stdout, "Total reclaimed space: %s\n", format.HumanSizeDefault(rep.Reclaimed))
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation.  The default is false")
	f.BoolVarP(&opts.All, "all", "a", false, "Remove all unused data")
	f.BoolVar(&opts.Volumes, "volumes", false, "Prune volumes")
	f.StringArrayVar(&opts.Filters, "filter", nil, "Provide filter values (e.g. 'label=<key>=<value>')")
	return cmd
}

func printPruned(w io.Writer, heading string, ids []string) {
	if len(ids) == 0 {
		return
	}
	fmt.Fprintln(w, heading)
	for _, id := range ids {
		fmt.Fprintln(w, id)
	}
}

func systemPruneWarning(all, volumes bool) string {
	vol := ""
	if volumes {
		vol = "\n\t- all volumes not used by at least one container"
	}
	if all {
		return "WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container" + vol +
			"\n\t- all images without at least one container associated with them\n\t- all build cache\n\nAre you sure you want to continue? [y/N] "
	}
	return "WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container" + vol +
		"\n\t- all dangling images\n\t- all dangling build cache\n\nAre you sure you want to continue? [y/N] "
}

func systemResetCmd(g *Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "reset [options]",
		Short: "Reset pier storage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			if !force {
				p := rt.Paths()
				fmt.Fprintf(g.Stdout, "WARNING! This will remove:\n        - all containers\n        - all pods\n        - all images\n        - all networks\n        - all build cache\n        - all machines\n        - all volumes\n        - the graphRoot directory: %q\n        - the runRoot directory: %q\n", p.GraphRoot, p.RunRoot)
				ok, err := confirm(g, "Are you sure you want to continue? [y/N] ")
				if err != nil {
					// podman logs a failed read (EOF included) and exits 1.
					slog.Error(err.Error())
					return &errdefs.ExitError{Code: 1}
				}
				if !ok {
					return nil
				}
			}
			// As podman, what fails is logged and the reset still succeeds.
			if err := rt.Reset(cmd.Context()); err != nil {
				slog.Error(err.Error())
			}
			if conf := image.UserStorageConf(); conf != "" {
				fmt.Fprintf(g.Stdout, " A %q config file exists.\nRemove this file if you did not modify the configuration.\n", conf)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

func systemRenumberCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "renumber",
		Short: "Migrate lock numbers",
		Long:  "Migrate lock numbers to handle a change in maximum number of locks.\nMandatory after the number of locks in containers.conf is changed.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			return rt.Renumber(cmd.Context())
		},
	}
}
