package image

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pier-engine/pier/internal/version"
)

// CopierHelperEnv names the pier-copier binary that pier's copier children
// become (see cmd/pier/copier_helper.go). Set in the environment, any value
// is kept as it is: a value not starting with "/" turns the helper off.
const CopierHelperEnv = "PIER_COPIER_HELPER"

// copierHelperDirs are searched after the directory of the running pier,
// as pier-monitor's default locations are.
var copierHelperDirs = []string{"/usr/libexec/pier", "/usr/local/libexec/pier", "/usr/lib/pier"}

var copierHelperOnce sync.Once

// UseCopierHelper lets the copier children that buildah starts from now on
// (COPY and ADD of a build, cp) run in pier-copier instead of in a full
// pier: a cached build starts ~26 of them. Only a helper built with pier's
// own buildah module is used (the copier's requests are buildah's
// structures); without one, the children stay pier, as before.
func UseCopierHelper() {
	copierHelperOnce.Do(func() {
		if _, set := os.LookupEnv(CopierHelperEnv); set {
			return
		}
		want := version.CopierHelperLine()
		if strings.HasSuffix(want, " unknown") {
			return // no module information to compare
		}
		self, _ := os.Executable()
		if p := findCopierHelper(self, want); p != "" {
			os.Setenv(CopierHelperEnv, p)
		}
	})
}

// findCopierHelper returns the first pier-copier beside self or in
// copierHelperDirs whose --version prints want ("" when none does).
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
		if copierHelperVersion(p) == want {
			return p
		}
	}
	return ""
}

func copierHelperVersion(p string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
