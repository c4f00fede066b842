// Command pier-monitor is the per-container monitor process (the role conmon
// plays for podman); its logic lives in internal/monitor.
package main

import "github.com/pier-engine/pier/internal/monitor"

func main() { monitor.Main() }
