package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/logging"
)

const defaultLogLevel = "warn"

// addRootFlags declares podman's global flags. Like podman, the flags that
// choose a remote service are the root's own (valid before the subcommand
// only), the engine flags are persistent, and in remote mode the engine
// flags do not exist at all (`--remote --root x` is an unknown flag).
func addRootFlags(root *cobra.Command, g *Globals) {
	lf := root.Flags()
	lf.StringVarP(&g.Connection, "connection", "c", os.Getenv("CONTAINER_CONNECTION"), "Connection to use for remote Podman service (CONTAINER_CONNECTION)")
	lf.StringVar(&g.URL, "url", urlDefault(), "URL to access Podman service (CONTAINER_HOST)")
	lf.StringVar(&g.DockerConfig, "config", "", "Path to directory containing authentication config file")
	lf.StringVar(&g.Out, "out", "", "Send output (stdout) from pier to a file")
	lf.BoolVar(&g.NoOut, "noout", false, "do not output to stdout")
	_ = lf.MarkHidden("noout") // superseded by --out, as in podman
	lf.BoolVarP(&g.Remote, "remote", "r", g.remote, "Access remote Podman service")
	lf.BoolVarP(&g.Debug, "debug", "D", false, "Docker compatibility, force setting of log-level")
	_ = lf.MarkHidden("debug")

	pf := root.PersistentFlags()
	if g.remote {
		_ = lf.MarkHidden("remote")
	} else {
		pf.StringVar(&g.Root, "root", "", "Path to the graph root directory where images, containers, etc. are stored")
		pf.StringVar(&g.RunRoot, "runroot", "", "Path to the 'run directory' where all state information is stored")
		pf.StringArrayVar(&g.Modules, "module", nil, "Load the containers.conf(5) module")
		pf.StringVar(&g.Runtime, "runtime", "", "Path to the OCI-compatible binary used to run containers, or a runtime name from containers.conf")
		pf.StringArrayVar(&g.RuntimeFlags, "runtime-flag", []string{}, "add global flags for the container runtime")
		pf.StringVar(&g.StorageDriver, "storage-driver", "", "Select which storage driver is used to manage storage of images and containers")
		pf.StringVar(&g.TmpDir, "tmpdir", "", "Path to the tmp directory for libpod state content")
		pf.StringVar(&g.VolumePath, "volumepath", "", "Path to the volume directory in which volume data is stored")
		pf.StringVar(&g.NetworkConfigDir, "network-config-dir", "", "Path of the configuration directory for networks")
		pf.StringArrayVar(&g.HooksDir, "hooks-dir", nil, "Set the OCI hooks directory path (may be set multiple times)")
		pf.StringVar(&g.DefaultMountsFile, "default-mounts-file", "", "Path to default mounts file")
		_ = pf.MarkHidden("default-mounts-file")
		pf.StringVar(&g.EventsBackend, "events-backend", "", `Events backend to use ("file"|"journald"|"none")`)
	}
	pf.StringArrayVar(&g.StorageOpts, "storage-opt", []string{}, "Used to pass an option to the storage driver")
	// podman's help flag has no -h: subcommands use -h for themselves
	// (run -h is --hostname); a bare -h still shows help (pflag's ErrHelp).
	pf.Bool("help", false, "Help for "+strings.Fields(root.Use)[0])
	pf.StringVar(&g.LogLevel, "log-level", defaultLogLevel,
		fmt.Sprintf("Log messages above specified level (%s)", strings.Join(logging.Levels, ", ")))
}

// urlDefault is podman's: CONTAINER_HOST, else the rootful API socket.
func urlDefault() string {
	if h := os.Getenv("CONTAINER_HOST"); h != "" {
		return h
	}
	return "unix:///run/podman/podman.sock"
}

// remoteRequested reports whether the command line (before the subcommand)
// or the environment selects a remote service, as podman decides it before
// it builds its flags.
func remoteRequested(args []string, lookupEnv func(string) (string, bool)) bool {
	if _, ok := lookupEnv("CONTAINER_HOST"); ok {
		return true
	}
	if _, ok := lookupEnv("CONTAINER_CONNECTION"); ok {
		return true
	}
	fs := pflag.NewFlagSet("remote", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.Usage = func() {}
	fs.SetInterspersed(false)
	fs.SetOutput(nopWriter{})
	remote := fs.BoolP("remote", "r", false, "")
	fs.StringP("connection", "c", "", "")
	fs.String("url", "", "")
	start := 0
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		start = 1
	}
	_ = fs.Parse(args[start:])
	return *remote || fs.Changed("connection") || fs.Changed("url")
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// setupLogging validates --log-level and --debug as podman does: a bad
// value prints one bare line (no "Error:") and exits 1 before the command
// runs.
func (g *Globals) setupLogging(cmd *cobra.Command) error {
	if g.Debug {
		if g.LogLevel != defaultLogLevel {
			fmt.Fprintln(g.Stderr, "Setting --log-level and --debug is not allowed")
			return &errdefs.ExitError{Code: 1}
		}
		g.LogLevel = "debug"
	}
	level, err := logging.ParseLevel(g.LogLevel)
	if err != nil {
		fmt.Fprintln(g.Stderr, err)
		return &errdefs.ExitError{Code: 1}
	}
	logging.Setup(g.Stderr, level)
	logInvocation(cmd, level)
	return nil
}
