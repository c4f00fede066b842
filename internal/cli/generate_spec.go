package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// generateSpecCmd is podman's `generate spec`: the SpecGenerator JSON that
// libpod's create endpoint takes to make a copy of a container.
func generateSpecCmd(g *Globals) *cobra.Command {
	var file string
	var compact, clone bool
	cmd := &cobra.Command{
		Use:     "spec [options] {CONTAINER|POD}",
		Short:   "Generate Specgen JSON based on containers or pods",
		Long:    "Generate Specgen JSON based on containers or pods",
		Example: "pier generate spec ctrID",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			sp, err := rt.GenerateSpec(cmd.Context(), args[0], clone)
			if err != nil {
				return err
			}
			out, err := json.Marshal(sp)
			if err != nil {
				return fmt.Errorf("encoding the spec: %w", err)
			}
			if !compact {
				var b bytes.Buffer
				_ = json.Indent(&b, out, "", " ")
				out = b.Bytes()
			}
			if file == "" {
				_, err = g.Stdout.Write(append(out, '\n'))
				return err
			}
			// As podman: the file is overwritten and has no final newline.
			if err := os.WriteFile(file, out, 0o644); err != nil {
				return err
			}
			fmt.Fprintln(g.Stdout, file)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "filename", "f", "", "Write output to the specified path")
	f.BoolVarP(&clone, "name", "n", true, "Specify a new name for the generated spec")
	f.BoolVarP(&compact, "compact", "c", false, "Print the json in a compact format for consumption")
	return cmd
}
