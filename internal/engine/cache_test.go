package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pier-engine/pier/internal/config"
	"github.com/pier-engine/pier/internal/version"
)

// A long-lived engine (an API server) must not remember a failure: once
// the missing pier-monitor is installed, the same engine finds it.
func TestMonitorErrorNotCached(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root for storage paths")
	}
	dir := t.TempDir()
	t.Setenv("PATH", "/nonexistent")
	conf := config.Default()
	conf.Engine.MonitorPath = nil
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), Options{
		Config: conf, GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"),
		StorageDriver: "vfs", SelfExe: filepath.Join(bin, "pier"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.monitorPath(); err == nil {
		t.Fatal("found a monitor where there is none")
	}
	script := "#!/bin/sh\necho " + version.Version + "\n"
	if err := os.WriteFile(filepath.Join(bin, "pier-monitor"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, err := r.monitorPath(); err != nil || p != filepath.Join(bin, "pier-monitor") {
		t.Fatalf("after installing the monitor: %q, %v", p, err)
	}
}
