//go:build !pierslim

package cli

import (
	"github.com/spf13/cobra"
)

// addSystemCommands registers version and info, top-level and under
// `pier system` as podman has them.
func addSystemCommands(root *cobra.Command, g *Globals) {
	sys := &cobra.Command{
		Use:   "system",
		Short: "Manage pier",
		Long:  "Manage pier",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	addWanted(root, g, []namedCommand{
		{[]string{"version"}, newVersionCommand}, {[]string{"info"}, newInfoCommand}, {[]string{"events"}, newEventsCommand},
	})
	root.AddCommand(sys)
	if !g.wants("system") {
		return
	}
	sys.AddCommand(newInfoCommand(g), systemDfCmd(g), systemPruneCmd(g), systemResetCmd(g), systemRenumberCmd(g), systemCheckCmd(g), systemMigrateCmd(g), newEventsCommand(g), newServiceCommand(g))
}
