package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/systemdgen"
	"github.com/pier-engine/pier/internal/version"
)

// systemdDeprecation is what podman 5 prints on stderr at every
// `generate systemd`.
const systemdDeprecation = `
DEPRECATED command:
It is recommended to use Quadlets for running containers and pods under systemd.

Please refer to podman-systemd.unit(5) for details.
`

// generateSystemdCmd is `generate systemd`: units that start and stop a
// container or pod through pier under systemd.
func generateSystemdCmd(g *Globals) *cobra.Command {
	var (
		o                       systemdgen.Options
		files                   bool
		outFormat, restart      string
		restartSec, start, stop uint
		env                     []string
	)
	cmd := &cobra.Command{
		Use:   "systemd [options] {CONTAINER|POD}",
		Short: "[DEPRECATED] Generate systemd units",
		Long: `Generate systemd units for a pod or container.
  The generated units can later be controlled via systemctl(1).
` + systemdDeprecation,
		Example: `podman generate systemd CTR
  podman generate systemd --new --time 10 CTR
  podman generate systemd --files --name POD`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprint(g.Stderr, systemdDeprecation)
			f := cmd.Flags()
			if err := systemdOptions(f, &o, restart, restartSec, start, stop); err != nil {
				return err
			}
			if outFormat != "" && !format.IsJSON(outFormat) {
				return errdefs.Errorf(errdefs.ErrInvalidArgument, "unknown --format argument: %s", outFormat)
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			exe, err := version.Executable()
			if err != nil {
				return fmt.Errorf("finding pier's executable: %w", err)
			}
			if o.Env, err = systemdgen.ParseEnv(env); err != nil {
				return err
			}
			o.Executable, o.Version, o.Now = exe, version.Version, time.Now()
			units, err := systemdgen.Generate(cmd.Context(), rt, args[0], &o)
			if err != nil {
				return err
			}
			if files {
				if units, err = writeUnitFiles(units, outFormat == ""); err != nil {
					return err
				}
			}
			return printUnits(g.Stdout, units, outFormat != "")
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Name, "name", "n", false, "Use container/pod names instead of IDs")
	f.BoolVarP(&files, "files", "f", false, "Generate .service files instead of printing to stdout")
	f.BoolVar(&o.Template, "template", false, "Make it a template file and use %i and %I specifiers. Working only for containers")
	f.UintVar(&start, "start-timeout", 0, "Start timeout override")
	f.UintVar(&stop, "stop-timeout", 10, "Stop timeout override")
	f.UintVarP(&stop, "time", "t", 10, "Backwards alias for --stop-timeout")
	_ = f.MarkHidden("time")
	f.BoolVar(&o.New, "new", false, "Create a new container or pod instead of starting an existing one")
	f.BoolVar(&o.NoHeader, "no-header", false, "Skip header generation")
	f.StringVar(&o.ContainerPrefix, "container-prefix", "container", "Systemd unit name prefix for containers")
	f.StringVar(&o.PodPrefix, "pod-prefix", "pod", "Systemd unit name prefix for pods")
	f.StringVar(&o.Separator, "separator", "-", "Systemd unit name separator between name/id and prefix")
	f.StringVar(&restart, "restart-policy", "on-failure", "Systemd restart-policy")
	f.UintVar(&restartSec, "restart-sec", 0, "Systemd restart-sec")
	f.StringVar(&outFormat, "format", "", "Print the created units in specified format (json)")
	f.StringArrayVar(&o.Wants, "wants", nil, "Add (weak) requirement dependencies to the generated unit file")
	f.StringArrayVar(&o.After, "after", nil, "Add dependencies order to the generated unit file")
	f.StringArrayVar(&o.Requires, "requires", nil, "Similar to wants, but declares stronger requirement dependencies")
	f.StringArrayVarP(&env, "env", "e", nil, "Set environment variables to the systemd unit files")
	f.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "timeout" {
			name = "time"
		}
		return pflag.NormalizedName(name)
	})
	return cmd
}

// systemdOptions takes the flags whose presence matters.
func systemdOptions(f *pflag.FlagSet, o *systemdgen.Options, restart string, restartSec, start, stop uint) error {
	if f.Changed("restart-policy") {
		o.RestartPolicy = &restart
	}
	if f.Changed("new") && !o.New && o.Template {
		return errdefs.New(errdefs.ErrInvalidArgument, "--template cannot be set with --new=false")
	}
	o.New = o.New || o.Template
	if f.Changed("restart-sec") {
		o.RestartSec = &restartSec
	}
	if f.Changed("start-timeout") {
		o.StartTimeout = &start
	}
	switch {
	case f.Changed("stop-timeout") && f.Changed("time"):
		return errdefs.New(errdefs.ErrInvalidArgument, "stop-timeout and time are redundant and cannot be used together")
	case f.Changed("stop-timeout"), f.Changed("time"):
		o.StopTimeout = &stop
	}
	return nil
}

// writeUnitFiles writes each unit to NAME.service in the working directory
// and returns the paths in place of the units (with a newline for the
// plain listing).
func writeUnitFiles(units map[string]string, newline bool) (map[string]string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("error getting current working directory: %w", err)
	}
	paths := map[string]string{}
	for name, text := range units {
		p := filepath.Join(cwd, name+".service")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return nil, err
		}
		if newline {
			p += "\n"
		}
		paths[name] = p
	}
	return paths, nil
}

// printUnits prints the units (or their paths) by name; podman's order is
// its map's, random, so pier sorts them.
func printUnits(w io.Writer, units map[string]string, asJSON bool) error {
	if asJSON {
		b, err := json.MarshalIndent(units, "", " ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	}
	names := make([]string, 0, len(units))
	for n := range units {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(units[n])
	}
	_, err := io.WriteString(w, b.String())
	return err
}
