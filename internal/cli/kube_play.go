//go:build !pierslim

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/kube"
)

// addKubePlayCommands adds `kube play` and `kube down` to the kube group,
// and the older spelling `play kube`.
func addKubePlayCommands(root *cobra.Command, g *Globals) {
	if g.wants("kube") {
		subcommand(root, "kube").AddCommand(kubePlayCmd(g, "play"), kubeDownCmd(g))
	}
	p := &cobra.Command{Use: "play", Short: "Play containers, pods or volumes from a structured file", Hidden: true, RunE: subCommandExists}
	if g.wants("play") {
		p.AddCommand(kubePlayCmd(g, "kube"))
	}
	root.AddCommand(p)
}

type kubePlayOpts struct {
	req         kube.PlayRequest
	reg         registryFlags
	annotations []string
	configMaps  []string
	start, down bool
	force       bool
	noTrunc     bool
	build       bool
	quiet       bool
	wait        bool
	ips         []net.IP
	macs        []string
}

func kubePlayCmd(g *Globals, use string) *cobra.Command {
	var o kubePlayOpts
	cmd := &cobra.Command{
		Use:   use + " [options] [KUBEFILE [KUBEFILE...]]|-",
		Short: "Play a pod or volume based on Kubernetes YAML",
		Long: `Reads in a structured file of Kubernetes YAML.

  Creates pods or volumes based on the Kubernetes kind described in the YAML. Supported kinds are Pods, Deployments, DaemonSets, Jobs, and PersistentVolumeClaims.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, g, args)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.annotations, "annotation", nil, "Add Podman-specific annotations to containers and pods created by Podman (key=value)")
	f.StringArrayVar(&o.req.Networks, "network", nil, "Connect pod to network(s) or network mode")
	f.StringVar(&o.req.LogDriver, "log-driver", "", "Logging driver for the container")
	f.StringArrayVar(&o.req.LogOptions, "log-opt", nil, "Logging driver options")
	f.StringSliceVar(&o.req.Publish, "publish", nil, "Publish a container's port, or a range of ports, to the host")
	f.BoolVar(&o.req.PublishAll, "publish-all", false, "Whether to publish all ports defined in the K8S YAML file (containerPort, hostPort), if false only hostPort will be published")
	f.BoolVar(&o.start, "start", true, "Start the pod after creating it")
	f.BoolVar(&o.req.Replace, "replace", false, "Delete and recreate pods defined in the YAML file")
	f.BoolVar(&o.down, "down", false, "Stop pods defined in the YAML file")
	_ = f.MarkHidden("down")
	f.BoolVar(&o.force, "force", false, "Remove volumes as part of --down")
	f.StringArrayVar(&o.configMaps, "configmap", nil, "`Pathname` of a YAML file containing a kubernetes configmap")
	// Accepted and without effect, as in podman 5: long values are kept.
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Use annotations that are not truncated to the Kubernetes maximum length of 63 characters")
	_ = f.MarkHidden("no-trunc")
	f.BoolVar(&o.req.NoPodPrefix, "no-pod-prefix", false, "Do not prefix container name with pod name")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Suppress output information when pulling images")
	f.BoolVar(&o.build, "build", false, "Build all images in a YAML (given Containerfiles exist)")
	f.StringVar(&o.req.ContextDir, "context-dir", "", "Path to top level of context directory")
	f.BoolVar(&o.req.ServiceContainer, "service-container", false, "Starts a service container before all pods")
	_ = f.MarkHidden("service-container")
	f.StringVar(&o.req.ExitCodePropagation, "service-exit-code-propagation", "", "Exit-code propagation of the service container")
	_ = f.MarkHidden("service-exit-code-propagation")
	f.BoolVarP(&o.wait, "wait", "w", false, "Clean up all objects created when a SIGTERM is received or pods exit")
	f.IPSliceVar(&o.ips, "ip", nil, "Static IP addresses to assign to the pods")
	f.StringSliceVar(&o.macs, "mac-address", nil, "Static MAC addresses to assign to the pods")
	f.BoolVar(&o.req.NoHostname, "no-hostname", false, "Do not create /etc/hostname within the container, instead use the version from the image")
	f.StringVar(&o.req.Userns, "userns", "", "User namespace to use")
	f.BoolVar(&o.req.NoHosts, "no-hosts", false, "Do not create /etc/hosts within the pod's containers, instead use the version from the image")
	f.StringVar(&o.req.SeccompProfileRoot, "seccomp-profile-root", kube.DefaultSeccompRoot, "Directory path for seccomp profiles")
	o.reg.add(f, true)
	// podman 5's kube play has no --retry flags: accepted, not shown
	_ = f.MarkHidden("retry")
	_ = f.MarkHidden("retry-delay")
	f.Lookup("cert-dir").Usage = "`Pathname` of a directory containing TLS certificates and keys"
	return cmd
}

func (o *kubePlayOpts) run(cmd *cobra.Command, g *Globals, args []string) error {
	if o.req.ServiceContainer && !o.start {
		return errdefs.New(errdefs.ErrInvalidArgument, "--service-container does not work with --start=stop")
	}
	if o.wait && !o.start {
		return errdefs.New(errdefs.ErrInvalidArgument, "running a service container requires starting the pod(s)")
	}
	if cmd.Flags().Changed("build") {
		o.req.Build = kube.BuildNever
		if o.build {
			o.req.Build = kube.BuildAlways
		}
	}
	if o.req.ContextDir != "" && o.req.Build != kube.BuildAlways {
		return errdefs.New(errdefs.ErrInvalidArgument, "--build must be specified when using --context-dir option")
	}
	if !o.quiet {
		o.req.Progress = g.Stderr
	}
	macs, err := parseMACs(o.macs)
	if err != nil {
		return err
	}
	o.req.StaticMACs = macs
	for _, ip := range o.ips {
		o.req.StaticIPs = append(o.req.StaticIPs, ip.String())
	}
	if o.force && !o.down {
		return errdefs.New(errdefs.ErrInvalidArgument, "--force may be specified only with --down")
	}
	ann, err := parseKeyValues(o.annotations, "annotation")
	if err != nil {
		return err
	}
	if err := kube.ValidateAnnotations(ann); err != nil {
		return err
	}
	o.req.Annotations = ann
	o.req.NoStart = !o.start
	for _, p := range o.configMaps {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		cms, err := kube.ParseConfigMaps(data)
		if err != nil {
			return fmt.Errorf("%q: %w", p, err)
		}
		o.req.ConfigMaps = append(o.req.ConfigMaps, cms...)
	}
	pull, err := o.reg.pullOptions(cmd, g, "missing", o.quiet)
	if err != nil {
		return err
	}
	o.req.Pull = *pull
	if o.req.Data, err = readKubeInput(g.Stdin, args); err != nil {
		return err
	}
	rt, err := g.Engine(cmd.Context())
	if err != nil {
		return err
	}
	if o.down {
		return kubeDown(cmd, g, o.req.Data, o.force)
	}
	if o.req.Replace {
		// podman tears the pods down first, with its report.
		if err := kubeDown(cmd, g, o.req.Data, false); err != nil {
			return err
		}
	}
	if o.wait {
		// podman's --wait runs the pods under a service container and
		// stays in the foreground until it ends
		o.req.ServiceContainer = true
		fmt.Fprintln(g.Stdout, "Use ctrl+c to clean up or wait for pods to exit")
	}
	rep, err := kube.Play(cmd.Context(), rt, &o.req)
	if rep != nil {
		for _, w := range rep.Skipped {
			slog.Info(w)
		}
		for _, w := range rep.Warnings {
			slog.Warn(w)
		}
	}
	if err != nil {
		if o.wait && cmd.Context().Err() != nil {
			// interrupted while making the pods: tear down what exists
			return kubeWait(cmd, g, rt, o.req.Data, "")
		}
		return err
	}
	if err := printPlayReport(g, rep); err != nil || !o.wait {
		return err
	}
	return kubeWait(cmd, g, rt, o.req.Data, rep.ServiceContainerID)
}

// parseKeyValues reads key=value flags (--annotation) as podman does.
func parseKeyValues(in []string, what string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	for _, s := range in {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%s %q must include an '=' sign", what, s)
		}
		out[k] = v
	}
	return out, nil
}

// printPlayReport prints podman's report: volumes, then each pod and its
// containers; failed starts go to stderr and make the command fail.
func printPlayReport(g *Globals, rep *kube.PlayReport) error {
	for i, v := range rep.Volumes {
		if i == 0 {
			fmt.Fprintln(g.Stdout, "Volumes:")
		}
		fmt.Fprintln(g.Stdout, v)
	}
	for i, s := range rep.Secrets {
		if i == 0 {
			fmt.Fprintln(g.Stdout, "Secrets:")
		}
		fmt.Fprintln(g.Stdout, s)
	}
	failed := 0
	for _, p := range rep.Pods {
		fmt.Fprintf(g.Stdout, "Pod:\n%s\n", p.ID)
		switch len(p.Containers) {
		case 0:
			continue
		case 1:
			fmt.Fprintln(g.Stdout, "Container:")
		default:
			fmt.Fprintln(g.Stdout, "Containers:")
		}
		for _, c := range p.Containers {
			fmt.Fprintln(g.Stdout, c)
		}
		failed += len(p.ContainerErrors)
		if len(p.ContainerErrors) > 0 {
			fmt.Fprintln(g.Stdout)
		}
		for _, e := range p.ContainerErrors {
			fmt.Fprintln(g.Stderr, e)
		}
		fmt.Fprintln(g.Stdout)
	}
	if failed > 0 {
		return fmt.Errorf("failed to start %d containers", failed)
	}
	return nil
}

func kubeDownCmd(g *Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "down [options] [KUBEFILE [KUBEFILE...]]|-",
		Short: "Remove pods based on Kubernetes YAML",
		Long: `Reads in a structured file of Kubernetes YAML.

  Removes pods that have been based on the Kubernetes kind described in the YAML.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readKubeInput(g.Stdin, args)
			if err != nil {
				return err
			}
			return kubeDown(cmd, g, data, force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "remove volumes")
	return cmd
}

// kubeDown prints podman's teardown report; the last error fails the
// command, the others are printed.
func kubeDown(cmd *cobra.Command, g *Globals, data []byte, force bool) error {
	rt, err := g.Engine(cmd.Context())
	if err != nil {
		return err
	}
	rep, err := kube.Down(cmd.Context(), rt, data, force)
	if err != nil {
		return err
	}
	for _, sec := range []struct {
		title string
		ids   []string
	}{{"Pods stopped:", rep.StoppedPods}, {"Pods removed:", rep.RemovedPods}, {"Secrets removed:", rep.RemovedSecrets}, {"Volumes removed:", rep.RemovedVolumes}} {
		fmt.Fprintln(g.Stdout, sec.title)
		for _, id := range sec.ids {
			fmt.Fprintln(g.Stdout, id)
		}
	}
	return joinErrs(g, rep.Errors)
}

// readKubeInput reads the YAML: stdin for a lone "-", else each file or
// http(s) URL, joined as separate YAML documents.
func readKubeInput(stdin io.Reader, args []string) ([]byte, error) {
	if len(args) == 1 && args[0] == "-" {
		return io.ReadAll(stdin)
	}
	var buf bytes.Buffer
	for i, a := range args {
		data, err := readKubeArg(a)
		if err != nil {
			return nil, err
		}
		buf.Write(data)
		if i < len(args)-1 {
			buf.WriteString("\n---\n")
		}
	}
	return buf.Bytes(), nil
}

func readKubeArg(arg string) ([]byte, error) {
	u, err := url.ParseRequestURI(arg)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return os.ReadFile(arg)
	}
	resp, err := httpGetRetry(arg)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, errors.New("fetching " + arg + ": " + resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// httpGetRetry fetches the user's URL; a refused connection is tried again
// for a few seconds (a server just started may not listen yet).
func httpGetRetry(u string) (*http.Response, error) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		resp, err := http.Get(u) //nolint:gosec,noctx // the user's URL
		if err == nil || !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) {
			return resp, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
