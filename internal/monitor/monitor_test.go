package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/logs"
	"github.com/pier-engine/pier/internal/oci"
	"github.com/pier-engine/pier/internal/version"
)

// These tests drive the real pier-monitor binary and the real runc; they
// need root, /usr/sbin/runc (Debian package runc) and /bin/busybox
// (Debian package busybox-static).

var monitorBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pier-monitor-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	monitorBin = filepath.Join(dir, "pier-monitor")
	// Built as the Makefile does, with this test binary's version.
	out, err := exec.Command("go", "build", "-trimpath",
		"-ldflags", "-s -w -X github.com/pier-engine/pier/internal/version.Version="+version.Version,
		"-o", monitorBin, "github.com/pier-engine/pier/cmd/pier-monitor").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building pier-monitor: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const runcPath = "/usr/sbin/runc"

func prereqs(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("these tests need root (runc creates real containers)")
	}
	for p, pkg := range map[string]string{runcPath: "runc", "/bin/busybox": "busybox-static"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is missing: install the Debian package %s", p, pkg)
		}
	}
}

type fixture struct {
	cfg *Config
	rt  *oci.Runtime
	dir string
}

// newFixture builds a bundle whose rootfs is busybox and a monitor config
// running args in it.
func newFixture(t *testing.T, terminal bool, args ...string) *fixture {
	t.Helper()
	prereqs(t)
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle")
	bin := filepath.Join(bundle, "rootfs", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"sh", "echo", "sleep", "true", "cat", "stty", "printf"} {
		if err := os.Symlink("busybox", filepath.Join(bin, l)); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(runcPath, "spec", "--bundle", bundle).CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v: %s", err, out)
	}
	var s specs.Spec
	readJSON(t, filepath.Join(bundle, "config.json"), &s)
	s.Process.Args = args
	s.Process.Terminal = terminal
	s.Process.Env = []string{"PATH=/bin", "TERM=xterm"}
	s.Root.Readonly = false
	b, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	rt := &oci.Runtime{Name: "runc", Path: runcPath, Args: []string{"--root", filepath.Join(dir, "runc")}}
	id := "pier-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	f := &fixture{rt: rt, dir: dir, cfg: &Config{
		ID: id, Bundle: bundle, RunDir: filepath.Join(dir, "run"), Runtime: *rt,
		Terminal: terminal, LogDriver: LogK8sFile, LogPath: filepath.Join(dir, "ctr.log"),
		ExitCommand: []string{"/bin/sh", "-c", "echo done > " + filepath.Join(dir, "cleanup")},
		Version:     version.Version,
	}}
	t.Cleanup(func() { _ = rt.Delete(context.Background(), id, true) })
	return f
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) launch(t *testing.T) (pid, monPID int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pid, monPID, err := Launch(ctx, monitorBin, f.cfg)
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	if pid <= 0 || monPID <= 0 {
		t.Fatalf("Launch returned pid %d, monitor pid %d", pid, monPID)
	}
	return pid, monPID
}

func (f *fixture) start(t *testing.T) {
	t.Helper()
	if err := f.rt.Start(context.Background(), f.cfg.ID); err != nil {
		t.Fatalf("runc start: %v", err)
	}
}

