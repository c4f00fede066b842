//go:build !pierslim

package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	buildahdefine "go.podman.io/buildah/define"
	buildahcli "go.podman.io/buildah/pkg/cli"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// buildFlags are podman's build flags: buildah's flag sets, as podman takes
// them, plus podman's --squash-all.
type buildFlags struct {
	buildahcli.BudResults
	buildahcli.LayerResults
	buildahcli.FromAndBudResults
	buildahcli.NameSpaceResults
	buildahcli.UserNSResults
	squashAll bool
}

// addBuildCommands adds `build`, `image build` and `buildx build` (podman's
// alias for docker compatibility).
func addBuildCommands(root, img *cobra.Command, g *Globals) {
	if g.wants("buildx") {
		buildx := &cobra.Command{Use: "buildx", Short: "Build images using Buildah, as docker buildx", RunE: func(c *cobra.Command, _ []string) error { return c.Help() }}
		buildx.AddCommand(buildCmd(g))
		root.AddCommand(buildx)
	}
	if g.wants("build") {
		root.AddCommand(buildCmd(g))
	}
	if g.wants("image") {
		img.AddCommand(buildCmd(g))
	}
}

func buildCmd(g *Globals) *cobra.Command {
	var f buildFlags
	cmd := &cobra.Command{
		Use:   "build [options] [CONTEXT]",
		Short: "Build an image using instructions from Containerfiles",
		Long:  "Builds an OCI or Docker image using instructions from one or more Containerfiles and a specified build context directory.",
		Example: `  pier build .
  pier build --creds=username:password -t imageName -f Containerfile.simple .
  pier build --layers --force-rm --tag imageName .`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, cleanup, err := buildRequest(cmd, args, &f, g)
			defer cleanup()
			if err != nil {
				return err
			}
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			_, err = rt.Build(cmd.Context(), req)
			if err != nil && cmd.Context().Err() != nil {
				// Interrupted: podman's build just goes, silently.
				return &errdefs.ExitError{Code: 1}
			}
			return err
		},
	}
	defineBuildFlags(cmd, &f)
	return cmd
}

// defineBuildFlags declares buildah's flag sets with podman's defaults:
// --pull missing, --layers true (BUILDAH_LAYERS may turn it off), --force-rm
// true; docker buildx's --load and --progress are accepted and ignored,
// as podman does.
func defineBuildFlags(cmd *cobra.Command, f *buildFlags) {
	flags := cmd.Flags()
	flags.Bool("load", false, "buildx --load")
	flags.String("progress", "auto", "buildx --progress")
	_ = flags.MarkHidden("load")
	_ = flags.MarkHidden("progress")
	flags.BoolVar(&f.squashAll, "squash-all", false, "Squash all layers into a single layer")

	bud := buildahcli.GetBudFlags(&f.BudResults)
	setFlagDefault(bud.Lookup("pull"), "missing")
	bud.Lookup("pull").Usage = `Pull image policy ("always"|"missing"|"never"|"newer")`
	flags.AddFlagSet(&bud)

	layers := buildahcli.GetLayerFlags(&f.LayerResults)
	setFlagDefault(layers.Lookup("layers"), podmanLayers())
	setFlagDefault(layers.Lookup("force-rm"), "true")
	flags.AddFlagSet(&layers)

	// buildah takes these flags' defaults from containers.conf. A file
	// that does not parse must not stop every other command: the build
	// never runs then, as loading the configuration fails first with
	// podman's message.
	if fromAndBud, err := buildahcli.GetFromAndBudFlags(&f.FromAndBudResults, &f.UserNSResults, &f.NameSpaceResults); err == nil {
		flags.AddFlagSet(&fromAndBud)
	}
	flags.SetNormalizeFunc(buildahcli.AliasFlags)
}

// setFlagDefault changes a flag's default (its value and the one help
// shows) without marking it as given.
func setFlagDefault(fl *pflag.Flag, v string) {
	_ = fl.Value.Set(v)
	fl.DefValue = v
}

// podmanLayers is podman's --layers default: true unless BUILDAH_LAYERS
// says false or 0 (buildah's own default is false).
func podmanLayers() string {
	v := os.Getenv("BUILDAH_LAYERS")
	if strings.EqualFold(v, "false") || v == "0" {
		return "false"
	}
	return "true"
}

