package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/kube"
)

// addKubeCommands adds the `kube` group with `kube generate`, and the older
// spelling `generate kube`.
func addKubeCommands(root *cobra.Command, g *Globals) {
	k := &cobra.Command{Use: "kube", Short: "Play containers, pods or volumes from a structured file", RunE: subCommandExists}
	k.AddCommand(kubeGenerateCmd(g, "generate"))
	gen := &cobra.Command{Use: "generate", Short: "Generate structured data based on containers, pods or volumes", RunE: subCommandExists}
	gen.AddCommand(kubeGenerateCmd(g, "kube"))
	root.AddCommand(k, gen)
}

// kubeGenerateCmd is `kube generate` (and `generate kube`).
func kubeGenerateCmd(g *Globals, use string) *cobra.Command {
	var opts kube.GenerateOptions
	var file string
	cmd := &cobra.Command{
		Use:   use + " [options] {CONTAINER...|POD...|VOLUME...}",
		Short: "Generate Kubernetes YAML based on containers, pods or volumes.",
		Args:  cobra.MinimumNArgs(1),
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
