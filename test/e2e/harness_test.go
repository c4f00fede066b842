// Package e2e drives the built pier and pier-monitor binaries against real
// runc and real overlay storage in temporary roots. Every test gets its own
// --root/--runroot/--tmpdir and its own containers.conf and storage.conf, so
// tests never see the host's configuration or storage and may run in
// parallel.
package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Image is the hermetic busybox image every test root gets.
const Image = "localhost/busybox:latest"

// e2eVersion is linked into the binaries under test so that `pier version`
// can be checked for an exact value.
const e2eVersion = "0.0.0-e2e"

// e2eBuildTime is the build time linked into the test binaries (Unix s).
const e2eBuildTime = "1700000000"

const buildTags = "containers_image_openpgp,exclude_graphdriver_btrfs,exclude_graphdriver_devicemapper,seccomp"

var (
	binDir      string // holds pier, pier-monitor and the test/cmd wrappers
	pierBin     string
	monitorBin  string
	runcBin     string
	imageTar    string // rootfs tar of the hermetic busybox image
	sharedDir   string // removed at the end of the run
	moduleRoot  string
	baseEnvPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

func TestMain(m *testing.M) {
	code, err := setup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e setup FAILED: %v\n", err)
		if sharedDir != "" {
			os.RemoveAll(sharedDir)
		}
		os.Exit(1)
	}
	_ = code
	rc := m.Run()
	os.RemoveAll(sharedDir)
	os.Exit(rc)
}

// setup checks prerequisites (a missing one is a failure naming the Debian
// package), builds the binaries and the image tar.
func setup() (int, error) {
	if os.Geteuid() != 0 {
		return 0, errors.New("the end-to-end tests must run as root (they mount overlay and run runc): run `sudo make test`")
	}
	var err error
	if runcBin, err = exec.LookPath("runc"); err != nil {
		if _, serr := os.Stat("/usr/sbin/runc"); serr != nil {
			return 0, errors.New("runc not found in PATH nor at /usr/sbin/runc: apt-get install runc")
		}
		runcBin = "/usr/sbin/runc"
	}
	if err := checkStaticBusybox("/bin/busybox"); err != nil {
		return 0, err
	}
	if fs, err := os.ReadFile("/proc/filesystems"); err != nil || !bytes.Contains(fs, []byte("overlay")) {
		// Loading the module is a host change; ask for it.
		if out, err := exec.Command("modprobe", "overlay").CombinedOutput(); err != nil {
			return 0, fmt.Errorf("the kernel has no overlay filesystem (modprobe overlay: %v %s)", err, out)
		}
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		return 0, errors.New("gcc not found (pier uses cgo for SQLite): apt-get install gcc libc6-dev")
	}
	wd, _ := os.Getwd()
	moduleRoot = filepath.Clean(filepath.Join(wd, "..", ".."))
	if sharedDir, err = os.MkdirTemp("", "pier-e2e-shared-"); err != nil {
		return 0, err
	}
	binDir = filepath.Join(sharedDir, "bin")
	if err := buildBinaries(); err != nil {
		return 0, err
	}
	imageTar = filepath.Join(sharedDir, "busybox-rootfs.tar")
	if err := writeBusyboxTar(imageTar, "/bin/busybox"); err != nil {
		return 0, fmt.Errorf("building the busybox image tar: %w", err)
	}
	return 0, nil
}

func checkStaticBusybox(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s not usable (%v): apt-get install busybox-static", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; the hermetic test image needs a static busybox: apt-get install busybox-static", path)
		}
	}
	return nil
}

