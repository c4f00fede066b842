package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/engine"
)

func newCpCommand(g *Globals) *cobra.Command {
	var chown, overwrite, pause, extract bool
	cmd := &cobra.Command{
		Use:   "cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",
		Short: "Copy files/folders between a container and the local filesystem",
		Long: `Copy the contents of SRC_PATH to the DEST_PATH.

  You can copy from the container's file system to the local machine or the reverse, from the local filesystem to the container. If "-" is specified for either the SRC_PATH or DEST_PATH, you can also stream a tar archive from STDIN or to STDOUT. The CONTAINER can be a running or stopped container. The SRC_PATH or DEST_PATH can be a file or a directory.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			srcCtr, srcPath := parseCpArg(args[0])
			dstCtr, dstPath := parseCpArg(args[1])
			if srcPath == "" || dstPath == "" {
				return fmt.Errorf("invalid arguments %s, %s you must specify paths", args[0], args[1])
			}
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			return rt.Copy(ctx, engine.CopyOptions{
				SrcContainer: srcCtr, SrcPath: srcPath, DstContainer: dstCtr, DstPath: dstPath,
				Chown: chown, Overwrite: overwrite, Stdin: g.Stdin, Stdout: g.Stdout,
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&chown, "archive", "a", true, "Chown copied files to the primary uid/gid of the destination container.")
	f.BoolVar(&overwrite, "overwrite", false, "Allow to overwrite directories with non-directories and vice versa")
	// Deprecated no-ops, as in podman.
	f.BoolVar(&extract, "extract", false, "Deprecated...")
	f.BoolVar(&pause, "pause", true, "Deprecated")
	_ = f.MarkHidden("extract")
	_ = f.MarkHidden("pause")
	return cmd
}

// parseCpArg splits "CONTAINER:PATH"; a path starting with "." or "/" is
// always the host's, as in podman.
func parseCpArg(s string) (ctr, path string) {
	if s == "" || s[0] == '.' || s[0] == '/' {
		return "", s
	}
	if c, p, ok := strings.Cut(s, ":"); ok {
		return c, p
	}
	return "", s
}
