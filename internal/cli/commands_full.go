//go:build !pierslim

package cli

import "github.com/spf13/cobra"

// lifecycleBinary is false in the full binary: it serves every command.
const lifecycleBinary = false

// execFull is only reached in the lifecycle binary.
func execFull([]string, []string) int { panic("execFull in the full binary") }

// servedHere: the full binary serves everything.
func servedHere(*cobra.Command, []string, []string) bool { return true }

// addCommands adds every command g wants to root.
func addCommands(root *cobra.Command, g *Globals) {
	for _, add := range []func(*cobra.Command, *Globals){
		addContainerCommands,
		addImageCommands,
		addImageExtraCommands,
		addStorageCommands,
		addRegistryCommands,
		addSystemCommands,
		addNetworkCommands,
		addVolumeCommands,
		addSecretCommands,
		addHealthcheckCommands,
		addPodCommands,
		addKubeCommands,
		addKubePlayCommands,
	} {
		add(root, g)
	}
	addWanted(root, g, []namedCommand{{[]string{"completion"}, newCompletionCommand}, {[]string{"unshare"}, unshareCmd}})
	podmanStyle(root)
	completeFormats(root)
	completeArgs(root, g)
}
