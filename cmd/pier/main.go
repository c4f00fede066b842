// Command pier is the daemonless container engine's CLI; all logic lives in
// internal/cli and internal/engine.
package main

import (
	"os"

	"github.com/pier-engine/pier/internal/cli"
	"github.com/pier-engine/pier/internal/gcpolicy"
	"github.com/pier-engine/pier/internal/image"
)

func main() {
	gcpolicy.Child()
	// containers/storage and buildah re-execute this binary (untar in a
	// chroot, the copier); that child must not run the CLI.
	if image.Reexec() {
		return
	}
	gcpolicy.CLI()
	os.Exit(cli.Execute(os.Args[1:]))
}