// waitExit waits for the exit file, the exit command's effect and the
// monitor's end, and returns the recorded exit code.
func (f *fixture) waitExit(t *testing.T, monPID int) int {
	t.Helper()
	var code int
	waitFor(t, "the exit file", func() bool {
		c, _, err := ReadExitFile(f.cfg.RunDir)
		code = c
		return err == nil
	})
	waitFor(t, "the exit command", func() bool {
		b, err := os.ReadFile(filepath.Join(f.dir, "cleanup"))
		return err == nil && string(b) == "done\n"
	})
	waitFor(t, "the monitor to exit", func() bool { return !alive(monPID) })
	return code
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive: the process exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

func readLog(t *testing.T, path string) []logs.Line {
	t.Helper()
	var lines []logs.Line
	err := logs.Read(context.Background(), path, logs.Options{Tail: -1}, nil, func(l logs.Line) error {
		lines = append(lines, l)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

var k8sRecord = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d (stdout|stderr) [FP] `)

func TestLogsAndExitFile(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo out; echo err >&2; printf partial; exit 3")
	pid, monPID := f.launch(t)
	if !alive(pid) {
		t.Fatalf("container process %d is not alive after create", pid)
	}
	f.start(t)
	if code := f.waitExit(t, monPID); code != 3 {
		t.Fatalf("exit code %d, want 3", code)
	}
	raw, err := os.ReadFile(f.cfg.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		if !k8sRecord.MatchString(l) {
			t.Errorf("log record not in k8s-file format: %q", l)
		}
	}
	got := map[string]string{}
	for _, l := range readLog(t, f.cfg.LogPath) {
		got[l.Stream] += l.Text + map[bool]string{true: "", false: "\n"}[l.Partial]
	}
	if got["stdout"] != "out\npartial" || got["stderr"] != "err\n" {
		t.Fatalf("log content %q, want stdout %q and stderr %q\nraw:\n%s", got, "out\npartial", "err\n", raw)
	}
	if _, at, _ := ReadExitFile(f.cfg.RunDir); time.Since(at) > time.Minute || at.IsZero() {
		t.Fatalf("exit time %v is not recent", at)
	}
	if _, err := os.Stat(filepath.Join(f.cfg.RunDir, attachFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("attach socket left behind: %v", err)
	}
}

func TestAttachOutputAndExitCode(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo hello; echo oops >&2; exit 5")
	_, monPID := f.launch(t)
	att, err := DialAttach(context.Background(), f.cfg.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	f.start(t)
	var stdout, stderr bytes.Buffer
	code, err := att.Run(context.Background(), &AttachStreams{Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatalf("attach: %v", err)
	}
	if code != 5 || stdout.String() != "hello\n" || stderr.String() != "oops\n" {
		t.Fatalf("attach got code %d, stdout %q, stderr %q; want 5, %q, %q", code, stdout.String(), stderr.String(), "hello\n", "oops\n")
	}
	f.waitExit(t, monPID)
	// Attaching after the exit gives the recorded code.
	if code, err := Attach(context.Background(), f.cfg.RunDir, AttachStreams{}); err != nil || code != 5 {
		t.Fatalf("late attach: code %d, err %v", code, err)
	}
}

func TestAttachStdin(t *testing.T) {
	f := newFixture(t, false, "cat")
	f.cfg.Stdin = true
	_, monPID := f.launch(t)
	att, err := DialAttach(context.Background(), f.cfg.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	f.start(t)
	var stdout syncBuffer
	code, err := att.Run(context.Background(), &AttachStreams{Stdin: strings.NewReader("ping\npong\n"), Stdout: &stdout})
	if err != nil || code != 0 {
		t.Fatalf("attach: code %d, err %v", code, err)
	}
	if stdout.String() != "ping\npong\n" {
		t.Fatalf("cat echoed %q, want %q", stdout.String(), "ping\npong\n")
	}
	f.waitExit(t, monPID)
}

func TestTerminalResize(t *testing.T) {
	f := newFixture(t, true, "sh", "-c", "stty size; read x; stty size; echo tty")
	f.cfg.Stdin = true
	_, monPID := f.launch(t)
	att, err := DialAttach(context.Background(), f.cfg.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	// The engine's order: the caller's size, then start.
	if err := att.Resize(TermSize{Height: 42, Width: 101}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	// A resize while it runs (after the first stty), then the newline that
	// lets the shell go on.
	resize := make(chan TermSize)
	go func() {
		time.Sleep(300 * time.Millisecond)
		resize <- TermSize{Height: 50, Width: 120}
	}()
	var out syncBuffer
	stdin := &slowReader{delay: 600 * time.Millisecond, data: []byte("\n")}
	code, err := att.Run(context.Background(), &AttachStreams{Stdin: stdin, Stdout: &out, Resize: resize, KeepStdinOpen: true})
	if err != nil || code != 0 {
		t.Fatalf("attach: code %d, err %v", code, err)
	}
	// The pty echoes the typed newline.
	if want := "42 101\r\n\r\n50 120\r\ntty\r\n"; out.String() != want {
		t.Fatalf("terminal output %q, want %q", out.String(), want)
	}
	f.waitExit(t, monPID)
	if lines := readLog(t, f.cfg.LogPath); len(lines) != 4 || lines[0].Text != "42 101\r" || lines[0].Stream != "stdout" {
		t.Fatalf("terminal log lines %+v", lines)
	}
}

type slowReader struct {
	delay time.Duration
	data  []byte
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.delay)
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestLaunchCommandNotFound(t *testing.T) {
	f := newFixture(t, false, "nonexistent-command")
	_, _, err := Launch(context.Background(), monitorBin, f.cfg)
	if err == nil {
		t.Fatal("Launch of a missing command succeeded")
	}
	if code := errdefs.ExitCode(err); code != 127 {
		t.Fatalf("exit code %d, want 127; error: %v", code, err)
	}
	if !strings.Contains(err.Error(), `exec: "nonexistent-command": executable file not found in $PATH`) {
		t.Fatalf("error lacks runc's message: %v", err)
	}
	t.Logf("error: %v", err)
	if p := findProcess(filepath.Join(f.cfg.RunDir, configFile)); p != 0 {
		t.Fatalf("monitor %d is still running", p)
	}
	if _, err := f.rt.State(context.Background(), f.cfg.ID); !errors.Is(err, oci.ErrNotExist) {
		t.Fatalf("runc still knows the container (state err %v)", err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "cleanup")); err == nil {
		t.Fatal("exit command ran for a container that was never created")
	}
}

func TestLaunchPermissionDenied(t *testing.T) {
	f := newFixture(t, false, "/etc/passwd-not-exec")
	if err := os.WriteFile(filepath.Join(f.cfg.Bundle, "rootfs", "etc-file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	readJSON(t, filepath.Join(f.cfg.Bundle, "config.json"), &s)
	s.Process.Args = []string{"/etc-file"}
	b, _ := json.Marshal(&s)
	if err := os.WriteFile(filepath.Join(f.cfg.Bundle, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := Launch(context.Background(), monitorBin, f.cfg)
	if code := errdefs.ExitCode(err); code != 126 {
		t.Fatalf("exit code %d, want 126; error: %v", code, err)
	}
}

// findProcess returns the PID of a process whose command line holds s.
func findProcess(s string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !alive(pid) {
			continue
		}
		b, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if bytes.Contains(b, []byte(s)) {
			return pid
		}
	}
	return 0
}

func TestRuntimeKillAndMonitorRSS(t *testing.T) {
	f := newFixture(t, false, "sleep", "1000")
	_, monPID := f.launch(t)
	att, err := DialAttach(context.Background(), f.cfg.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	defer att.Close()
	f.start(t)
	time.Sleep(500 * time.Millisecond)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", monPID))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "RssAnon") || strings.HasPrefix(l, "RssFile") || strings.HasPrefix(l, "Threads") {
			t.Logf("monitor of a sleeping container with one attach client: %s", strings.Join(strings.Fields(l), " "))
		}
	}
	if err := f.rt.Kill(context.Background(), f.cfg.ID, syscall.SIGKILL, false); err != nil {
		t.Fatal(err)
	}
	if code := f.waitExit(t, monPID); code != 137 {
		t.Fatalf("exit code %d after runc kill -9, want 137", code)
	}
}

func TestFindMonitor(t *testing.T) {
	p, err := FindMonitor(filepath.Join(filepath.Dir(monitorBin), "pier"), nil, t.TempDir())
	if err != nil || p != monitorBin {
		t.Fatalf("FindMonitor next to pier: %q, %v", p, err)
	}
	dir := t.TempDir()
	old := filepath.Join(dir, "old", "pier-monitor")
	if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, []byte("#!/bin/sh\necho 0.0.1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "/nonexistent")
	_, err = FindMonitor(filepath.Join(dir, "pier"), []string{old}, "")
	if !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("FindMonitor with an old monitor: %v", err)
	}
	for _, want := range []string{filepath.Join(dir, "pier-monitor") + " (not found)", old + ` (version "0.0.1", want "` + version.Version + `")`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPassthroughAndNoLogFile(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo through; echo err >&2; exit 4")
	f.cfg.LogDriver = LogPassthrough
	out, err := os.Create(filepath.Join(f.dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	// Launch hands the caller's stdio to the container.
	saved := os.Stdout
	os.Stdout = out
	_, monPID, err := Launch(context.Background(), monitorBin, f.cfg)
	os.Stdout = saved
	if err != nil {
		t.Fatal(err)
	}
	f.start(t)
	if code := f.waitExit(t, monPID); code != 4 {
		t.Fatalf("exit code %d, want 4", code)
	}
	if b, _ := os.ReadFile(out.Name()); string(b) != "through\n" {
		t.Fatalf("passthrough stdout %q, want %q", b, "through\n")
	}
	if _, err := os.Stat(f.cfg.LogPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("passthrough wrote a log file: %v", err)
	}
}

func TestLaunchCanceledLeavesNothing(t *testing.T) {
	f := newFixture(t, false, "true")
	// A runtime whose create hangs.
	hang := filepath.Join(f.dir, "hang-runtime")
	script := "#!/bin/sh\nfor a; do [ \"$a\" = create ] && exec sleep 100; done\nexit 0\n"
	if err := os.WriteFile(hang, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	f.cfg.Runtime = oci.Runtime{Name: "hang", Path: hang}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, _, err := Launch(ctx, monitorBin, f.cfg)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Launch with a hanging runtime: %v", err)
	}
	waitFor(t, "the monitor to be gone", func() bool {
		return findProcess(filepath.Join(f.cfg.RunDir, configFile)) == 0 && findProcess(f.cfg.ID) == 0
	})
}

func TestLogSizeMaxTruncates(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done")
	f.cfg.LogSizeMax = 2000
	_, monPID := f.launch(t)
	f.start(t)
	f.waitExit(t, monPID)
	fi, err := os.Stat(f.cfg.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 2000 {
		t.Fatalf("log is %d bytes, limit 2000", fi.Size())
	}
	lines := readLog(t, f.cfg.LogPath)
	if len(lines) == 0 || lines[len(lines)-1].Text != "line199" {
		t.Fatalf("log after truncation ends with %+v, want line199", lines[len(lines)-1:])
	}
}
