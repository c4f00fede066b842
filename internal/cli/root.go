// Package cli builds pier's command tree. It is thin: flags in, one engine
// call, formatted output. It owns flag parsing and printing; it must not hold
// engine logic (state, locking, runtime calls).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/config"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// Globals are podman's global flags plus the lazily opened engine.
type Globals struct {
	Root, RunRoot, Runtime, StorageDriver, LogLevel, TmpDir string
	VolumePath, NetworkConfigDir                            string
	// HooksDir is --hooks-dir: OCI hooks directories over hooks_dir.
	HooksDir []string
	// DefaultMountsFile is podman's hidden --default-mounts-file: the
	// mounts.conf whose subscriptions (e.g. /run/secrets) every container
	// and RUN step gets.
	DefaultMountsFile string
	// EventsBackend is --events-backend (file, journald, none).
	EventsBackend             string
	StorageOpts, RuntimeFlags []string
	// Modules are containers.conf modules (--module), read after the
	// drop-ins.
	Modules []string

	// Root-only flags (podman's local flags of the root command: valid
	// before the subcommand only).
	Debug, NoOut, Remote bool
	Out, URL, Connection string
	// DockerConfig (--config) is docker's config directory, searched for
	// registry credentials after auth.json, as DOCKER_CONFIG is.
	DockerConfig string

	Stdin          io.Reader
	Stdout, Stderr io.Writer

	// notifySocket is the NOTIFY_SOCKET pier was started with (see
	// takeNotifySocket).
	notifySocket string

	// remote is set when the command line or the environment asks for a
	// podman service (--remote, --url, --connection, CONTAINER_HOST,
	// CONTAINER_CONNECTION): pier has no remote client, so only help works.
	remote bool

	// only is the top-level command this process runs, "" for all (see
	// root_lazy.go).
	only string

	cmd  *cobra.Command
	conf *config.Config
	rt   *engine.Runtime
}

// Config returns containers.conf, loaded once.
func (g *Globals) Config() (*config.Config, error) {
	if g.conf == nil {
		c, err := config.LoadForProcess(g.Modules...)
		if err != nil {
			// podman's words and exit code for a containers.conf it
			// cannot read: one bare line, exit 1.
			fmt.Fprintf(g.Stderr, "Failed to obtain %s configuration: %v\n", progName(), err)
			return nil, &errdefs.ExitError{Code: 1}
		}
		g.conf = c
	}
	return g.conf, nil
}

// Engine opens the engine on first use so that commands that need nothing
// (help, version) stay fast and work without a state.
func (g *Globals) Engine(ctx context.Context) (*engine.Runtime, error) {
	if g.rt != nil {
		return g.rt, nil
	}
	conf, err := g.Config()
	if err != nil {
		return nil, err
	}
	if len(g.HooksDir) > 0 {
		conf.Engine.HooksDir = g.HooksDir
	}
	flags := g.cmd.Root().PersistentFlags()
	explicit := map[string]bool{
		"GraphRoot":   flags.Changed("root"),
		"RunRoot":     flags.Changed("runroot"),
		"GraphDriver": flags.Changed("storage-driver"),
		"TmpDir":      flags.Changed("tmpdir"),
	}
	rt, err := engine.Open(ctx, engine.Options{
		Config:            conf,
		GraphRoot:         g.Root,
		RunRoot:           g.RunRoot,
		Runtime:           g.Runtime,
		RuntimeFlags:      g.RuntimeFlags,
		StorageDriver:     g.StorageDriver,
		StorageOpts:       g.storageOpts(flags),
		TmpDir:            g.TmpDir,
		VolumePath:        g.VolumePath,
		NetworkConfigDir:  g.NetworkConfigDir,
		DefaultMountsFile: g.DefaultMountsFile,
		Explicit:          explicit,
		GlobalArgs:        g.globalArgs(),
		EventsBackend:     g.EventsBackend,
		NotifySocket:      g.notifySocket,
	})
	if err != nil {
		return nil, err
	}
	g.rt = rt
	return rt, nil
}

// storageOpts are the driver options the user asked for: nil (storage.conf's)
// unless --storage-opt was given. `--storage-opt ""` means none at all, as
// in podman, so an empty value is dropped rather than handed to the driver.
func (g *Globals) storageOpts(flags *pflag.FlagSet) []string {
	if !flags.Changed("storage-opt") {
		return nil
	}
	opts := []string{}
	for _, o := range g.StorageOpts {
		if o != "" {
			opts = append(opts, o)
		}
	}
	return opts
}

// Images returns the image store of the engine.
func (g *Globals) Images(ctx context.Context) (*image.Store, error) {
	rt, err := g.Engine(ctx)
	if err != nil {
		return nil, err
	}
	return rt.Images(ctx)
}

// globalArgs replays the global flags the user set, so that the monitor's
// `pier container cleanup` sees the same engine.
func (g *Globals) globalArgs() []string {
	var args []string
	// VisitAll+Changed, not Visit: cobra parses the root's persistent flags
	// through the subcommand's flag set, so the root set never marks them.
	g.cmd.Root().PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if !f.Changed || f.Name == "help" {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+f.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+f.Name+"="+f.Value.String())
	})
	return args
}

