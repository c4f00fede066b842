package cli

import (
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func flagNames(c *cobra.Command) []string {
	var n []string
	c.Flags().VisitAll(func(f *pflag.Flag) { n = append(n, f.Name) })
	sort.Strings(n)
	return n
}

// Every top-level command, by each of its names, is built alone with the
// same flags and subcommands as in the whole tree; a name the lazy table
// gets wrong shows up here, not as an "unknown command" for users.
func TestLazyRootBuildsTheInvokedCommand(t *testing.T) {
	full := NewRoot("pier", &Globals{})
	for _, want := range full.Commands() {
		for _, name := range append([]string{want.Name()}, want.Aliases...) {
			g := &Globals{only: name}
			root := newBareRoot("pier", g)
			addCommands(root, g)
			if !hasChild(root, name) {
				t.Errorf("%s: not built when invoked alone", name)
				continue
			}
			got, _, err := root.Find([]string{name})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if a, b := flagNames(got), flagNames(want); len(a) != len(b) {
				t.Errorf("%s: %d flags built alone, %d in the whole tree", name, len(a), len(b))
			}
			if a, b := len(got.Commands()), len(want.Commands()); a != b {
				t.Errorf("%s: %d subcommands built alone, %d in the whole tree", name, a, b)
			}
		}
	}
}

func TestInvokedCommand(t *testing.T) {
	root := newBareRoot("pier", &Globals{})
	for args, want := range map[string]string{
		"run --rm x":                        "run",
		"--root /r --runroot=/rr ps -a":     "ps",
		"--log-level debug container run x": "container",
		"-r ps":                             "ps",
		"--noout images":                    "images",
		"--help":                            "",
		"--no-such-flag run":                "",
		"":                                  "",
		"-- run":                            "",
	} {
		if got := invokedCommand(root, strings.Fields(args)); got != want {
			t.Errorf("invokedCommand(%q) = %q, want %q", args, got, want)
		}
	}
}
