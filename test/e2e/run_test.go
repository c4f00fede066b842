package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// 3. `run` options: each is checked from inside the container or on the host.

func TestRunEcho(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.MustRun("run", "--rm", Image, "echo", "hello", "world")
	if r.Stdout != "hello world\n" {
		t.Errorf("want %q: %s", "hello world\n", r)
	}
	// --rm leaves nothing behind.
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("run --rm left %v", ids)
	}
	// Short names resolve to the local image; stderr goes to stderr.
	r = p.MustRun("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2")
	if r.Stdout != "out\n" || r.Stderr != "err\n" {
		t.Errorf("stdout/stderr should be kept apart: %s", r)
	}
}

func TestRunEnv(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	envFile := filepath.Join(p.WorkDir(), "env")
	os.WriteFile(envFile, []byte("# comment\nFROM_FILE=file-value\n\nBOTH=from-file\n"), 0o644)
	r := p.RunWith(RunOpts{Env: []string{"HOST_VAR=host-value"}},
		"run", "--rm", "--env-file", envFile, "-e", "FOO=bar", "-e", "BOTH=from-flag", "-e", "HOST_VAR", "-e", "EMPTY=", Image, "env")
	if r.ExitCode != 0 {
		t.Fatal(r)
	}
	env := map[string]string{}
	for _, l := range r.Lines() {
		if k, v, ok := strings.Cut(l, "="); ok {
			env[k] = v
		}
	}
	want := map[string]string{"FOO": "bar", "FROM_FILE": "file-value", "BOTH": "from-flag", "HOST_VAR": "host-value", "EMPTY": "", "HOME": "/root"}
	for k, v := range want {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("env %s: want %q, got %q (present %v)\n%s", k, v, got, ok, r.Stdout)
		}
	}
	if !strings.Contains(env["PATH"], "/bin") {
		t.Errorf("PATH should have a default: %q", env["PATH"])
	}
}

func TestRunWorkdirUserHostname(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	if got := p.MustRun("run", "--rm", "-w", "/tmp", Image, "pwd").Out(); got != "/tmp" {
		t.Errorf("-w /tmp: pwd = %q", got)
	}
	if got := p.MustRun("run", "--rm", "-w", "/does/not/exist", Image, "pwd").Out(); got != "/does/not/exist" {
		t.Errorf("-w of a missing dir should create it: pwd = %q", got)
	}
	if got := p.MustRun("run", "--rm", "-u", "1000", Image, "id", "-u").Out(); got != "1000" {
		t.Errorf("-u 1000: id -u = %q", got)
	}
	if got := p.MustRun("run", "--rm", "-u", "test", Image, "id").Out(); !strings.HasPrefix(got, "uid=1000(test) gid=1000(test)") {
		t.Errorf("-u test: id = %q", got)
	}
	if got := p.MustRun("run", "--rm", "-u", "1000:65534", Image, "id", "-g").Out(); got != "65534" {
		t.Errorf("-u 1000:65534: id -g = %q", got)
	}
	if got := p.MustRun("run", "--rm", "--hostname", "h1", Image, "hostname").Out(); got != "h1" {
		t.Errorf("--hostname h1: hostname = %q", got)
	}
	id2 := p.MustRun("create", Image, "hostname").Out()
	p.MustRun("start", "-a", id2)
	if got := strings.TrimSpace(p.MustRun("logs", id2).Stdout); got != id2[:12] {
		t.Errorf("default hostname should be the short ID %s, got %q", id2[:12], got)
	}
}

func TestRunEntrypoint(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	if got := p.MustRun("run", "--rm", "--entrypoint", "/bin/echo", Image, "hello").Out(); got != "hello" {
		t.Errorf("--entrypoint /bin/echo: %q", got)
	}
	if got := p.MustRun("run", "--rm", "--entrypoint", `["/bin/sh","-c"]`, Image, "echo json-entrypoint").Out(); got != "json-entrypoint" {
		t.Errorf("--entrypoint as JSON: %q", got)
	}
	// The image's CMD is used when no command is given.
	if got := p.MustRun("run", "--rm", "-i", Image).Stdout; got != "" {
		t.Errorf("default CMD /bin/sh with empty stdin should print nothing: %q", got)
	}
}

func TestRunLabels(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "lab", "-l", "a=b", "--label", "team=pier", Image, "true")
	p.MustRun("create", "--name", "nolab", Image, "true")
	if got := p.Inspect("lab", `{{index .Config.Labels "a"}} {{index .Config.Labels "team"}}`); got != "b pier" {
		t.Errorf("labels: %q", got)
	}
	if got := p.MustRun("ps", "-a", "--filter", "label=a=b", "--format", "{{.Names}}").Out(); got != "lab" {
		t.Errorf("ps --filter label=a=b: %q", got)
	}
}

func TestRunReadOnly(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.Run("run", "--rm", "--read-only", Image, "touch", "/x")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr+r.Stdout, "Read-only") {
		t.Errorf("--read-only: touch /x should fail with EROFS: %s", r)
	}
	// As podman: /tmp stays writable (read_only_tmpfs).
	p.MustRun("run", "--rm", "--read-only", Image, "touch", "/tmp/x")
	p.MustRun("run", "--rm", Image, "touch", "/x")
}