func (g *Globals) close() {
	if g.rt != nil {
		_ = g.rt.CloseForExit()
		g.rt = nil
	}
}

// NewRoot builds the whole command tree for a program called name (podman
// names itself after argv[0] in usage and errors, and so does pier).
func NewRoot(name string, g *Globals) *cobra.Command {
	root := newBareRoot(name, g)
	addCommands(root, g)
	return root
}

// newBareRoot is the root command with its flags and no subcommands.
func newBareRoot(name string, g *Globals) *cobra.Command {
	root := &cobra.Command{
		Use:               name + " [options]",
		Long:              "Manage containers and images, daemonless",
		SilenceUsage:      true,
		SilenceErrors:     true,
		TraverseChildren:  true,
		Version:           versionString(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error { return g.preRun(cmd) },
		RunE:              subCommandExists,
	}
	addRootFlags(root, g)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help'", err, c.CommandPath())
	})
	return root
}

// subcommand is root's direct child called name, nil if there is none:
// the later add* functions put their commands under the groups (`container`,
// `image`) the earlier ones made.
func subcommand(root *cobra.Command, name string) *cobra.Command {
	for _, c := range root.Commands() {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// preRun runs before every command: logging first (an invalid level stops
// the command before it does anything), then the output redirection.
func (g *Globals) preRun(cmd *cobra.Command) error {
	g.cmd = cmd
	if err := g.setupLogging(cmd); err != nil {
		return err
	}
	if err := g.redirectStdout(); err != nil {
		return err
	}
	if g.DockerConfig != "" {
		// containers/image reads it from the environment, as podman
		// arranges it.
		if err := os.Setenv("DOCKER_CONFIG", g.DockerConfig); err != nil {
			return errdefs.WithExitCode(1, fmt.Errorf("cannot set DOCKER_CONFIG=%s: %w", g.DockerConfig, err))
		}
	}
	// Help, completion and command groups need no engine, remote or not.
	if cmd.Name() == "help" || cmd.Name() == "completion" || cmd.HasSubCommands() ||
		cmd.Name() == cobra.ShellCompRequestCmd {
		return nil
	}
	if g.remote {
		return errRemote
	}
	return nil
}

// errRemote is the answer to every command in remote mode.
var errRemote = fmt.Errorf("pier has no remote client: --remote, --url, --connection, CONTAINER_HOST and CONTAINER_CONNECTION are not supported: %w",
	errdefs.ErrNotImplemented)

// redirectStdout applies --noout and --out: podman replaces its standard
// output, so everything a command prints (container output too) goes there.
func (g *Globals) redirectStdout() error {
	path := g.Out
	if g.NoOut {
		path = os.DevNull
	}
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o666)
	if err != nil {
		return errdefs.WithExitCode(1, fmt.Errorf("unable to open file for standard output: %w", err))
	}
	// The file stays open for the life of the process, as podman's does.
	os.Stdout = f
	g.Stdout = f
	g.cmd.Root().SetOut(f)
	return nil
}

// progName is the name pier was invoked as, as podman computes it.
func progName() string {
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
}

// Execute runs pier with args and returns the process exit code.
func Execute(args []string) int {
	// As the user gave it (NOTIFY_SOCKET included), for the full binary
	// when this one hands the command line over.
	env := os.Environ()
	g := &Globals{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, notifySocket: takeNotifySocket()}
	g.remote = remoteRequested(args, os.LookupEnv)
	root := newBareRoot(progName(), g)
	g.only = invokedCommand(root, args)
	addCommands(root, g)
	if g.only != "" && !hasChild(root, g.only) {
		if lifecycleBinary {
			return execFull(args, env)
		}
		g.only = ""
		root = NewRoot(progName(), g)
	}
	if lifecycleBinary && !servedHere(root, args, env) {
		return execFull(args, env)
	}
	root.SetArgs(args)
	root.SetOut(g.Stdout)
	root.SetErr(g.Stderr)
	ctx, cancel := signalContext()
	defer cancel()
	err := root.ExecuteContext(ctx)
	g.close()
	if err == nil {
		return 0
	}
	if lifecycleBinary && errors.Is(err, errdefs.ErrNeedFull) {
		// Nothing was changed yet (ErrNeedFull comes before any write):
		// the full binary runs the same command line from the start.
		return execFull(args, env)
	}
	if !errdefs.Silent(err) {
		fmt.Fprintln(g.Stderr, "Error:", err)
	}
	return errdefs.ExitCode(err)
}

// takeNotifySocket returns NOTIFY_SOCKET and removes it from pier's
// environment, as podman keeps it from conmon and the OCI runtime: runc
// would otherwise proxy it itself (and its start would wait for READY=1),
// and nothing else pier runs may talk to the service manager in its name.
func takeNotifySocket() string {
	s := os.Getenv("NOTIFY_SOCKET")
	os.Unsetenv("NOTIFY_SOCKET")
	return s
}
