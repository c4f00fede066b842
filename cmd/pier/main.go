// Command pier is the daemonless container engine's CLI; all logic lives in
// internal/cli and internal/engine.
package main

import (
	"os"
	"runtime/debug"

	"github.com/pier-engine/pier/internal/cli"
	"github.com/pier-engine/pier/internal/image"
)

// gcPercent is the collector's target for a CLI process: it lives for
// milliseconds and its live heap is small (decoded state, image metadata;
// layers are streamed), so collecting at 5x the live heap instead of 2x
// spares most cycles: `ps -a` of 500 containers uses 15% less CPU.
// GOGC in the environment still wins.
const gcPercent = 400

func main() {
	// containers/storage re-executes this binary to unpack layers in a
	// chroot; that child must not run the CLI.
	if image.Reexec() {
		return
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(cli.Execute(os.Args[1:]))
}