func TestRunVolumeBind(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	host := filepath.Join(p.WorkDir(), "data")
	os.MkdirAll(host, 0o755)
	os.WriteFile(filepath.Join(host, "in"), []byte("from-host\n"), 0o644)
	r := p.MustRun("run", "--rm", "-v", host+":/data", Image, "sh", "-c", "cat /data/in; echo written > /data/out")
	if r.Out() != "from-host" {
		t.Errorf("host file not visible inside: %s", r)
	}
	if got := mustRead(filepath.Join(host, "out")); got != "written\n" {
		t.Errorf("file written in the container should appear on the host: %q", got)
	}
	r = p.Run("run", "--rm", "-v", host+":/data:ro", Image, "touch", "/data/ro")
	if r.ExitCode == 0 {
		t.Errorf(":ro bind should refuse writes: %s", r)
	}
	if _, err := os.Stat(filepath.Join(host, "ro")); err == nil {
		t.Errorf(":ro bind let a file through")
	}
	// A missing host directory is an error (podman; docker would create it).
	missing := filepath.Join(p.WorkDir(), "missing")
	r = p.Run("run", "--rm", "-v", missing+":/m", Image, "true")
	p.ExpectEngineError(r, missing)
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("a bad -v must create nothing: %v", ids)
	}
}

func TestRunTmpfs(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.MustRun("run", "--rm", "--tmpfs", "/scratch", "--tmpfs", "/small:size=64k", Image, "cat", "/proc/mounts")
	if !strings.Contains(r.Stdout, "tmpfs /scratch tmpfs") {
		t.Errorf("--tmpfs /scratch not mounted:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stdout, "tmpfs /small tmpfs") || !strings.Contains(r.Stdout, "size=64k") {
		t.Errorf("--tmpfs /small:size=64k not mounted with its size:\n%s", r.Stdout)
	}
	p.MustRun("run", "--rm", "--read-only", "--tmpfs", "/scratch", Image, "touch", "/scratch/f")
}

func TestRunNetwork(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.MustRun("run", "--rm", "--network", "none", Image, "cat", "/proc/net/dev")
	if got := parseNetDev(r.Stdout); strings.Join(got, ",") != "lo" {
		t.Errorf("--network none should leave only lo, got %v", got)
	}
	r = p.MustRun("run", "--rm", "--network", "host", Image, "cat", "/proc/net/dev")
	if got, want := parseNetDev(r.Stdout), hostInterfaces(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("--network host should see the host's interfaces %v, got %v", want, got)
	}
}

// Exit codes as podman: the container's own, 126/127 when the command
// cannot run, 137 when killed.
func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.Expect(3, "run", "--rm", Image, "sh", "-c", "exit 3")
	p.Expect(1, "run", "--rm", Image, "false")
	r := p.Expect(127, "run", "--rm", Image, "/nonexistent")
	if !strings.Contains(r.Stderr, "/nonexistent") {
		t.Errorf("127 should name the command: %s", r)
	}
	p.Expect(127, "run", "--rm", Image, "nosuchcommand")
	r = p.Expect(126, "run", "--rm", Image, "/etc/passwd")
	if !strings.Contains(r.Stderr, "permission denied") {
		t.Errorf("126 should say why: %s", r)
	}
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("run --rm of failed commands left %v", ids)
	}
	// The container's main process is PID 1 of its namespace, which ignores
	// a SIGKILL sent from inside (kernel rule), so `sh -c 'kill -9 $$'`
	// cannot test 137; kill it from outside while `run` is attached.
	cmd, _ := p.Background("run", "--name", "victim", Image, "sleep", "100")
	p.WaitStatus("victim", "running", 20*time.Second)
	p.MustRun("kill", "victim")
	err := cmd.Wait()
	if code, _ := exitStatus(cmd, err); code != 137 {
		t.Errorf("attached run of a container killed by SIGKILL: want exit 137, got %d", code)
	}
	if got := p.Inspect("victim", "{{.State.ExitCode}}"); got != "137" {
		t.Errorf("inspect ExitCode: want 137, got %s", got)
	}
}

func TestRunDetached(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.MustRun("run", "-d", "--name", "bg", Image, "sh", "-c", "echo hello-detached; sleep 100")
	id := r.Out()
	if len(id) != 64 {
		t.Errorf("run -d should print the full ID: %s", r)
	}
	if r.Duration > 10*time.Second {
		t.Errorf("run -d should return while the container runs; took %s", r.Duration)
	}
	if got := p.MustRun("ps", "--format", "{{.Names}} {{.Status}}").Out(); !strings.HasPrefix(got, "bg Up") {
		t.Errorf("ps should show bg Up: %q", got)
	}
	p.WaitLogs("bg", "hello-detached", 10*time.Second)
	if pid := p.Inspect("bg", "{{.State.Pid}}"); pid == "0" || pid == "" {
		t.Errorf("State.Pid of a running container: %q", pid)
	}
}

func TestRunInteractiveStdin(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.RunWith(RunOpts{Stdin: strings.NewReader("hi\nthere\n")}, "run", "--rm", "-i", Image, "cat")
	if r.ExitCode != 0 || r.Stdout != "hi\nthere\n" {
		t.Errorf("run -i should forward stdin and close it at EOF: %s", r)
	}
	r = p.RunWith(RunOpts{Stdin: strings.NewReader("ignored\n")}, "run", "--rm", Image, "cat")
	if r.ExitCode != 0 || r.Stdout != "" {
		t.Errorf("without -i, stdin is not forwarded: %s", r)
	}
	// Signals to an attached `run` reach the container (sig-proxy).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := p.Command(ctx, RunOpts{}, "run", "--name", "proxy", Image, "sh", "-c", "trap 'exit 42' USR1; while :; do sleep 0.1; done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.WaitStatus("proxy", "running", 20*time.Second)
	time.Sleep(300 * time.Millisecond) // let sh install its trap
	cmd.Process.Signal(syscall.SIGUSR1)
	err := cmd.Wait()
	if code, _ := exitStatus(cmd, err); code != 42 {
		t.Errorf("SIGUSR1 to attached run should reach the container (exit 42), got %d", code)
	}
}
