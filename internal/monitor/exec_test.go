package monitor

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// An exec session's monitor runs a process in the running container,
// brings its output and exit code to the attached client, leaves the
// container alone when it fails, and is never taken for a stale monitor
// of the container.
func TestExecSession(t *testing.T) {
	f := newFixture(t, false, "sleep", "100")
	f.cfg.Start = true
	_, ctrMon := f.launch(t)
	defer syscall.Kill(ctrMon, syscall.SIGKILL)

	var s specs.Spec
	readJSON(t, filepath.Join(f.cfg.Bundle, "config.json"), &s)
	session := func(args ...string) *Config {
		dir := filepath.Join(f.cfg.RunDir, "exec", strings.Join(args, "-")[:4])
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		p := *s.Process
		p.Args = args
		b, _ := json.Marshal(&p)
		if err := os.WriteFile(filepath.Join(dir, "process.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		return &Config{ID: f.cfg.ID, Bundle: f.cfg.Bundle, RunDir: dir, Runtime: f.cfg.Runtime,
			LogDriver: LogNone, Start: true, ExecProcess: filepath.Join(dir, "process.json")}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	_, mon, att, err := LaunchStart(ctx, monitorBin, session("sh", "-c", "echo out; echo err >&2; exit 5"), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if isMonitorOf(mon, f.cfg.ID) {
		t.Errorf("an exec session's monitor matches the container's stale-monitor check")
	}
	var out, errOut strings.Builder
	code, err := att.Run(ctx, &AttachStreams{Stdout: &out, Stderr: &errOut})
	if err != nil || code != 5 || out.String() != "out\n" || errOut.String() != "err\n" {
		t.Errorf("exec session: code %d err %v stdout %q stderr %q", code, err, out.String(), errOut.String())
	}

	_, _, _, err = LaunchStart(ctx, monitorBin, session("nosuchcmd"), true, nil)
	if err == nil || !strings.Contains(err.Error(), "runc: exec failed") {
		t.Errorf("exec of a missing command: %v", err)
	}
	// Neither session touched the container or its monitor.
	if st, err := f.rt.State(ctx, f.cfg.ID); err != nil || st.Status != "running" {
		t.Errorf("container after exec sessions: %v %v", st, err)
	}
	if !isMonitorOf(ctrMon, f.cfg.ID) {
		t.Errorf("the container's monitor is gone")
	}
}
