// Package version holds pier's version, shared by pier and pier-monitor so
// that pier can refuse a monitor built from other sources.
package version

import (
	"runtime/debug"
	"time"
)

// Version is set at link time by the Makefile.
var Version = "0.1.0-dev"

// Build reports the commit and commit time Go recorded from the checkout
// (-buildvcs); both are empty when built outside git.
func Build() (commit string, built time.Time) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", time.Time{}
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.time":
			built, _ = time.Parse(time.RFC3339, s.Value)
		}
	}
	return commit, built
}
