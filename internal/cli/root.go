// Package cli builds pier's command tree. It is thin: flags in, one engine
// call, formatted output. It owns flag parsing and printing; it must not hold
// engine logic (state, locking, runtime calls).
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/sirupsen/logrus"
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
	StorageOpts                                             []string

	Stdin          io.Reader
	Stdout, Stderr io.Writer

	cmd  *cobra.Command
	conf *config.Config
	rt   *engine.Runtime
}

// Config returns containers.conf, loaded once.
func (g *Globals) Config() (*config.Config, error) {
	if g.conf == nil {
		c, err := config.Load()
		if err != nil {
			return nil, err
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
	flags := g.cmd.Root().PersistentFlags()
	explicit := map[string]bool{
		"GraphRoot":   flags.Changed("root"),
		"RunRoot":     flags.Changed("runroot"),
		"GraphDriver": flags.Changed("storage-driver"),
		"TmpDir":      flags.Changed("tmpdir"),
	}
	rt, err := engine.Open(ctx, engine.Options{
		Config:        conf,
		GraphRoot:     g.Root,
		RunRoot:       g.RunRoot,
		Runtime:       g.Runtime,
		StorageDriver: g.StorageDriver,
		StorageOpts:   g.StorageOpts,
		TmpDir:        g.TmpDir,
		Explicit:      explicit,
		GlobalArgs:    g.globalArgs(),
	})
	if err != nil {
		return nil, err
	}
	g.rt = rt
	return rt, nil
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
		if !f.Changed {
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
		_ = g.rt.Close()
		g.rt = nil
	}
}

// NewRoot builds the whole command tree.
func NewRoot(g *Globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "pier [options]",
		Short:         "Manage containers and images, daemonless",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			g.cmd = cmd
			return setupLogging(g)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetVersionTemplate("pier version {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&g.Root, "root", "", "Path to the graph root directory where images, containers, etc. are stored")
	pf.StringVar(&g.RunRoot, "runroot", "", "Path to the 'run directory' where all state information is stored")
	pf.StringVar(&g.Runtime, "runtime", "", "Path to the OCI-compatible binary used to run containers, or a runtime name from containers.conf")
	pf.StringVar(&g.StorageDriver, "storage-driver", "", "Select which storage driver is used to manage storage of images and containers")
	pf.StringArrayVar(&g.StorageOpts, "storage-opt", nil, "Used to pass an option to the storage driver")
	pf.StringVar(&g.LogLevel, "log-level", "warn", "Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)")
	pf.StringVar(&g.TmpDir, "tmpdir", "", "Path to the tmp directory for libpod state content")
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help'", err, c.CommandPath())
	})
	for _, add := range []func(*cobra.Command, *Globals){
		addContainerCommands,
		addImageCommands,
		addImageExtraCommands,
		addRegistryCommands,
		addSystemCommands,
	} {
		add(root, g)
	}
	return root
}

func setupLogging(g *Globals) error {
	var lvl slog.Level
	switch strings.ToLower(g.LogLevel) {
	case "trace", "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "warn", "warning":
		lvl = slog.LevelWarn
	case "error", "fatal", "panic":
		lvl = slog.LevelError
	default:
		return fmt.Errorf("invalid log level %q: %w", g.LogLevel, errdefs.ErrInvalidArgument)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(g.Stderr, &slog.HandlerOptions{Level: lvl})))
	// containers/image and storage log through logrus; keep their info
	// lines ("reconnecting...") quiet unless asked for, as podman does.
	logrus.SetOutput(g.Stderr)
	switch {
	case lvl <= slog.LevelDebug:
		logrus.SetLevel(logrus.DebugLevel)
	case lvl <= slog.LevelInfo:
		logrus.SetLevel(logrus.InfoLevel)
	case lvl <= slog.LevelWarn:
		logrus.SetLevel(logrus.WarnLevel)
	default:
		logrus.SetLevel(logrus.ErrorLevel)
	}
	return nil
}

// Execute runs pier with args and returns the process exit code.
func Execute(args []string) int {
	g := &Globals{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	root := NewRoot(g)
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
	if !errdefs.Silent(err) {
		fmt.Fprintln(g.Stderr, "Error:", err)
	}
	return errdefs.ExitCode(err)
}
