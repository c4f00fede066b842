package image

import (
	"debug/buildinfo"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
)

// CopierHelperEnv names the pier-copier binary that pier's copier children
// become (see cmd/pier/copier_helper.go). Set in the environment, any value
// is kept as it is: a value not starting with "/" turns the helper off.
const CopierHelperEnv = "PIER_COPIER_HELPER"

// copierHelperMain is the helper's main package, as its build info records.
const copierHelperMain = "github.com/pier-engine/pier/cmd/pier-copier"

// copierModules hold the code on both ends of a copier child: buildah's
// copier speaks in its own structures, over storage's archive code.
var copierModules = []string{"go.podman.io/buildah", "go.podman.io/storage"}

// copierHelperDirs are searched after the directory of the running pier,
// as pier-monitor's default locations are.
var copierHelperDirs = []string{"/usr/libexec/pier", "/usr/local/libexec/pier", "/usr/lib/pier"}

var copierHelperOnce sync.Once

// UseCopierHelper lets the copier children that buildah starts from now on
// (COPY and ADD of a build, cp) run in pier-copier instead of in a full
// pier: a cached build starts ~26 of them. Only a helper built with the
// same buildah and storage modules as this pier is used (its build info
// says so, read without running it); without one, the children stay pier,
// as before.
func UseCopierHelper() {
	copierHelperOnce.Do(func() {
		if _, set := os.LookupEnv(CopierHelperEnv); set {
			return
		}
		self, ok := debug.ReadBuildInfo()
		if !ok {
			return
		}
		want := copierModuleKey(self.Deps)
		if want == "" {
			return // no module information to compare
		}
		exe, _ := os.Executable()
		if p := findCopierHelper(exe, want); p != "" {
			os.Setenv(CopierHelperEnv, p)
		}
	})
}

// findCopierHelper returns the first pier-copier beside self or in
// copierHelperDirs built with the modules of want ("" when none is).
func findCopierHelper(self, want string) string {
	dirs := copierHelperDirs
	if self != "" {
		dirs = append([]string{filepath.Dir(self)}, dirs...)
	}
	for _, d := range dirs {
		p := filepath.Join(d, "pier-copier")
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if bi, err := buildinfo.ReadFile(p); err == nil && copierHelperMatches(bi, want) {
			return p
		}
	}
	return ""
}

func copierHelperMatches(bi *debug.BuildInfo, want string) bool {
	return bi.Path == copierHelperMain && copierModuleKey(bi.Deps) == want
}

// copierModuleKey names the versions and checksums of copierModules in
// deps (the replacement's, when replaced); "" when one is missing.
func copierModuleKey(deps []*debug.Module) string {
	var key []string
	for _, path := range copierModules {
		found := false
		for _, m := range deps {
			if m.Path != path {
				continue
			}
			if m.Replace != nil {
				m = m.Replace
			}
			key = append(key, m.Path+" "+m.Version+" "+m.Sum)
			found = true
			break
		}
		if !found {
			return ""
		}
	}
	return strings.Join(key, "; ")
}
