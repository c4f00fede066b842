// Command pier is the daemonless container engine's CLI; all logic lives in
// internal/cli and internal/engine.
package main

import (
	"os"

	"github.com/pier-engine/pier/internal/cli"
	"github.com/pier-engine/pier/internal/image"
)

func main() {
	// containers/storage re-executes this binary to unpack layers in a
	// chroot; that child must not run the CLI.
	if image.Reexec() {
		return
	}
	os.Exit(cli.Execute(os.Args[1:]))
}
