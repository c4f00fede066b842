package cli

import (
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/engine"
)

// newRunlabelCommand is podman's `container runlabel`: run (or show) the
// command an image stores in a label.
func newRunlabelCommand(g *Globals) *cobra.Command {
	var rf registryFlags
	var req engine.RunlabelRequest
	var display, quiet, pull bool
	cmd := &cobra.Command{
		Use:   "runlabel [options] LABEL IMAGE [ARG...]",
		Short: "Execute the command described by an image label",
		Long:  "Executes a command as described by a container image label.",
		Example: `pier container runlabel run imageID
  pier container runlabel install imageID arg1 arg2
  pier container runlabel --display run myImage`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			req.Label, req.Image, req.Args = args[0], args[1], args[2:]
			if pull {
				opts, err := rf.pullOptions(cmd, g, "missing", quiet)
				if err != nil {
					return err
				}
				req.Pull = opts
			}
			req.Replace = req.Replace && !display
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			rl, err := rt.Runlabel(ctx, req)
			if err != nil {
				return err
			}
			if display {
				fmt.Fprintf(g.Stdout, "command: %s\n", strings.Join(append([]string{os.Args[0]}, rl.Command[1:]...), " "))
				return nil
			}
			return runLabelCommand(g, rl, quiet)
		},
	}
	f := cmd.Flags()
	rf.add(f, false)
	f.StringVar(&rf.opts.Creds, "creds", "", "`Credentials` (USERNAME:PASSWORD) to use for authenticating to a registry")
	f.BoolVar(&display, "display", false, "Preview the command that the label would run")
	f.StringVarP(&req.Name, "name", "n", "", "Assign a name to the container")
	f.BoolVarP(&quiet, "quiet", "q", false, "Suppress output information when installing images")
	f.BoolVar(&req.Replace, "replace", false, "Replace existing container with a new one from the image")
	f.BoolVar(&pull, "pull", true, "Pull the image if it does not exist locally prior to executing the label contents")
	for i := range req.Opts {
		name := fmt.Sprintf("opt%d", i+1)
		f.StringVar(&req.Opts[i], name, "", "Optional parameter to pass for install")
		_ = f.MarkHidden(name)
	}
	_ = f.MarkHidden("pull")
	return cmd
}

// runLabelCommand runs the label's command with pier's streams (none
// with --quiet), as podman does.
func runLabelCommand(g *Globals, rl *engine.Runlabel, quiet bool) error {
	c := exec.Command(rl.Command[0], rl.Command[1:]...)
	c.Env = rl.Env
	if !quiet {
		c.Stdin, c.Stdout, c.Stderr = g.Stdin, g.Stdout, g.Stderr
	}
	if err := c.Run(); err != nil {
		return fmt.Errorf("`%s %s` failed: %w", rl.Command[0], strings.Join(rl.Command[1:], " "), err)
	}
	return nil
}
