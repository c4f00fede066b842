package cli

import (
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// helpTemplate and usageTemplate are podman's: "Description:" from Long,
// "Options:" with the command's own flags only (global flags are listed by
// the root's help alone).
const helpTemplate = `{{.Short}}

Description:
  {{if .Long}}{{.Long}}{{else}}{{.Short}}{{end}}

{{if or .Runnable .HasSubCommands}}{{.UsageString}}{{end}}`

const usageTemplate = `Usage:{{if (and .Runnable (not .HasAvailableSubCommands))}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.UseLine}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
  {{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Available Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Options:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}
{{end}}
`

// podmanStyle gives every command of the tree podman's help layout and
// argument errors, so commands added anywhere behave alike: the flags never
// appear as "[flags]" in usage lines, a command group run without (or with
// an unknown) subcommand says so, and a command that takes no arguments
// says "`pier version` takes no arguments".
func podmanStyle(root *cobra.Command) {
	root.SetUsageTemplate(usageTemplate)
	root.DisableFlagsInUseLine = true
	noArgs := reflect.ValueOf(cobra.NoArgs).Pointer()
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			sub.SetHelpTemplate(helpTemplate)
			sub.SetUsageTemplate(usageTemplate)
			sub.DisableFlagsInUseLine = true
			if sub.HasSubCommands() {
				sub.Args = nil
				sub.RunE = subCommandExists
			} else if sub.Args != nil && reflect.ValueOf(sub.Args).Pointer() == noArgs {
				sub.Args = takesNoArgs
			}
			walk(sub)
		}
	}
	walk(root)
}

// takesNoArgs is podman's validate.NoArgs.
func takesNoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("`%s` takes no arguments", cmd.CommandPath())
	}
	return nil
}

// subCommandExists is the action of the root and of every command group,
// as podman's validate.SubCommandExists: an unknown word is an
// unrecognized command (with suggestions), no word prints the help and
// fails.
func subCommandExists(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		suggestions := cmd.SuggestionsFor(args[0])
		if len(suggestions) == 0 {
			return fmt.Errorf("unrecognized command `%[1]s %[2]s`\nTry '%[1]s --help' for more information", cmd.CommandPath(), args[0])
		}
		return fmt.Errorf("unrecognized command `%[1]s %[2]s`\n\nDid you mean this?\n\t%[3]s\n\nTry '%[1]s --help' for more information",
			cmd.CommandPath(), args[0], strings.Join(suggestions, "\n\t"))
	}
	_ = cmd.Help()
	return fmt.Errorf("missing command '%s COMMAND'", cmd.CommandPath())
}

// logInvocation writes podman's first log lines, which scripts and tests
// use to see that a level took effect.
func logInvocation(cmd *cobra.Command, level logrus.Level) {
	if logrus.IsLevelEnabled(logrus.InfoLevel) {
		slog.Info(fmt.Sprintf("%s filtering at log level %s", os.Args[0], level))
	}
	slog.Debug(fmt.Sprintf("Called %s.PersistentPreRunE(%s)", cmd.Name(), strings.Join(os.Args, " ")))
}
