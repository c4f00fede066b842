// Command pier-monitor is the per-container monitor started by pier (the
// role conmon plays for podman). All of its logic lives in
// internal/monitor; this file only calls it.
package main

import "github.com/pier-engine/pier/internal/monitor"

func main() {
	monitor.Main()
}
