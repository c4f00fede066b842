//go:build pierslim

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/version"
)

// lifecycleBinary: this is the lifecycle binary (docs/decisions.md, "Two
// binaries"): it serves the commands of a container's life, and hands
// every other command line, help and completion included, to the full
// binary, which it execs in its place (same arguments, same standard
// streams, so the same output and exit code).
const lifecycleBinary = true

// addCommands adds the lifecycle commands g wants to root: the commands
// podman has at the top level and under `container`, with the full
// binary's constructors (so the same flags and behaviour), and under
// `container` list, inspect, exists and cleanup (the monitor's exit
// command); `healthcheck run` is the monitor's health command.
func addCommands(root *cobra.Command, g *Globals) {
	cmds := sharedContainerCommands()
	addWanted(root, g, cmds)
	ctr := &cobra.Command{Use: "container", Short: "Manage containers", Args: cobra.NoArgs}
	root.AddCommand(ctr)
	if g.wants("container") {
		for _, c := range cmds {
			ctr.AddCommand(c.mk(g))
		}
		list := newPsCommand(g)
		list.Use = "list [options]"
		list.Aliases = []string{"ls"}
		ctr.AddCommand(list, newInspectCommand(g, inspectContainer), newExistsCommand(g), newCleanupCommand(g))
	}
	if g.wants("healthcheck") {
		addHealthcheckCommands(root, g)
	}
	podmanStyle(root)
}

// servedHere reports whether the command line names a runnable command of
// this binary's tree; help of any kind goes to the full binary, whose
// tree has every command.
func servedHere(root *cobra.Command, args, env []string) bool {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == root || !cmd.Runnable() || cmd.HasSubCommands() {
		return false
	}
	root.SetHelpFunc(func(*cobra.Command, []string) { os.Exit(execFull(args, env)) })
	return true
}

// execFull replaces this process with the full binary running args in
// env.
func execFull(args, env []string) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error: finding pier's own executable:", err)
		return errdefs.ExitEngine
	}
	full := filepath.Join(filepath.Dir(self), version.FullBinaryName)
	argv := append([]string{os.Args[0]}, args...)
	err = syscall.Exec(full, argv, env)
	fmt.Fprintf(os.Stderr, "Error: running %s (pier's full binary, installed next to %s): %v\n", full, self, err)
	return errdefs.ExitEngine
}