func buildBinaries() error {
	pierBin = filepath.Join(binDir, "pier")
	monitorBin = filepath.Join(binDir, "pier-monitor")
	ldflags := "-X github.com/pier-engine/pier/internal/version.Version=" + e2eVersion +
		" -X github.com/pier-engine/pier/internal/version.buildTime=" + e2eBuildTime
	builds := [][]string{
		{"-tags", buildTags + ",pierslim", "-ldflags", ldflags, "-o", pierBin, "./cmd/pier"},
		{"-ldflags", ldflags, "-o", filepath.Join(binDir, "pier-full"), "./cmd/pier"},
		{"-ldflags", ldflags, "-o", monitorBin, "./cmd/pier-monitor"},
		{"-o", filepath.Join(binDir, "pier-copier"), "./cmd/pier-copier"},
	}
	// Wrapper binaries for fault injection outside pier's own process.
	cmds, _ := filepath.Glob(filepath.Join(moduleRoot, "test", "cmd", "*", "main.go"))
	for _, c := range cmds {
		name := filepath.Base(filepath.Dir(c))
		builds = append(builds, []string{"-o", filepath.Join(binDir, name), "./test/cmd/" + name})
	}
	for _, b := range builds {
		args := append([]string{"build", "-tags", buildTags}, b...)
		if b[0] == "-tags" {
			args = append([]string{"build"}, b...)
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = moduleRoot
		cgo := "CGO_ENABLED=1"
		if b[len(b)-1] == "./cmd/pier-monitor" || b[len(b)-1] == "./cmd/pier-copier" {
			cgo = "CGO_ENABLED=0" // as the Makefile builds them: static
		}
		cmd.Env = append(os.Environ(), cgo, "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// writeBusyboxTar writes a rootfs with busybox, one symlink per applet in
// /bin, users root, test (1000) and nobody, and the usual empty dirs.
func writeBusyboxTar(dst, busybox string) error {
	list, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return fmt.Errorf("%s --list: %w", busybox, err)
	}
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	dir := func(name string, mode int64, uid int) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: uid, Gid: uid, ModTime: mtime})
	}
	file := func(name string, mode int64, data []byte) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: mtime})
		tw.Write(data)
	}
	for _, d := range []string{"bin", "dev", "etc", "home", "proc", "run", "sys", "usr", "usr/bin", "var"} {
		dir(d, 0o755, 0)
	}
	dir("root", 0o700, 0)
	dir("tmp", 0o1777, 0)
	dir("var/tmp", 0o1777, 0)
	dir("home/test", 0o755, 1000)
	file("bin/busybox", 0o755, bb)
	for _, name := range strings.Fields(string(list)) {
		if name == "busybox" || strings.Contains(name, "/") {
			continue
		}
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + name, Linkname: "busybox", Mode: 0o777, ModTime: mtime})
	}
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: "usr/bin/env", Linkname: "/bin/busybox", Mode: 0o777, ModTime: mtime})
	file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n"+
		"test:x:1000:1000:test:/home/test:/bin/sh\n"+
		"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"))
	file("etc/group", 0o644, []byte("root:x:0:\ntest:x:1000:\nnogroup:x:65534:\n"))
	file("etc/hosts", 0o644, []byte("127.0.0.1 localhost\n"))
	if err := tw.Close(); err != nil {
		return err
	}
	return os.WriteFile(dst, buf.Bytes(), 0o644)
}

// Result is what one pier invocation did.
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	ExitCode int            // -1 when killed by a signal
	Signal   syscall.Signal // the signal that killed it, if any
	Duration time.Duration
	StartErr error // pier could not be started at all (ExitCode -2)
}

func (r Result) String() string {
	s := fmt.Sprintf("pier %s\n  exit: %d (signal %d) after %s\n  stdout: %q\n  stderr: %q",
		strings.Join(r.Args, " "), r.ExitCode, r.Signal, r.Duration.Round(time.Millisecond), r.Stdout, r.Stderr)
	if r.StartErr != nil {
		s += fmt.Sprintf("\n  could not start: %v", r.StartErr)
	}
	return s
}

// Out is stdout with surrounding whitespace trimmed.
func (r Result) Out() string { return strings.TrimSpace(r.Stdout) }

// Lines are stdout's non-empty lines.
func (r Result) Lines() []string {
	var l []string
	for _, s := range strings.Split(r.Stdout, "\n") {
		if strings.TrimSpace(s) != "" {
			l = append(l, s)
		}
	}
	return l
}

