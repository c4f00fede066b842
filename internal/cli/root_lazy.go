package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Building every command's flag set costs milliseconds at each start (run,
// create and build alone define hundreds of flags, several times over:
// each also lives under its group), and a container's lifecycle is four
// short pier processes. So Execute finds the top-level command the user
// typed and the costly adders build only it (Globals.wants); anything it
// cannot place (help, completion, a typo that needs suggestions, flags it
// does not know) gets the whole tree as before.

// invokedCommand is the first positional word of args, skipping the root's
// flags and their values; "" when it cannot tell.
func invokedCommand(root *cobra.Command, args []string) string {
	lookup := func(name string) *pflag.Flag {
		if f := root.Flags().Lookup(name); f != nil {
			return f
		}
		return root.PersistentFlags().Lookup(name)
	}
	short := func(s string) *pflag.Flag {
		if f := root.Flags().ShorthandLookup(s); f != nil {
			return f
		}
		return root.PersistentFlags().ShorthandLookup(s)
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var f *pflag.Flag
		switch {
		case a == "--":
			return ""
		case !strings.HasPrefix(a, "-") || a == "-":
			return a
		case strings.Contains(a, "="):
			continue
		case strings.HasPrefix(a, "--"):
			f = lookup(a[2:])
		case len(a) == 2:
			f = short(a[1:])
		}
		if f == nil {
			return ""
		}
		if f.NoOptDefVal == "" {
			i++ // the flag's value
		}
	}
	return ""
}

// wants reports whether a top-level command called one of names is to be
// built in this process.
func (g *Globals) wants(names ...string) bool {
	if g.only == "" {
		return true
	}
	for _, n := range names {
		if n == g.only {
			return true
		}
	}
	return false
}

// hasChild reports whether root has a direct child called (or aliased) name.
func hasChild(root *cobra.Command, name string) bool {
	for _, c := range root.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return true
		}
	}
	return false
}

// namedCommand is a command constructor with the name (and aliases) the
// command it makes answers to, so that it is called only when wanted.
type namedCommand struct {
	names []string
	mk    func(*Globals) *cobra.Command
}

// addWanted adds to parent the commands of cmds that g wants; under a
// group, every command is wanted when the group is.
func addWanted(parent *cobra.Command, g *Globals, cmds []namedCommand) {
	for _, c := range cmds {
		if g.wants(c.names...) {
			parent.AddCommand(c.mk(g))
		}
	}
}
