// Package gcpolicy sets the garbage collector of pier's short-lived
// processes: the CLI, and the children that storage and buildah re-execute
// (in pier, or in pier-copier). GOGC and GOMEMLIMIT in the environment
// always win.
package gcpolicy

import (
	"math"
	"os"
	"runtime/debug"
)

// cliPercent is the collector's target for a CLI process: it lives for
// milliseconds and its live heap is small (decoded state, image metadata;
// layers are streamed), so collecting at 5x the live heap instead of 2x
// spares most cycles: `ps -a` of 500 containers uses 15% less CPU.
const cliPercent = 400

// The settings of a re-executed child (buildah's copier runs in one for
// each Stat/Get/Put of every COPY, ADD and cp; storage untars in one). A
// copier child streams files with a fresh 32 KiB buffer and xattr buffer
// per file over a live heap of a few hundred KiB, so at GOGC=100 it
// collects every 4 MiB copied: a third of its CPU in a cached build.
// Collecting at 17x the live heap (first at 64 MiB), capped by a soft
// 512 MiB limit, removes nearly all of those cycles.
const (
	childPercent     = 1600
	childMemoryLimit = 512 << 20
)

// Child sets the collector for a re-executed child. pier calls it before it
// knows whether it is one, and CLI afterwards when it is not.
func Child() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(childPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(childMemoryLimit)
	}
}

// CLI sets the collector for pier's command line process.
func CLI() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(cliPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(math.MaxInt64)
	}
}
