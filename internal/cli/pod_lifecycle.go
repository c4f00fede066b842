package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/signal"
)

// podOp is one pod-wide action; byName says podman prints the pod as the
// user named it (start, stop) rather than its full ID.
type podOp struct {
	use, short string
	byName     bool
	timeout    bool // has -t/--time
	run        func(ctx context.Context, rt *engine.Runtime, pod string, timeout *uint) (*define.Pod, error)
}

func podLifecycleCmds(g *Globals) []*cobra.Command {
	ops := []podOp{
		{use: "start", short: "Start one or more pods", byName: true,
			run: func(ctx context.Context, rt *engine.Runtime, p string, _ *uint) (*define.Pod, error) {
				return rt.PodStart(ctx, p)
			}},
		{use: "stop", short: "Stop one or more pods", byName: true, timeout: true,
			run: func(ctx context.Context, rt *engine.Runtime, p string, t *uint) (*define.Pod, error) {
				return rt.PodStop(ctx, p, t)
			}},
		{use: "restart", short: "Restart one or more pods",
			run: func(ctx context.Context, rt *engine.Runtime, p string, t *uint) (*define.Pod, error) {
				return rt.PodRestart(ctx, p, t)
			}},
		{use: "pause", short: "Pause one or more pods",
			run: func(ctx context.Context, rt *engine.Runtime, p string, _ *uint) (*define.Pod, error) {
				return rt.PodPause(ctx, p)
			}},
		{use: "unpause", short: "Unpause one or more pods",
			run: func(ctx context.Context, rt *engine.Runtime, p string, _ *uint) (*define.Pod, error) {
				return rt.PodUnpause(ctx, p)
			}},
	}
	out := make([]*cobra.Command, 0, len(ops))
	for _, op := range ops {
		out = append(out, podOpCmd(g, op))
	}
	return out
}

func podOpCmd(g *Globals, op podOp) *cobra.Command {
	var all, latest, ignore bool
	var timeout uint
	var idFiles []string
	cmd := &cobra.Command{
		Use:   op.use + " [options] POD [POD...]",
		Short: op.short,
		RunE: func(cmd *cobra.Command, args []string) error {
			named := len(args)
			args, err := withPodIDFiles(args, idFiles, false)
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
			var t *uint
			if op.timeout {
				t = uintFlag(cmd, "time", timeout)
			}
			var errs []error
			for i, name := range pods {
				p, err := op.run(cmd.Context(), rt, name, t)
				if ignore && isNoSuchPod(err) {
					continue
				}
				if err != nil {
					errs = append(errs, splitJoined(err)...)
					continue
				}
				switch {
				case op.byName && !all && !latest && i >= named:
					fmt.Fprintln(g.Stdout, p.Config.Name) // read from --pod-id-file
				case op.byName && !all && !latest:
					fmt.Fprintln(g.Stdout, name)
				default:
					fmt.Fprintln(g.Stdout, p.Config.ID)
				}
			}
			return podExit(outputErrors(g.Stderr, errs))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Act on all pods")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest pod pier is aware of")
	if op.timeout {
		f.UintVarP(&timeout, "time", "t", 10, "Seconds to wait for pod stop before killing the container")
	}
	if op.use == "stop" {
		f.BoolVarP(&ignore, "ignore", "i", false, "Ignore errors when a specified pod is missing")
	}
	if op.use == "start" || op.use == "stop" {
		f.StringArrayVar(&idFiles, "pod-id-file", nil, "Read the pod ID from the file")
	}
	return cmd
}

// withPodIDFiles adds the pod IDs read from --pod-id-file files to args; a
// missing file is skipped with ignore.
func withPodIDFiles(args, files []string, ignore bool) ([]string, error) {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			if ignore && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("reading pod ID file: %w", err)
		}
		args = append(args, strings.TrimSpace(string(b)))
	}
	return args, nil
}

func podKillCmd(g *Globals) *cobra.Command {
	var all, latest bool
	var sigSpec string
	cmd := &cobra.Command{
		Use:   "kill [options] POD [POD...]",
		Short: "Send the specified signal or SIGKILL to containers in pod",
		RunE: func(cmd *cobra.Command, args []string) error {
			// The signal is checked before any pod is looked up.
			sig, err := signal.ParseKill(sigSpec)
			if err != nil {
				return err
			}
			rt, pods, err := podArgs(cmd, g, args, all, latest)
			if err != nil {
				return err
			}
			var errs []error
			for _, name := range pods {
				p, err := rt.PodKill(cmd.Context(), name, sig)
				if err != nil {
					errs = append(errs, splitJoined(err)...)
					continue
				}
				fmt.Fprintln(g.Stdout, p.Config.ID)
			}
			return podExit(outputErrors(g.Stderr, errs))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Kill all containers in all pods")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest pod pier is aware of")
	f.StringVarP(&sigSpec, "signal", "s", "KILL", "Signal to send to the containers in the pod")
	return cmd
}

func isNoSuchPod(err error) bool { return err != nil && errors.Is(err, define.ErrNoSuchPod) }

// splitJoined returns the errors of an errors.Join (a pod operation's, one
// per container), each printed on its own "Error:" line as podman does.
func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// podExit is a pod command's exit: 125 whatever failed in a container (a
// command not found in a member is not the pod command's 127).
func podExit(err error) error {
	if err == nil {
		return nil
	}
	return errdefs.WithExitCode(errdefs.ExitEngine, err)
}
