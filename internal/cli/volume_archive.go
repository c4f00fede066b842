package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func volumeExportCmd(g *Globals) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [options] VOLUME",
		Short: "Export volumes",
		Long:  "Allow content of volume to be exported into external tar.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			var w io.Writer = g.Stdout
			if output == "" {
				if f, ok := g.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
					return errors.New("cannot write to terminal, use command-line redirection or the --output flag")
				}
			} else {
				f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
				if err != nil {
					return fmt.Errorf("unable to open output file: %w", err)
				}
				defer f.Close()
				w = f
			}
			return rt.VolumeExport(cmd.Context(), args[0], w)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to a specified file (default: stdout, which must be redirected)")
	return cmd
}

func volumeImportCmd(g *Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import VOLUME [SOURCE]",
		Short: "Import a tarball contents into a podman volume",
		Long:  "Imports contents into a podman volume from specified tarball (.tar, .tar.gz, .tgz, .bzip, .tar.xz, .txz, .tar.zst).",
		Example: `  pier volume import my_vol /home/user/import.tar
  cat ctr.tar | pier volume import my_vol -`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Engine(cmd.Context())
			if err != nil {
				return err
			}
			// The volume first, as podman: a missing one is the error
			// even when the source is missing too.
			if _, err := rt.VolumeInspect(cmd.Context(), args[0]); err != nil {
				return err
			}
			src := g.Stdin
			if args[1] != "-" {
				f, err := os.Open(args[1])
				if err != nil {
					return fmt.Errorf("unable open input file: %w", err)
				}
				defer f.Close()
				src = f
			}
			return rt.VolumeImport(cmd.Context(), args[0], src)
		},
	}
}
