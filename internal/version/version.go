// Package version holds pier's version, shared by pier and pier-monitor so
// that pier can refuse a monitor built from other sources.
package version

import (
	"runtime/debug"
	"strconv"
	"time"
)

// Version is set at link time by the Makefile.
var Version = "0.1.0-dev"

// Set at link time by the Makefile, as podman's Makefile sets its own:
// buildTime is the build's time in Unix seconds (SOURCE_DATE_EPOCH when
// given, for reproducible builds), gitCommit the checkout's commit with
// "-dirty" when it had changes.
var (
	buildTime string
	gitCommit string
)

// Build reports the commit and the time of the build. Without link-time
// values the commit is Go's VCS stamp and the time is the Unix epoch, as
// podman reports for a build that did not set it.
func Build() (commit string, built time.Time) {
	built = time.Unix(0, 0)
	if s, err := strconv.ParseInt(buildTime, 10, 64); err == nil {
		built = time.Unix(s, 0)
	}
	if gitCommit != "" {
		return gitCommit, built
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", built
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if commit != "" && dirty {
		commit += "-dirty"
	}
	return commit, built
}
