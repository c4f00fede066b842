package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// newCompletionCommand is podman's `completion`: cobra's shell scripts for
// the whole tree, with podman's trailer line.
func newCompletionCommand(g *Globals) *cobra.Command {
	var file string
	var noDesc bool
	cmd := &cobra.Command{
		Use:   "completion [options] {bash|zsh|fish|powershell}",
		Short: "Generate shell autocompletions",
		Long: `Generate shell autocompletions.
  Valid arguments are bash, zsh, fish, and powershell.
  Please refer to the man page to see how you can load these completions.`,
		Example: `pier completion bash
  pier completion zsh -f _pier
  pier completion fish --no-desc`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		// podman hides it from the command list too.
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := g.Stdout
			if file != "" {
				f, err := os.Create(file)
				if err != nil {
					return fmt.Errorf("creating completion file: %w", err)
				}
				defer f.Close()
				w = f
			}
			return writeCompletion(cmd.Root(), w, args[0], !noDesc)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "Output the completion to file rather than stdout.")
	cmd.Flags().BoolVar(&noDesc, "no-desc", false, "Don't include descriptions in the completion output.")
	return cmd
}

func writeCompletion(root *cobra.Command, w io.Writer, shell string, desc bool) error {
	var err error
	switch shell {
	case "bash":
		err = root.GenBashCompletionV2(w, desc)
	case "zsh":
		if desc {
			err = root.GenZshCompletion(w)
		} else {
			err = root.GenZshCompletionNoDesc(w)
		}
	case "fish":
		err = root.GenFishCompletion(w, desc)
	case "powershell":
		if desc {
			err = root.GenPowerShellCompletionWithDesc(w)
		} else {
			err = root.GenPowerShellCompletion(w)
		}
	}
	if err != nil {
		return fmt.Errorf("generating %s completion: %w", shell, err)
	}
	_, err = fmt.Fprintf(w, "\n# This file is generated with %q; see: %s-completion(1)\n",
		root.Name()+" completion", root.Name())
	return err
}
