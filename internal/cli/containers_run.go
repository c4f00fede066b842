package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"

	"github.com/moby/term"
	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

func newRunCommand(g *Globals) *cobra.Command {
	o := &createOpts{}
	var detach, sigProxy, rmi bool
	var attach []string
	var keysFlag string
	var preserveFDs uint
	var preserveFD []uint
	cmd := &cobra.Command{
		Use:   "run [options] IMAGE [COMMAND [ARG...]]",
		Short: "Run a command in a new container",
		Long:  "Runs a command in a new container from the given image",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if rmi {
				// podman: --rmi implies --rm, unless --rm=false says no.
				if cmd.Flags().Changed("rm") && !o.rm {
					return errors.New("the --rmi option does not work without --rm")
				}
				o.rm = true
			}
			if err := engine.CheckInheritedFDs(preserveFDs); err != nil {
				return err
			}
			if err := engine.CheckInheritedFD(preserveFD); err != nil {
				return err
			}
			req, err := o.fullRequest(cmd, g, args) // loads containers.conf first: its errors are podman's exit 1
			if err != nil {
				return err
			}
			keys, err := resolveDetachKeys(cmd, g, keysFlag)
			if err != nil {
				// podman's run reports it as a failed start.
				return errdefs.WithExitCode(errdefs.ExitCannotInvoke, err)
			}
			req.AutoRemoveImage, req.PreserveFDs, req.Sandbox.PreserveFD = rmi, preserveFDs, preserveFD
			if o.interactive && o.tty && !term.IsTerminal(os.Stdin.Fd()) {
				fmt.Fprintln(g.Stderr, "The input device is not a TTY. The --tty and --interactive flags might not work properly")
			}
			rt, c, err := createContainer(ctx, g, req)
			if err != nil {
				return err
			}
			if detach {
				if _, err := rt.Start(ctx, c.Config.ID, engine.StartOptions{}); err != nil {
					return runStartError(removeAfterFailure(ctx, rt, c, err))
				}
				fmt.Fprintln(g.Stdout, c.Config.ID)
				return nil
			}
			sel, err := attachStreams(cmd, attach, o.interactive)
			if err != nil {
				return err
			}
			sel.keys = keys
			if !sel.stdout && !sel.stderr {
				// podman: with no output attached, the ID says what runs.
				fmt.Fprintln(g.Stdout, c.Config.ID)
			}
			code, err := startAttached(ctx, g, rt, c, sel, sigProxy)
			if errors.Is(err, errDetached) {
				return nil // it runs on; an --rm container is removed at its exit
			}
			if o.rm {
				// The monitor's cleanup may be removing it too; either
				// way it must be gone when run returns.
				if rmErr := forceRemove(ctx, rt, c); rmErr != nil && err == nil {
					slog.Warn("removing container after run", "container", c.Config.ID, "error", rmErr)
				}
			}
			if rmi {
				if rmErr := rt.RemoveImageOf(context.WithoutCancel(ctx), c); rmErr != nil {
					slog.Warn("Failed to remove image: " + rmErr.Error())
				}
			}
			if err != nil {
				return runStartError(err)
			}
			return exitWith(code)
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	o.ident.addRun(f)
	f.BoolVarP(&detach, "detach", "d", false, "Run container in background and print container ID")
	f.BoolVar(&sigProxy, "sig-proxy", true, "Proxy received signals to the process")
	f.StringArrayVarP(&attach, "attach", "a", nil, "Attach to STDIN, STDOUT or STDERR")
	addDetachKeysFlag(f, &keysFlag)
	f.BoolVar(&rmi, "rmi", false, "Remove image unless used by other containers, implies --rm")
	f.UintVar(&preserveFDs, "preserve-fds", 0, "Pass a number of additional file descriptors into the container")
	f.UintSliceVar(&preserveFD, "preserve-fd", nil, "Pass a file descriptor into the container")
	return cmd
}

// attachSet says which of the container's streams a run or start attaches.
type attachSet struct {
	stdin, stdout, stderr bool
	keys                  []byte // detach keys read from stdin; none: no detaching
}

// attachStreams follows podman's run: output streams by default, stdin
// with -i; --attach names exactly the streams to attach.
func attachStreams(cmd *cobra.Command, names []string, interactive bool) (attachSet, error) {
	if !cmd.Flags().Changed("attach") {
		return attachSet{stdin: interactive, stdout: true, stderr: true}, nil
	}
	sel := attachSet{stdin: interactive}
	for _, n := range names {
		switch strings.ToLower(n) {
		case "stdin":
			sel.stdin = true
		case "stdout":
			sel.stdout = true
		case "stderr":
			sel.stderr = true
		default:
			return sel, fmt.Errorf("invalid stream %q for --attach - must be one of stdin, stdout, or stderr: %w", n, errdefs.ErrInvalidArgument)
		}
	}
	return sel, nil
}

// runStartError gives a start that the OCI runtime refused podman run's
// exit code, 126 (start and create keep 125); failures to execute the
// command already carry 126 or 127.
func runStartError(err error) error {
	if errdefs.ExitCode(err) == errdefs.ExitEngine && engine.IsRuntimeError(err) {
		return errdefs.WithExitCode(errdefs.ExitCannotInvoke, err)
	}
	return err
}

// removeAfterFailure removes a --rm container whose start failed (podman
// leaves none behind) and returns the start error.
func removeAfterFailure(ctx context.Context, rt *engine.Runtime, c *define.Container, err error) error {
	if c.Config.AutoRemove {
		if rmErr := forceRemove(ctx, rt, c); rmErr != nil {
			slog.Warn("removing container after failed start", "container", c.Config.ID, "error", rmErr)
		}
	}
	return err
}

// forceRemove removes a --rm container even when ctx was cancelled (pier
// was interrupted); one already gone is fine, its monitor may have won.
func forceRemove(ctx context.Context, rt *engine.Runtime, c *define.Container) error {
	return ignoreMissing(rt.Remove(context.WithoutCancel(ctx), c.Config.ID, engine.RemoveOptions{Force: true}))
}

// exitWith turns a container's exit code into the CLI's, silently.
func exitWith(code int) error {
	if code == 0 {
		return nil
	}
	return &errdefs.ExitError{Code: code}
}

// proxiedSignals are forwarded to an attached container, as podman's
// --sig-proxy does; job control and window signals stay with pier.
var proxiedSignals = []os.Signal{
	syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM,
}

// startAttached starts c with pier's stdio attached and returns its exit
// code, or errDetached when the user typed the detach keys. A terminal on
// stdin is put in raw mode for a tty container and restored on return;
// window size changes are passed on.
func startAttached(ctx context.Context, g *Globals, rt *engine.Runtime, c *define.Container, sel attachSet, sigProxy bool) (int, error) {
	streams := &engine.AttachStreams{}
	if sel.stdout {
		streams.Stdout = g.Stdout
	}
	if sel.stderr {
		streams.Stderr = g.Stderr
	}
	if sel.stdin {
		streams.Stdin = g.Stdin
	}
	if c.Config.Terminal {
		restore, resize := setupTerminal(g, sel.stdin)
		defer restore()
		streams.Resize = resize
	}
	startCtx := ctx
	if sigProxy {
		// Signals go to the container; the root context must not end the
		// attach on SIGINT/SIGTERM, the container's exit does.
		startCtx = context.WithoutCancel(ctx)
		stop := proxySignals(startCtx, rt, c.Config.ID)
		defer stop()
	}
	var cancel context.CancelFunc
	startCtx, streams.Stdin, cancel = detachable(startCtx, streams.Stdin, sel.keys)
	defer cancel()
	opts := engine.StartOptions{Attach: true}
	if streams.Resize != nil {
		select { // the first value is the terminal's size now
		case sz := <-streams.Resize:
			opts.ConsoleSize = &sz
		default:
		}
	}
	sess, err := rt.Start(startCtx, c.Config.ID, opts)
	if err != nil {
		return 0, removeAfterFailure(ctx, rt, c, err)
	}
	code, err := rt.Attach(startCtx, c.Config.ID, streams, engine.AttachOptions{Session: sess})
	if detached(startCtx) {
		return 0, errDetached
	}
	if err != nil {
		return 0, removeAfterFailure(ctx, rt, c, err)
	}
	return code, nil
}

// proxySignals forwards catchable signals to the container until stop is
// called. A container that already exited is not an error worth showing.
func proxySignals(ctx context.Context, rt *engine.Runtime, id string) (stop func()) {
	return onSignals(16, func(s os.Signal) {
		sig, ok := s.(syscall.Signal)
		if !ok {
			return
		}
		if err := rt.Kill(ctx, id, sig); err != nil {
			slog.Debug("forwarding signal", "signal", sig, "container", id, "error", err)
		}
	}, proxiedSignals...)
}

// setupTerminal puts stdin in raw mode when it is a terminal and stdin is
// attached, and reports the terminal's size now and on every SIGWINCH.
func setupTerminal(g *Globals, stdin bool) (restore func(), resize <-chan engine.TermSize) {
	restore = func() {}
	inFd, inTerm := fdOf(g.Stdin)
	outFd, outTerm := fdOf(g.Stdout)
	if stdin && inTerm {
		if st, err := term.SetRawTerminal(inFd); err == nil {
			restore = func() { _ = term.RestoreTerminal(inFd, st) }
		} else {
			slog.Debug("setting terminal raw", "error", err)
		}
	}
	sizeFd, ok := outFd, outTerm
	if !ok {
		sizeFd, ok = inFd, inTerm
	}
	if !ok {
		return restore, nil
	}
	ch := make(chan engine.TermSize, 1)
	send := func() {
		ws, err := term.GetWinsize(sizeFd)
		if err != nil {
			return
		}
		select { // keep only the newest size
		case <-ch:
		default:
		}
		ch <- engine.TermSize{Height: ws.Height, Width: ws.Width}
	}
	send()
	stop := onSignals(1, func(os.Signal) { send() }, syscall.SIGWINCH)
	prev := restore
	restore = func() {
		stop()
		prev()
	}
	return restore, ch
}

func fdOf(v any) (uintptr, bool) {
	f, ok := v.(*os.File)
	if !ok {
		return 0, false
	}
	return f.Fd(), term.IsTerminal(f.Fd())
}
