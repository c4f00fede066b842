// Command pier-copier runs buildah's copier for pier: the child that
// buildah re-executes for every Stat, Get and Put of a COPY, ADD or cp
// (chrooted into the root it serves). pier re-executes itself for that;
// its constructor (cmd/pier/copier_helper.go) hands the child over to this
// binary, which starts in a quarter of the time: it holds only the copier,
// where pier's start-up runs the package initializers of the whole engine.
// It is buildah's own copier code, and pier uses it only when its build
// info names the same buildah and storage modules as pier's own, so the
// child does exactly what pier's would.
package main

import (
	"fmt"
	"os"

	_ "go.podman.io/buildah/copier" // registers the "buildah-copier" child
	"go.podman.io/storage/pkg/reexec"

	"github.com/pier-engine/pier/internal/gcpolicy"
)

func main() {
	gcpolicy.Child()
	if reexec.Init() {
		return
	}
	fmt.Fprintln(os.Stderr, "pier-copier: pier's internal helper, not meant to be run directly")
	os.Exit(125)
}
