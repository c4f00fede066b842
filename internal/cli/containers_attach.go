package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

func newAttachCommand(g *Globals) *cobra.Command {
	var noStdin, sigProxy, latest bool
	var keysFlag string
	cmd := &cobra.Command{
		Use:   "attach [options] CONTAINER",
		Short: "Attach to a running container",
		Long:  "The pier attach command allows you to attach to a running container using the container's ID or name, either to view its ongoing output or to control it interactively.",
		// podman's validate.IDOrLatestArgs.
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return fmt.Errorf("`%s` accepts at most one argument", cmd.CommandPath())
			case latest && len(args) > 0:
				return errors.New("--latest and containers cannot be used together")
			case !latest && len(args) == 0:
				return errors.New("attach requires the name or id of one running container or the latest flag")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var names []string
			if !latest {
				names = []string{strings.TrimPrefix(args[0], "/")}
			}
			rt, ts, err := openTargets(ctx, g, names, false, latest, nil, false)
			if err != nil {
				return err
			}
			c := ts[0].ctr
			keys, err := resolveDetachKeys(cmd, g, keysFlag)
			if err != nil {
				return fmt.Errorf("attaching to container %s: %w", c.Config.ID, err)
			}
			code, err := attachRunning(ctx, g, rt, c, !noStdin && c.Config.Stdin, sigProxy, keys)
			if errors.Is(err, errDetached) {
				return nil // the container runs on
			}
			if err != nil {
				return err
			}
			return exitWith(code)
		},
	}
	f := cmd.Flags()
	addDetachKeysFlag(f, &keysFlag)
	f.BoolVar(&noStdin, "no-stdin", false, "Do not attach STDIN. The default is false")
	f.BoolVar(&sigProxy, "sig-proxy", true, "Proxy received signals to the process")
	f.BoolVarP(&latest, "latest", "l", false, "Act on the latest container pier is aware of")
	return cmd
}

// attachRunning attaches pier's stdio to the running container c and
// returns its exit code once it exits, or errDetached when the user typed
// the detach keys.
func attachRunning(ctx context.Context, g *Globals, rt *engine.Runtime, c *define.Container, stdin, sigProxy bool, keys []byte) (int, error) {
	streams := &engine.AttachStreams{Stdout: g.Stdout, Stderr: g.Stderr}
	if stdin {
		streams.Stdin = g.Stdin
	}
	if c.Config.Terminal {
		restore, resize := setupTerminal(g, stdin)
		defer restore()
		streams.Resize = resize
	}
	if sigProxy {
		ctx = context.WithoutCancel(ctx) // the container's exit ends the attach
		stop := proxySignals(ctx, rt, c.Config.ID)
		defer stop()
	}
	var cancel context.CancelFunc
	ctx, streams.Stdin, cancel = detachable(ctx, streams.Stdin, keys)
	defer cancel()
	code, err := rt.Attach(ctx, c.Config.ID, streams, engine.AttachOptions{})
	if detached(ctx) {
		return 0, errDetached
	}
	return code, err
}
