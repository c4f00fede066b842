//go:build !pierslim

package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/kube"
)

// addKubeCommands adds the `kube` group with `kube generate`, and the older
// spelling `generate kube`.
func addKubeCommands(root *cobra.Command, g *Globals) {
	k := &cobra.Command{Use: "kube", Short: "Play containers, pods or volumes from a structured file", RunE: subCommandExists}
	if g.wants("kube") {
		k.AddCommand(kubeGenerateCmd(g, "generate"), kubeApplyCmd(g))
	}
	gen := &cobra.Command{
		Use: "generate", Short: "Generate structured data based on containers, pods or volumes",
		Long: "Generate structured data (e.g., Kubernetes YAML or systemd units) based on containers, pods or volumes.",
		RunE: subCommandExists,
	}
	if g.wants("generate") {
		gen.AddCommand(kubeGenerateCmd(g, "kube"), generateSystemdCmd(g), generateSpecCmd(g))
	}
	root.AddCommand(k, gen)
}

// kubeGenerateCmd is `kube generate` (and `generate kube`).
func kubeGenerateCmd(g *Globals, use string) *cobra.Command {
	var opts kube.GenerateOptions
	var file string
	cmd := &cobra.Command{
		Use:   use + " [options] {CONTAINER...|POD...|VOLUME...}",
		Short: "Generate Kubernetes YAML from containers, pods or volumes.",
		Long: `Command generates Kubernetes Pod, Service or PersistentVolumeClaim YAML (v1 specification) from Podman containers, pods or volumes.

  Whether the input is for a container or pod, Podman will always generate the specification as a pod.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			out, err := kube.Generate(cmd.Context(), rt, args, opts)
			if err != nil {
				return err
			}
			if file == "" {
				_, err = g.Stdout.Write(out)
				return err
			}
			if _, err := os.Stat(file); err == nil {
				return errdefs.Errorf(errdefs.ErrConflict, "cannot write to %q; file exists", file)
			}
			if err := os.WriteFile(file, out, 0o644); err != nil {
				return fmt.Errorf("cannot write to %q: %w", file, err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "filename", "f", "", "Write output to the specified path")
	f.BoolVarP(&opts.Service, "service", "s", false, "Generate YAML for a Kubernetes service object")
	f.StringVarP(&opts.Type, "type", "t", kube.KindPod, "Generate YAML for the given Kubernetes kind")
	f.Int32VarP(&opts.Replicas, "replicas", "r", 1, "Set the replicas number for Deployment kind")
	f.BoolVar(&opts.PodmanOnly, "podman-only", false, "Add podman-only reserved annotations to the generated YAML file (Cannot be used by Kubernetes)")
	return cmd
}

// kubeApplyCmd is `kube apply`: the YAML of -f, or what kube generate
// makes of the named objects, POSTed to a Kubernetes API server.
func kubeApplyCmd(g *Globals) *cobra.Command {
	var opts kube.ApplyOptions
	var file string
	var service bool
	cmd := &cobra.Command{
		Use:   "apply [options] [CONTAINER...|POD...|VOLUME...]",
		Short: "Deploy a podman container, pod, volume, or Kubernetes yaml to a Kubernetes cluster",
		Long:  "Command applies a podman container, pod, volume, or kube yaml to a Kubernetes cluster when a kubeconfig file is given.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("file") && cmd.Flags().Changed("service") {
				return errdefs.New(errdefs.ErrInvalidArgument, "cannot set --service and --file at the same time")
			}
			if opts.Kubeconfig == "" {
				return errdefs.New(errdefs.ErrInvalidArgument, "kubeconfig not given, unable to connect to cluster")
			}
			var data []byte
			var err error
			if cmd.Flags().Changed("file") {
				if file == "-" {
					data, err = io.ReadAll(g.Stdin)
				} else {
					data, err = os.ReadFile(file)
				}
			} else {
				var rt *engine.Runtime
				if rt, err = g.Engine(cmd.Context()); err == nil {
					data, err = kube.Generate(cmd.Context(), rt, args, kube.GenerateOptions{Service: service})
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, "Deploying to cluster...")
			if err := kube.Apply(cmd.Context(), data, opts); err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, "Successfully deployed workloads to cluster!")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Kubeconfig, "kubeconfig", "k", os.Getenv("KUBECONFIG"), "Path to the kubeconfig file for the Kubernetes cluster")
	f.StringVar(&opts.Namespace, "ns", "", "The namespace to deploy the workload to on the Kubernetes cluster")
	f.StringVar(&opts.CACertFile, "ca-cert-file", "", "Path to the CA cert file for the Kubernetes cluster.")
	f.StringVarP(&file, "file", "f", "", "Path to the Kubernetes yaml file to deploy.")
	f.BoolVarP(&service, "service", "s", false, "Create a service object for the container being deployed.")
	return cmd
}