// Pier is one test's engine: its own roots and configuration.
type Pier struct {
	t                                *testing.T
	Dir, Root, RunRoot, TmpDir, Home string
	ConfPath, StorageConfPath        string
	Bin                              string   // the pier binary to run (default pierBin)
	Env                              []string // extra environment for every invocation
	Timeout                          time.Duration
}

// RunOpts adjusts one invocation.
type RunOpts struct {
	Env     []string
	Stdin   io.Reader
	Timeout time.Duration
	NoRoots bool // do not add --root/--runroot/--tmpdir
}

// newPier makes a fresh engine and imports the busybox image into it.
func newPier(t *testing.T) *Pier {
	t.Helper()
	p := newPierNoImage(t)
	p.MustRun("import", "-c", `CMD ["/bin/sh"]`, imageTar, Image)
	return p
}

// newPierNoImage makes a fresh engine with empty storage.
func newPierNoImage(t *testing.T) *Pier {
	t.Helper()
	dir, err := os.MkdirTemp("", "pe2e-")
	if err != nil {
		t.Fatal(err)
	}
	p := &Pier{
		t: t, Dir: dir, Bin: pierBin, Timeout: 2 * time.Minute,
		Root:            filepath.Join(dir, "root"),
		RunRoot:         filepath.Join(dir, "runroot"),
		TmpDir:          filepath.Join(dir, "tmp"),
		Home:            filepath.Join(dir, "home"),
		ConfPath:        filepath.Join(dir, "containers.conf"),
		StorageConfPath: filepath.Join(dir, "storage.conf"),
	}
	for _, d := range []string{p.Home, filepath.Join(dir, "work")} {
		os.MkdirAll(d, 0o755)
	}
	p.WriteConf("")
	p.WriteStorageConf("overlay")
	os.WriteFile(filepath.Join(dir, "registries.conf"), []byte("unqualified-search-registries = []\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "policy.json"), []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644)
	t.Cleanup(p.cleanup)
	return p
}

// WriteConf replaces the test's containers.conf.
func (p *Pier) WriteConf(content string) {
	// Networks always live in the test's own dir, never the host's
	// /etc/containers/networks.
	if !strings.Contains(content, "[network]") {
		content += fmt.Sprintf("\n[network]\nnetwork_config_dir = %q\n", p.NetworkDir())
	}
	if err := os.WriteFile(p.ConfPath, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// WriteStorageConf replaces the test's storage.conf.
func (p *Pier) WriteStorageConf(driver string) {
	c := fmt.Sprintf("[storage]\ndriver = %q\ngraphroot = %q\nrunroot = %q\n", driver, p.Root, p.RunRoot)
	if err := os.WriteFile(p.StorageConfPath, []byte(c), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// NetworkDir is the test's network_config_dir.
func (p *Pier) NetworkDir() string { return filepath.Join(p.Dir, "networks") }

// WorkDir is a scratch directory of the test, outside the roots.
func (p *Pier) WorkDir() string { return filepath.Join(p.Dir, "work") }

func (p *Pier) env(extra []string) []string {
	env := []string{
		"PATH=" + baseEnvPath,
		"HOME=" + p.Home,
		"XDG_CONFIG_HOME=" + filepath.Join(p.Home, ".config"),
		"CONTAINERS_CONF=" + p.ConfPath,
		"CONTAINERS_STORAGE_CONF=" + p.StorageConfPath,
		"CONTAINERS_REGISTRIES_CONF=" + filepath.Join(p.Dir, "registries.conf"),
		"CONTAINERS_POLICY_JSON=" + filepath.Join(p.Dir, "policy.json"),
		"TMPDIR=" + os.TempDir(),
	}
	env = append(env, p.Env...)
	return append(env, extra...)
}

// Args returns the full argument list for a pier invocation.
func (p *Pier) Args(args ...string) []string {
	return append([]string{"--root", p.Root, "--runroot", p.RunRoot, "--tmpdir", p.TmpDir}, args...)
}

// Command builds an exec.Cmd for pier with this test's environment; the
// caller starts and waits for it (for async and pty use).
func (p *Pier) Command(ctx context.Context, o RunOpts, args ...string) *exec.Cmd {
	full := args
	if !o.NoRoots {
		full = p.Args(args...)
	}
	cmd := exec.CommandContext(ctx, p.Bin, full...)
	cmd.Env = p.env(o.Env)
	cmd.Dir = p.Dir
	cmd.Stdin = o.Stdin
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Background starts pier without waiting for it (a stop or exec to
// interrupt, a run to kill): the test waits for it, or its end kills it.
// Its stderr is kept in the returned builder.
func (p *Pier) Background(args ...string) (*exec.Cmd, *strings.Builder) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	p.t.Cleanup(cancel)
	cmd := p.Command(ctx, RunOpts{}, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	return cmd, &stderr
}

// Run runs pier and returns what happened; it never fails the test.
func (p *Pier) Run(args ...string) Result { return p.RunWith(RunOpts{}, args...) }

// RunWith is Run with options.
func (p *Pier) RunWith(o RunOpts, args ...string) Result {
	p.t.Helper()
	timeout := o.Timeout
	if timeout == 0 {
		timeout = p.Timeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := p.Command(ctx, o, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := Result{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), Duration: time.Since(start)}
	r.ExitCode, r.Signal = exitStatus(cmd, err)
	if cmd.ProcessState == nil {
		r.StartErr = err
	}
	if ctx.Err() != nil {
		p.t.Errorf("TIMEOUT after %s: %s", timeout, r)
	} else if errors.Is(err, exec.ErrWaitDelay) {
		// pier exited, but a process it started (monitor, runtime) kept
		// pier's stdout/stderr open: a leaked descriptor.
		p.t.Errorf("pier exited but a child kept its stdout/stderr open for %s: %s", cmd.WaitDelay, r)
	}
	return r
}

func exitStatus(cmd *exec.Cmd, err error) (int, syscall.Signal) {
	if cmd.ProcessState == nil {
		if err != nil {
			return -2, 0
		}
		return 0, 0
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return -1, ws.Signal()
	}
	return ws.ExitStatus(), 0
}

// MustRun runs pier and fails the test now unless it exits 0.
func (p *Pier) MustRun(args ...string) Result {
	p.t.Helper()
	r := p.Run(args...)
	if r.ExitCode != 0 {
		p.t.Fatalf("command failed: %s", r)
	}
	return r
}

// Expect runs pier and fails the test now unless it exits with code.
func (p *Pier) Expect(code int, args ...string) Result {
	p.t.Helper()
	r := p.Run(args...)
	if r.ExitCode != code {
		p.t.Fatalf("want exit %d: %s", code, r)
	}
	return r
}

// ExpectEngineError checks podman's shape of an engine error: exit 125 and
// one "Error: ..." line on stderr containing each of wants.
func (p *Pier) ExpectEngineError(r Result, wants ...string) {
	p.t.Helper()
	if r.ExitCode != 125 {
		p.t.Errorf("want exit 125: %s", r)
		return
	}
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "Error: ") {
		p.t.Errorf("want exactly one line \"Error: ...\" on stderr: %s", r)
	}
	for _, w := range wants {
		if !strings.Contains(r.Stderr, w) {
			p.t.Errorf("stderr should mention %q: %s", w, r)
		}
	}
}

// Inspect returns one Go-template field of a container.
func (p *Pier) Inspect(ctr, format string) string {
	p.t.Helper()
	return p.MustRun("container", "inspect", "--format", format, ctr).Out()
}

// Status returns the container's .State.Status.
func (p *Pier) Status(ctr string) string { return p.Inspect(ctr, "{{.State.Status}}") }

// WaitStatus polls until the container has status or the timeout passes.
func (p *Pier) WaitStatus(ctr, status string, timeout time.Duration) {
	p.t.Helper()
	var last Result
	ok := eventually(timeout, func() bool {
		last = p.Run("container", "inspect", "--format", "{{.State.Status}}", ctr)
		return last.ExitCode == 0 && last.Out() == status
	})
	if !ok {
		p.t.Fatalf("container %s did not reach status %q in %s; last: %s", ctr, status, timeout, last)
	}
}

// WaitLogs polls until the container's logs contain want.
func (p *Pier) WaitLogs(ctr, want string, timeout time.Duration) string {
	p.t.Helper()
	var last Result
	if !eventually(timeout, func() bool {
		last = p.Run("logs", ctr)
		return strings.Contains(last.Stdout+last.Stderr, want)
	}) {
		p.t.Fatalf("logs of %s never contained %q within %s; last: %s", ctr, want, timeout, last)
	}
	return last.Stdout
}

// PsIDs returns `ps -aq --no-trunc`.
func (p *Pier) PsIDs() []string {
	p.t.Helper()
	return p.MustRun("ps", "-aq", "--no-trunc").Lines()
}

func eventually(timeout time.Duration, f func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if f() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cleanup removes every container, then checks that nothing is left behind
// (mounts, processes, lock files), then force-cleans so that a failing test
// does not poison the next one.
func (p *Pier) cleanup() {
	t := p.t
	if r := p.RunWith(RunOpts{Timeout: time.Minute}, "rm", "-af", "-t", "0"); r.ExitCode != 0 {
		t.Errorf("cleanup: %s", r)
	}
	if t.Failed() {
		// Keep the evidence in the log, not on disk.
		if r := p.Run("ps", "-a"); r.ExitCode == 0 {
			t.Logf("ps -a at cleanup:\n%s", r.Stdout)
		}
	}
	p.CheckClean("after rm -af")
	p.forceClean()
	if os.Getenv("PIER_E2E_KEEP") == "" {
		if err := os.RemoveAll(p.Dir); err != nil {
			t.Errorf("cleanup: removing %s: %v", p.Dir, err)
		}
	}
}

// CheckClean fails the test if containers, mounts, processes or lock files
// of this engine are left. what says when.
func (p *Pier) CheckClean(what string) {
	t := p.t
	t.Helper()
	if r := p.Run("ps", "-aq"); r.ExitCode != 0 || r.Out() != "" {
		t.Errorf("%s: ps -aq should succeed and be empty: %s", what, r)
	}
	if m := p.LeakedMounts(); len(m) > 0 {
		t.Errorf("%s: mounts left under %s:\n  %s", what, p.Dir, strings.Join(m, "\n  "))
	}
	// A monitor may still be finishing its cleanup when rm returns.
	eventually(5*time.Second, func() bool { return len(p.Processes()) == 0 })
	if procs := p.Processes(); len(procs) > 0 {
		t.Errorf("%s: processes left: %v", what, procs)
	}
	if locks := p.LockFiles(); len(locks) > 0 {
		t.Errorf("%s: lock files left in %s: %v", what, filepath.Join(p.RunRoot, "pier", "locks"), locks)
	}
	if rows, err := p.StateRows(); err != nil || len(rows) > 0 {
		t.Errorf("%s: state database not empty: rows %v, err %v", what, rows, err)
	}
	if n := p.StorageContainers(); n > 0 {
		t.Errorf("%s: %d containers left in containers/storage (%s)", what, n, filepath.Join(p.Root, "overlay-containers", "containers.json"))
	}
}

// globalLocks are engine-wide lock files that live as long as the run root.
// image-pause serializes building the pod pause image.
var globalLocks = map[string]bool{"runtime": true, "runtime.lock": true, "image-pause.lock": true}

// LockFiles lists per-object lock files in <runroot>/pier/locks.
func (p *Pier) LockFiles() []string {
	ents, _ := os.ReadDir(filepath.Join(p.RunRoot, "pier", "locks"))
	var names []string
	for _, e := range ents {
		if !globalLocks[e.Name()] {
			names = append(names, e.Name())
		}
	}
	return names
}

// installBinary puts the executable src at dst by a hard link. A copy
// would be written through a descriptor that every process forked
// meanwhile by a parallel test inherits until its exec, and exec of a file
// open for writing fails with ETXTBSY (TestMissingMonitor's old flake).
func installBinary(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.Link(src, dst); err != nil {
		t.Fatalf("linking %s to %s: %v", src, dst, err)
	}
}
