// Command pier is the daemonless container engine's CLI; all logic lives in
// internal/cli and internal/engine.
package main

import (
	"os"

	"github.com/pier-engine/pier/internal/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:]))
}
