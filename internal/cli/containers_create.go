package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/config"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/signal"
	"github.com/pier-engine/pier/internal/specgen"
)

// createOpts are the flags `create` and `run` share.
type createOpts struct {
	name, workdir, user, entrypoint, hostname                            string
	stopSignal, logDriver, pull                                          string
	env, envFile, labels, labelFile, volumes, tmpfs, mounts, volumesFrom []string
	ulimits                                                              []string
	stopTimeout                                                          uint
	interactive, tty, rm, readOnly, httpProxy, quiet                     bool
	reg                                                                  registryFlags
	run                                                                  runFlags
	health                                                               healthFlags
	net                                                                  netFlags
	iso                                                                  isolationFlags
	lim                                                                  limitFlags
	cg                                                                   cgroupFlags
	sb                                                                   sandboxFlags
	ident                                                                identityFlags
}

func (o *createOpts) addFlags(f *pflag.FlagSet) {
	f.SetInterspersed(false) // flags after the image belong to the command
	// -h is --hostname here, as in podman; cobra would claim it for help.
	f.Bool("help", false, "Show help")
	f.StringVar(&o.name, "name", "", "Assign a name to the container")
	f.StringVarP(&o.workdir, "workdir", "w", "", "Working directory inside the container")
	f.StringVarP(&o.user, "user", "u", "", "Username or UID (format: <name|uid>[:<group|gid>])")
	f.StringVar(&o.entrypoint, "entrypoint", "", "Overwrite the default ENTRYPOINT of the image")
	f.StringVarP(&o.hostname, "hostname", "h", "", "Set container hostname")
	f.StringVar(&o.stopSignal, "stop-signal", "", "Signal to stop a container. Default is SIGTERM")
	f.UintVar(&o.stopTimeout, "stop-timeout", 10, "Timeout (in seconds) that containers stopped by user command have to exit. If exceeded, the container will be forcibly stopped via SIGKILL.")
	f.StringVar(&o.logDriver, "log-driver", "", "Logging driver for the container")
	f.StringVar(&o.pull, "pull", "missing", `Pull image policy ("always"|"missing"|"never"|"newer")`)
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Suppress output information when pulling images")
	o.reg.add(f, true)
	o.reg.addPlatform(f)
	f.StringArrayVarP(&o.env, "env", "e", nil, "Set environment variables in container")
	f.StringArrayVar(&o.envFile, "env-file", nil, "Read in a file of environment variables")
	f.StringArrayVarP(&o.labels, "label", "l", nil, "Set metadata on container")
	f.StringArrayVar(&o.labelFile, "label-file", nil, "Read in a line delimited file of labels")
	f.StringArrayVarP(&o.volumes, "volume", "v", nil, "Bind mount a volume into the container")
	f.StringArrayVar(&o.mounts, "mount", nil, "Attach a filesystem mount to the container")
	f.StringArrayVar(&o.tmpfs, "tmpfs", nil, "Mount a temporary filesystem (tmpfs) into a container")
	f.StringArrayVar(&o.volumesFrom, "volumes-from", nil, "Mount volumes from the specified container(s)")
	f.StringArrayVar(&o.ulimits, "ulimit", nil, "Ulimit options")
	f.BoolVarP(&o.interactive, "interactive", "i", false, "Make STDIN available to the contained process")
	f.BoolVarP(&o.tty, "tty", "t", false, "Allocate a pseudo-TTY for container")
	f.BoolVar(&o.rm, "rm", false, "Remove container and any anonymous unnamed volume associated with the container after exit")
	f.BoolVar(&o.readOnly, "read-only", false, "Make containers root filesystem read-only")
	f.BoolVar(&o.httpProxy, "http-proxy", true, "Set proxy environment variables in the container based on the host proxy vars")
	o.run.add(f)
	o.health.add(f)
	o.net.add(f)
	o.iso.add(f)
	o.lim.add(f)
	o.lim.addCreateOnly(f)
	o.cg.add(f)
	o.sb.add(f)
	o.ident.add(f)
}

// proxyVars are the host variables --http-proxy copies, as podman does.
var proxyVars = specgen.ProxyVars