// buildRequest turns the flags into buildah's options the way podman does:
// podman chooses the context and the Containerfiles, buildah's own
// GenBuildOptions parses every other flag. cleanup removes what was
// spooled (a context from stdin) and closes the log file.
func buildRequest(cmd *cobra.Command, args []string, f *buildFlags, g *Globals) (engine.BuildRequest, func(), error) {
	var closers []func()
	cleanup := func() {
		for _, c := range closers {
			c()
		}
	}
	fl := cmd.Flags()
	if fl.Changed("squash-all") && fl.Changed("squash") {
		return engine.BuildRequest{}, cleanup, errors.New("cannot specify --squash-all with --squash")
	}
	contextArg, files, spooled, err := buildContext(args, f.File)
	if spooled != "" {
		closers = append(closers, func() { _ = os.RemoveAll(spooled) })
	}
	if err != nil {
		return engine.BuildRequest{}, cleanup, err
	}
	f.File = files
	opts := buildahcli.BuildOptions{
		LayerResults: &f.LayerResults, BudResults: &f.BudResults, UserNSResults: &f.UserNSResults,
		FromAndBudResults: &f.FromAndBudResults, NameSpaceResults: &f.NameSpaceResults,
	}
	if fl.Changed("logfile") {
		lf, err := os.OpenFile(f.Logfile, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return engine.BuildRequest{}, cleanup, err
		}
		closers = append(closers, func() { _ = lf.Close() })
		opts.Logwriter = lf
	}
	// podman has no "--rm needs --layers" rule, buildah has: --layers
	// already holds podman's default, so it counts as given.
	layersGiven := fl.Changed("layers")
	fl.Lookup("layers").Changed = true
	bo, containerfiles, removeAll, err := buildahcli.GenBuildOptions(cmd, []string{contextArg}, opts)
	for _, p := range removeAll {
		closers = append(closers, func() { _ = os.RemoveAll(p) })
	}
	if err != nil {
		return engine.BuildRequest{}, cleanup, err
	}
	podmanSquash(fl.Changed("squash"), fl.Changed("squash-all"), layersGiven, f, &bo)
	if opts.Logwriter == nil {
		bo.Out, bo.Err = g.Stdout, g.Stderr
		if !f.Quiet {
			bo.ReportWriter = g.Stderr
		}
	}
	return engine.BuildRequest{Containerfiles: containerfiles, Options: bo}, cleanup, nil
}

// podmanSquash translates podman's squash flags into buildah's: podman's
// --squash keeps the base image's layers and squashes the new ones (buildah
// --layers=false), --squash-all squashes everything (buildah --squash).
func podmanSquash(squash, squashAll, layersGiven bool, f *buildFlags, bo *buildahdefine.BuildOptions) {
	switch {
	case squash && f.Squash:
		bo.Squash, bo.Layers = false, false
	case squashAll && f.squashAll:
		bo.Squash = true
		if !layersGiven {
			bo.Layers = false
		}
	}
}

// buildContext chooses the context and the Containerfiles as podman does:
// the argument (a directory, a URL or "-" for a tar or a Containerfile on
// stdin), else the directory of the first local -f file; without -f a
// Containerfile, else a Dockerfile, in the context. spooled is a temporary
// directory to remove afterwards.
func buildContext(args, files []string) (contextDir string, containerfiles []string, spooled string, err error) {
	for _, f := range files {
		if f == "-" && len(args) == 0 {
			args = []string{"-"} // -f - alone: stdin is the whole context
			continue
		}
		containerfiles = append(containerfiles, f)
	}
	switch {
	case len(args) > 0:
		tmp, sub, err := buildahdefine.TempDirForURL("", "buildah", args[0])
		if err != nil {
			return "", nil, "", fmt.Errorf("prepping temporary context directory: %w", err)
		}
		if tmp != "" {
			spooled, contextDir = tmp, filepath.Join(tmp, sub)
		} else if contextDir, err = filepath.Abs(args[0]); err != nil {
			return "", nil, "", fmt.Errorf("determining path to directory %q: %w", args[0], err)
		}
	default:
		for i, f := range containerfiles {
			if isBuildURL(f) || f == "-" {
				continue
			}
			abs, err := filepath.Abs(f)
			if err != nil {
				return "", nil, "", fmt.Errorf("determining path to file %q: %w", f, err)
			}
			contextDir, containerfiles[i] = filepath.Dir(abs), abs
			break
		}
	}
	if contextDir == "" {
		return "", nil, spooled, errors.New("no context directory and no Containerfile specified")
	}
	if st, err := os.Stat(contextDir); err != nil || !st.IsDir() {
		return "", nil, spooled, fmt.Errorf("context must be a directory: %q", contextDir)
	}
	if len(containerfiles) == 0 {
		cf, err := findContainerfile(contextDir)
		return contextDir, []string{cf}, spooled, err
	}
	return contextDir, containerfiles, spooled, checkContainerfiles(contextDir, containerfiles)
}

func findContainerfile(dir string) (string, error) {
	for _, name := range []string{"Containerfile", "Dockerfile"} {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if st.IsDir() {
			return "", fmt.Errorf("%s:  cannot be path or directory", strings.ToLower(name))
		}
		return p, nil
	}
	return "", fmt.Errorf("no Containerfile or Dockerfile specified or found in context directory, %s: %w", dir, syscall.ENOENT)
}

// checkContainerfiles fails early, with podman's words, for a -f file that
// exists neither as given nor in the context.
func checkContainerfiles(contextDir string, files []string) error {
	for _, f := range files {
		if isBuildURL(f) || f == "-" {
			continue
		}
		if st, err := os.Stat(f); err == nil {
			if st.IsDir() {
				return fmt.Errorf("containerfile: %q cannot be path to a directory", f)
			}
			continue
		}
		if !strings.HasPrefix(f, contextDir) {
			if _, err := os.Stat(filepath.Join(contextDir, f)); err == nil {
				continue
			}
		}
		return errdefs.Errorf(errdefs.ErrNotFound, "the specified Containerfile or Dockerfile does not exist, %s: %w", f, syscall.ENOENT)
	}
	return nil
}

func isBuildURL(s string) bool {
	for _, p := range []string{"http://", "https://", "git://", "github.com/"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
