package version

import (
	"os"
	"path/filepath"
)

// pier ships as two binaries built from the same sources (docs/decisions.md,
// "Two binaries"): the lifecycle binary users run as `pier`, which serves
// the commands of a container's life, and the full binary next to it,
// which serves everything and to which the lifecycle binary hands every
// other command line.
const (
	LifecycleBinaryName = "pier"
	FullBinaryName      = "pier-full"
)

// Executable is the pier users run: this process's executable, or, when
// this is the full binary with the lifecycle binary beside it, that one.
// Commands pier writes down for later (a monitor's exit and healthcheck
// commands, systemd units) name it, so they start the smaller binary.
func Executable() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if filepath.Base(self) != FullBinaryName {
		return self, nil
	}
	front := filepath.Join(filepath.Dir(self), LifecycleBinaryName)
	if fi, err := os.Stat(front); err == nil && fi.Mode().IsRegular() {
		return front, nil
	}
	return self, nil
}