// request turns the flags and positional arguments into the engine's one
// create request. lookupEnv is os.LookupEnv outside tests.
func (o *createOpts) request(cmd *cobra.Command, args []string, lookupEnv func(string) (string, bool)) (*engine.CreateRequest, error) {
	switch o.pull {
	case "true":
		o.pull = string(image.PullAlways)
	case "false":
		o.pull = string(image.PullNever)
	}
	if _, err := parsePullPolicy(o.pull); err != nil {
		return nil, err
	}
	req := &engine.CreateRequest{
		Image:      args[0],
		Command:    args[1:],
		Name:       o.name,
		WorkingDir: o.workdir,
		User:       o.user,
		Hostname:   o.hostname,
		ReadOnly:   o.readOnly,
		Terminal:   o.tty,
		Stdin:      o.interactive,
		AutoRemove: o.rm,
		LogDriver:  o.logDriver,
		CreateCmd:  os.Args,
	}
	o.net.apply(req)
	if err := o.sb.apply(req); err != nil {
		return nil, err
	}
	if cmd.Flags().Changed("entrypoint") {
		ep := o.entrypoint
		req.Entrypoint = &ep
	}
	if cmd.Flags().Changed("stop-timeout") {
		t := o.stopTimeout
		req.StopTimeout = &t
	}
	if err := o.typedValues(req); err != nil {
		return nil, err
	}
	if err := o.run.apply(req); err != nil {
		return nil, err
	}
	if err := o.health.apply(cmd.Flags(), req); err != nil {
		return nil, err
	}
	if err := o.iso.apply(&req.Isolation); err != nil {
		return nil, err
	}
	var err error
	if req.Resources, err = o.lim.apply(req.Resources); err != nil {
		return nil, err
	}
	if err := o.cg.apply(&req.Limits); err != nil {
		return nil, err
	}
	if err := o.ident.apply(req); err != nil {
		return nil, err
	}
	env, err := specgen.ParseEnv(o.env, o.envFile)
	if err != nil {
		return nil, err
	}
	req.Env = env
	req.HostEnv = o.hostEnv(lookupEnv)
	labels, err := buildLabels(o.labelFile, o.labels)
	if err != nil {
		return nil, err
	}
	req.Labels = labels
	return req, nil
}

// typedValues parses the flags whose values the engine takes typed:
// mounts, ulimits and the stop signal.
func (o *createOpts) typedValues(req *engine.CreateRequest) error {
	for _, v := range o.volumes {
		m, err := specgen.ParseVolume(v)
		if err != nil {
			return err
		}
		req.Mounts = append(req.Mounts, m)
	}
	for _, v := range o.mounts {
		m, err := specgen.ParseMount(v)
		if err != nil {
			return err
		}
		if m.Type == "glob" {
			ms, err := specgen.ExpandGlob(m)
			if err != nil {
				return err
			}
			req.Mounts = append(req.Mounts, ms...)
			continue
		}
		req.Mounts = append(req.Mounts, m)
	}
	for _, v := range o.tmpfs {
		m, err := specgen.ParseTmpfs(v)
		if err != nil {
			return err
		}
		req.Mounts = append(req.Mounts, m)
	}
	req.VolumesFrom = o.volumesFrom
	for _, u := range o.ulimits {
		l, err := specgen.ParseUlimit(u)
		if err != nil {
			return err
		}
		req.Ulimits = append(req.Ulimits, l)
	}
	if o.stopSignal != "" {
		sig, err := signal.Parse(o.stopSignal)
		if err != nil {
			return err
		}
		req.StopSignal = sig
	}
	return nil
}

// hostEnv is what the host passes on, over the image's variables and
// under -e and --env-file, as in podman: its whole environment with
// --env-host, else its proxy variables with --http-proxy.
func (o *createOpts) hostEnv(lookupEnv func(string) (string, bool)) []string {
	if o.run.envHost {
		return os.Environ()
	}
	var proxy []string
	if o.httpProxy {
		for _, k := range proxyVars {
			if v, ok := lookupEnv(k); ok {
				proxy = append(proxy, k+"="+v)
			}
		}
	}
	return proxy
}

