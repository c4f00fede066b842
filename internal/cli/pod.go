package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

func addPodCommands(root *cobra.Command, g *Globals) {
	p := &cobra.Command{Use: "pod", Short: "Manage pods", RunE: func(c *cobra.Command, _ []string) error { return c.Help() }}
	root.AddCommand(p)
	if !g.wants("pod") {
		return
	}
	p.AddCommand(podCreateCmd(g), podPsCmd(g), podRmCmd(g), podInspectCmd(g), podExistsCmd(g), podPruneCmd(g),
		podKillCmd(g), podTopCmd(g), podLogsCmd(g), podStatsCmd(g), podCloneCmd(g))
	p.AddCommand(podLifecycleCmds(g)...)
}

// podNames resolves pod arguments, --all and --latest into pod IDs or the
// names as the user typed them (podman prints those back).
func podArgs(cmd *cobra.Command, g *Globals, args []string, all, latest bool) (*engine.Runtime, []string, error) {
	if (all || latest) && len(args) > 0 {
		return nil, nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "--all, --latest and pods cannot be used together")
	}
	if !all && !latest && len(args) == 0 {
		return nil, nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "you must provide at least one name or id")
	}
	rt, err := g.Engine(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	if !all && !latest {
		return rt, args, nil
	}
	pods, err := rt.Pods(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for _, p := range pods {
		ids = append(ids, p.Pod.Config.ID)
	}
	if latest && len(ids) > 0 {
		ids = ids[len(ids)-1:]
	}
	return rt, ids, nil
}

func podRmCmd(g *Globals) *cobra.Command {
	var all, latest, force, ignore bool
	var timeout uint
	var idFiles []string
	cmd := &cobra.Command{
		Use:     "rm [options] POD [POD...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more pods",
		RunE: func(cmd *cobra.Command, args []string) error {
			args, err := withPodIDFiles(args, idFiles, ignore)
			if err != nil {
				return err
			}
			if len(idFiles) > 0 && len(args) == 0 {
				return nil
			}
			rt, pods, err := podArgs(cmd, g, args, all, latest)
			if err != nil {
				return err
			}
			opts := engine.PodRemoveOptions{Force: force, Ignore: force || ignore, Timeout: uintFlag(cmd, "time", timeout)}
			var errs []error
			for _, p := range pods {
				id, err := rt.PodRemove(cmd.Context(), p, opts)
				switch {
				case err != nil:
					errs = append(errs, err)
				case id != "":
					fmt.Fprintln(g.Stdout, id)
				}
			}
			err = outputErrors(g.Stderr, errs)
			return exitCodeFor(err, err, exitCode{define.ErrNoSuchPod, 1})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all running pods")
	f.BoolVarP(&force, "force", "f", false, "Force removal of a running pod by first stopping all containers, then removing all containers in the pod.  The default is false")
	f.BoolVarP(&ignore, "ignore", "i", false, "Ignore errors when a specified pod is missing")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest pod pier is aware of")
	f.UintVarP(&timeout, "time", "t", 10, "Seconds to wait for pod stop before killing the container")
	f.StringArrayVar(&idFiles, "pod-id-file", nil, "Read the pod ID from the file")
	return cmd
}

func podInspectCmd(g *Globals) *cobra.Command {
	var tmpl string
	var latest bool
	cmd := &cobra.Command{
		Use:   "inspect [options] POD [POD...]",
		Short: "Display a pod configuration",
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, pods, err := podArgs(cmd, g, args, false, latest)
			if err != nil {
				return err
			}
			reps := []any{}
			var errs []error
			for _, p := range pods {
				rep, err := rt.PodInspect(cmd.Context(), p)
				if errors.Is(err, define.ErrNoSuchPod) {
					err = errdefs.Errorf(errdefs.ErrNotFound, "no such pod %s", p)
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				reps = append(reps, rep)
			}
			if tmpl == "" || format.IsJSON(tmpl) {
				if err := format.JSON(g.Stdout, reps, "     "); err != nil {
					return err
				}
			} else if err := format.Template(g.Stdout, tmpl, nil, reps, true); err != nil {
				return err
			}
			return joinErrs(g, errs)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "json", "Format the output to a Go template or json")
	cmd.Flags().BoolVarP(&latest, "latest", "l", false, "Act on the latest pod pier is aware of")
	return cmd
}

func podExistsCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists POD",
		Short: "Check if a pod exists in local storage",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			return existsExit(rt.PodExists(cmd.Context(), args[0]))
		},
	}
}

func podPruneCmd(g *Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove all stopped pods and their containers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !force {
				ok, err := confirm(g, "WARNING! This will remove all stopped/exited pods..\nAre you sure you want to continue? [y/N] ")
				if err != nil || !ok {
					return err
				}
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			ids, err := rt.PodPrune(cmd.Context())
			for _, id := range ids {
				fmt.Fprintln(g.Stdout, id)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation.  The default is false")
	return cmd
}

func podTopCmd(g *Globals) *cobra.Command {
	var latest bool
	cmd := &cobra.Command{
		Use:   "top [options] POD [FORMAT-DESCRIPTORS|ARGS...]",
		Short: "Display the running processes of containers in a pod",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 && !latest {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "you must provide the name or id of a running pod")
			}
			var pods []string
			if !latest {
				pods, args = args[:1], args[1:]
			}
			rt, pods, err := podArgs(cmd, g, pods, false, latest)
			if err != nil {
				return err
			}
			if len(pods) == 0 {
				return errdefs.Errorf(errdefs.ErrNotFound, "no pods to show")
			}
			rows, err := rt.PodTop(cmd.Context(), pods[0], args)
			if errors.Is(err, define.ErrNoSuchPod) {
				return fmt.Errorf("unable to look up requested container: %w", err)
			}
			if err != nil {
				return err
			}
			return format.Table(g.Stdout, nil, rows, true)
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false) // `pod top POD -ef`: ps(1)'s options
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest pod pier is aware of")
	return cmd
}
