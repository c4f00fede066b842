// Command pier-quadlet is a systemd generator: it reads podman's quadlet
// .container files and writes service units that run them with pier.
// systemd calls it as `pier-quadlet NORMAL_DIR [EARLY_DIR LATE_DIR]`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pier-engine/pier/internal/quadlet"
	"github.com/pier-engine/pier/internal/version"
)

func main() {
	dryRun := flag.Bool("dryrun", false, "Run in dryrun mode printing debug information")
	user := flag.Bool("user", false, "Run as systemd user")
	_ = flag.Bool("no-kmsg-log", false, "Don't log to kmsg")
	_ = flag.Bool("v", false, "Print debug information")
	showVersion := flag.Bool("version", false, "Print version information and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	// As podman's: installed under a name with "user" in it, it is the
	// user session's generator.
	isUser := *user || strings.Contains(filepath.Base(os.Args[0]), "user")
	if !*dryRun && flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "pier-quadlet: missing output directory argument")
		os.Exit(1)
	}
	opts := quadlet.Options{OutputDir: flag.Arg(0), DryRun: *dryRun, User: isUser, Pier: pierPath(), Out: os.Stdout}
	if err := quadlet.Generate(opts, quadlet.UnitDirs(isUser)); err != nil {
		fmt.Fprintf(os.Stderr, "pier-quadlet: %v\n", err)
		os.Exit(1)
	}
}

// pierPath is $PIER, else the pier installed beside this generator (the
// generator is usually a symlink in systemd's generator directory).
func pierPath() string {
	if p := os.Getenv("PIER"); p != "" {
		return p
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		return filepath.Join(filepath.Dir(exe), "pier")
	}
	return "/usr/bin/pier"
}