// buildLabels reads --label-file files then -l flags; "key" alone sets an
// empty value, as podman does.
func buildLabels(files, flags []string) (map[string]string, error) {
	labels := map[string]string{}
	for _, path := range files {
		lines, err := readLines(path)
		if err != nil {
			return nil, fmt.Errorf("reading label file: %w", err)
		}
		for _, l := range lines {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			k, v, _ := strings.Cut(l, "=")
			labels[k] = v
		}
	}
	for _, l := range flags {
		k, v, _ := strings.Cut(l, "=")
		if k == "" {
			return nil, fmt.Errorf("invalid label %q: %w", l, errdefs.ErrInvalidArgument)
		}
		labels[k] = v
	}
	if len(labels) == 0 {
		return nil, nil
	}
	return labels, nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(filepath.Clean(path))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

func newCreateCommand(g *Globals) *cobra.Command {
	o := &createOpts{}
	var initCtr string
	cmd := &cobra.Command{
		Use:   "create [options] IMAGE [COMMAND [ARG...]]",
		Short: "Create but do not start a container",
		Long:  "Creates a new container from the given image or storage and prepares it for running the specified command.\n\n  The container ID is then printed to stdout. You can then start it at any time with the pier start <container_id> command. The container will be created with the initial state 'created'.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := o.fullRequest(cmd, g, args)
			if err != nil {
				return err
			}
			req.InitContainerType = initCtr
			_, c, err := createContainer(cmd.Context(), g, req)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, c.Config.ID)
			return nil
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	f.StringVar(&initCtr, "init-ctr", "", "Make this a pod init container.")
	// podman 5's create accepts -a and ignores it (unchecked, not in
	// inspect; start --attach attaches every stream): so does pier.
	f.StringSliceVarP(new([]string), "attach", "a", nil, "Attach to STDIN, STDOUT or STDERR")
	return cmd
}

// confDefaults gives the flags that containers.conf defaults, as podman's
// flags take their defaults from it, the file's value unless set.
func (o *createOpts) confDefaults(cmd *cobra.Command, conf *config.Config) {
	f := cmd.Flags()
	if !f.Changed("pull") {
		o.pull = conf.Engine.PullPolicy
	}
	if !f.Changed("read-only") {
		o.readOnly = conf.Containers.ReadOnly
	}
	if !f.Changed("http-proxy") {
		o.httpProxy = conf.Containers.HTTPProxy
	}
	ct := conf.Containers
	if conf.Common != nil {
		o.iso.confDefaults(f, &conf.Common.Containers)
	}
	if !f.Changed("env-host") {
		o.run.envHost = ct.EnvHost
	}
	if !f.Changed("tz") {
		o.run.tz = ct.TZ
	}
	if !f.Changed("init") {
		o.run.init = ct.Init
	}
	o.ident.confDefaults(conf)
	// The file's annotations and log tag first: the user's, applied
	// after them, win.
	o.run.annotations = append(slices.Clone(ct.Annotations), o.run.annotations...)
	if ct.LogTag != "" {
		o.run.logOpts = append([]string{"tag=" + ct.LogTag}, o.run.logOpts...)
	}
}

// fullRequest is request with the options of the pull that create and run
// do when the image is missing (or always/newer, per --pull).
func (o *createOpts) fullRequest(cmd *cobra.Command, g *Globals, args []string) (*engine.CreateRequest, error) {
	conf, err := g.Config()
	if err != nil {
		return nil, err
	}
	o.confDefaults(cmd, conf)
	req, err := o.request(cmd, args, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	req.SdNotifySocket = g.notifySocket
	if req.Pull, err = o.reg.pullOptions(cmd, g, o.pull, o.quiet); err != nil {
		return nil, err
	}
	if err := o.sb.pullOptions(req.Pull); err != nil {
		return nil, err
	}
	return req, nil
}

func createContainer(ctx context.Context, g *Globals, req *engine.CreateRequest) (*engine.Runtime, *define.Container, error) {
	rt, err := g.Engine(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := rt.CreateContainer(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	return rt, c, nil
}
