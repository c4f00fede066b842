package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/moby/term"
	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
)

// defaultDetachKeys is podman's: ctrl-p, ctrl-q.
const defaultDetachKeys = "ctrl-p,ctrl-q"

type execFlags struct {
	interactive, tty, detach, privileged, latest bool
	noSession                                    bool
	user, workdir, detachKeys, cidFile           string
	env, envFile                                 []string
	preserveFDs                                  uint
	preserveFD                                   []uint
}

func newExecCommand(g *Globals) *cobra.Command {
	var o execFlags
	cmd := &cobra.Command{
		Use:   "exec [options] CONTAINER COMMAND [ARG...]",
		Short: "Run a process in a running container",
		Long:  "Run a process in a running container",
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.noSession && (o.detach || cmd.Flags().Changed("detach-keys")) {
				return errors.New("--no-session cannot be used with --detach or --detach-keys")
			}
			if !cmd.Flags().Changed("detach-keys") {
				// containers.conf's detach_keys, as podman
				conf, err := g.Config()
				if err != nil {
					return err
				}
				if conf.Common != nil {
					o.detachKeys = conf.Common.Engine.DetachKeys
				}
			}
			return runExec(cmd.Context(), g, &o, args)
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.BoolVarP(&o.interactive, "interactive", "i", false, "Make STDIN available to the contained process")
	f.BoolVarP(&o.tty, "tty", "t", false, "Allocate a pseudo-TTY. The default is false")
	f.BoolVarP(&o.detach, "detach", "d", false, "Run the exec session in detached mode (backgrounded)")
	f.BoolVar(&o.privileged, "privileged", false, "Give the process extended Linux capabilities inside the container.  The default is false")
	f.BoolVarP(&o.latest, "latest", "l", false, "Act on the latest container pier is aware of")
	f.StringVarP(&o.user, "user", "u", "", "Sets the username or UID used and optionally the groupname or GID for the specified command")
	f.StringVarP(&o.workdir, "workdir", "w", "", "Working directory inside the container")
	addDetachKeysFlag(f, &o.detachKeys)
	f.StringArrayVarP(&o.env, "env", "e", nil, "Set environment variables")
	f.StringArrayVar(&o.envFile, "env-file", nil, "Read in a file of environment variables")
	f.UintVar(&o.preserveFDs, "preserve-fds", 0, "Pass N additional file descriptors to the container")
	f.UintSliceVar(&o.preserveFD, "preserve-fd", nil, "Pass a list of additional file descriptors to the container")
	f.StringVar(&o.cidFile, "cidfile", "", "File to read the container ID from")
	f.BoolVar(&o.noSession, "no-session", false, "Do not create a database session for the exec process")
	return cmd
}

func runExec(ctx context.Context, g *Globals, o *execFlags, args []string) error {
	switch {
	case len(args) == 0 && !o.latest && o.cidFile == "":
		return errors.New("exec requires the name or ID of a container or the --latest or --cidfile flag")
	case o.latest && o.cidFile != "":
		return errors.New("--latest and --cidfile can not be used together")
	}
	rt, err := g.Engine(ctx)
	if err != nil {
		return err
	}
	var name string
	switch {
	case o.latest:
		ts, err := latestTarget(ctx, rt)
		if err != nil {
			return err
		}
		name = ts[0].ctr.Config.ID
	case o.cidFile != "":
		if name, err = readExecCIDFile(o.cidFile); err != nil {
			return err
		}
	default:
		name, args = args[0], args[1:]
	}
	keys, err := detachKeys(o.detachKeys)
	if err != nil {
		return errdefs.WithExitCode(255, err)
	}
	env, err := specgen.ParseEnv(o.env, o.envFile)
	if err != nil {
		return err
	}
	opts := engine.ExecOptions{
		Cmd: args, Env: env, Terminal: o.tty, Interactive: o.interactive, Detach: o.detach,
		User: o.user, WorkDir: o.workdir, Privileged: o.privileged, PreserveFDs: o.preserveFDs,
		PreserveFD: o.preserveFD, NoSession: o.noSession,
	}
	if o.detach {
		_, id, err := rt.Exec(ctx, name, opts, nil)
		if err != nil {
			return err
		}
		fmt.Fprintln(g.Stdout, id)
		return nil
	}
	streams := &engine.AttachStreams{Stdout: g.Stdout, Stderr: g.Stderr}
	// Ctrl-C (not a tty: the terminal's raw mode passes it on) ends pier
	// alone, as podman's exec: the session runs on.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if o.interactive {
		streams.Stdin = g.Stdin
		if o.tty && len(keys) > 0 {
			streams.Stdin = &detachReader{r: g.Stdin, keys: keys, detach: func() { cancel(errDetached) }}
		}
	}
	if o.tty {
		restore, resize := setupTerminal(g, o.interactive)
		defer restore()
		streams.Resize = resize
		if resize != nil {
			select {
			case sz := <-resize:
				opts.ConsoleSize = &sz
			default:
			}
		}
	}
	code, _, err := rt.Exec(ctx, name, opts, streams)
	if errors.Is(context.Cause(ctx), errDetached) {
		return nil
	}
	if ctx.Err() != nil {
		return exitWith(130) // interrupted, as a shell reports SIGINT
	}
	if err != nil {
		return err
	}
	return exitWith(code)
}

// readExecCIDFile is the container named by the first line of path, as
// podman takes it: untrimmed, an empty one an error.
func readExecCIDFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading CIDFile: %w", err)
	}
	name, _, _ := strings.Cut(string(b), "\n")
	if name == "" {
		return "", errors.New("name or ID cannot be empty")
	}
	return name, nil
}

// detachKeys parses a --detach-keys value ("" disables detaching).
func detachKeys(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := term.ToBytes(s)
	if err != nil {
		return nil, fmt.Errorf("invalid detach keys: %w", err)
	}
	return b, nil
}

// detachReader passes stdin on until the detach key sequence is typed;
// a partial sequence is held back and passed on when it does not complete.
type detachReader struct {
	r       io.Reader
	keys    []byte
	matched int
	detach  func()
	done    bool
}

func (d *detachReader) Read(p []byte) (int, error) {
	if d.done {
		return 0, io.EOF
	}
	// Room for a held-back partial sequence to be passed on with the rest.
	if len(p) <= len(d.keys) {
		return 0, io.ErrShortBuffer
	}
	buf := make([]byte, len(p)-len(d.keys))
	n, err := d.r.Read(buf)
	out := p[:0]
	for _, b := range buf[:n] {
		if b == d.keys[d.matched] {
			d.matched++
			if d.matched == len(d.keys) {
				d.done = true
				d.detach()
				return len(out), nil
			}
			continue
		}
		out = append(out, d.keys[:d.matched]...)
		d.matched = 0
		if b == d.keys[0] {
			d.matched = 1
			continue
		}
		out = append(out, b)
	}
	return len(out), err
}
