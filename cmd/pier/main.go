// Command pier is the daemonless container engine's CLI; all logic lives in
// internal/cli and internal/engine.
package main

import (
	"math"
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

// The collector's settings in a re-executed child (buildah's copier runs in
// one for each Stat/Get/Put of every COPY, ADD and cp; storage untars in
// one). A copier child streams files with a fresh 32 KiB buffer and xattr
// buffer per file over a live heap of a few hundred KiB, so at GOGC=100 it
// collects every 4 MiB copied: a third of its CPU in a cached build.
// Collecting at 17x the live heap (first at 64 MiB), capped by a soft
// 512 MiB limit, removes nearly all of those cycles. GOGC and GOMEMLIMIT
// in the environment still win.
const (
	reexecGCPercent   = 1600
	reexecMemoryLimit = 512 << 20
)

func main() {
	setGC := os.Getenv("GOGC") == ""
	setLimit := os.Getenv("GOMEMLIMIT") == ""
	if setGC {
		debug.SetGCPercent(reexecGCPercent)
	}
	if setLimit {
		debug.SetMemoryLimit(reexecMemoryLimit)
	}
	// containers/storage and buildah re-execute this binary (untar in a
	// chroot, the copier); that child must not run the CLI.
	if image.Reexec() {
		return
	}
	if setGC {
		debug.SetGCPercent(gcPercent)
	}
	if setLimit {
		debug.SetMemoryLimit(math.MaxInt64)
	}
	os.Exit(cli.Execute(os.Args[1:]))
}
