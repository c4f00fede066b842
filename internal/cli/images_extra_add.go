//go:build !pierslim

package cli

import (
	"github.com/spf13/cobra"
)

// addImageExtraCommands adds history, tree, mount, unmount and diff under
// `image`, `history` and `diff` at the top level, and the `manifest` and
// `search` commands, as podman.
func addImageExtraCommands(root *cobra.Command, g *Globals) {
	img := subcommand(root, "image")
	if img == nil {
		img = &cobra.Command{Use: "image", Short: "Manage images", RunE: func(c *cobra.Command, _ []string) error { return c.Help() }}
		root.AddCommand(img)
	}
	if g.wants("image") {
		img.AddCommand(historyCmd(g), imageTreeCmd(g), imageMountCmd(g), imageUnmountCmd(g), imageDiffCmd(g, false), searchCmd(g))
	}
	addWanted(root, g, []namedCommand{
		{[]string{"history"}, historyCmd}, {[]string{"diff"}, func(g *Globals) *cobra.Command { return imageDiffCmd(g, true) }},
		{[]string{"manifest"}, manifestCmd}, {[]string{"search"}, searchCmd},
	})
}
