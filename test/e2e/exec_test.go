package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// exec as podman 5: output, stdin, exit codes, user/env/workdir, detached
// sessions kept in inspect, errors for stopped and paused containers.
func TestExec(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "e", Image, "sleep", "1000")

	if got := p.MustRun("exec", "e", "echo", "hello").Stdout; got != "hello\n" {
		t.Errorf("exec echo: %q", got)
	}
	if r := p.Run("exec", "e", "sh", "-c", "exit 7"); r.ExitCode != 7 {
		t.Errorf("exec exit 7: %s", r)
	}
	r := p.Run("exec", "e", "nosuchcmd")
	if r.ExitCode != 127 || !strings.Contains(r.Stderr, "executable file not found") {
		t.Errorf("exec of a missing command: want 127: %s", r)
	}
	if r := p.Run("exec", "e", "/etc"); r.ExitCode != 126 {
		t.Errorf("exec of a directory: want 126: %s", r)
	}
	if r := p.Run("exec", "e"); r.ExitCode != 125 || !strings.Contains(r.Stderr, "must provide a non-empty command") {
		t.Errorf("exec without command: %s", r)
	}
	if r := p.Run("exec", "nosuchctr", "true"); r.ExitCode != 125 || !strings.Contains(r.Stderr, "no such container") {
		t.Errorf("exec into a missing container: %s", r)
	}
	// Binary data through stdin and back, larger than any buffer.
	data := make([]byte, 3<<20)
	_, _ = rand.Read(data)
	r = p.RunWith(RunOpts{Stdin: bytes.NewReader(data)}, "exec", "-i", "e", "cat")
	if r.ExitCode != 0 || r.Stdout != string(data) {
		t.Errorf("exec -i cat: %d bytes back of %d, exit %d", len(r.Stdout), len(data), r.ExitCode)
	}
	if got := p.MustRun("exec", "-u", "nobody", "-w", "/tmp", "-e", "FOO=bar", "e", "sh", "-c", "id -u; pwd; echo $FOO $HOME").Stdout; got != "65534\n/tmp\nbar /\n" &&
		got != "65534\n/tmp\nbar /nonexistent\n" {
		t.Errorf("exec -u -w -e: %q", got)
	}
	envFile := p.Dir + "/envfile"
	if err := os.WriteFile(envFile, []byte("FROMFILE=yes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := p.MustRun("exec", "--env-file", envFile, "e", "sh", "-c", "echo $FROMFILE").Out(); got != "yes" {
		t.Errorf("exec --env-file: %q", got)
	}
	capEff := func(args ...string) string {
		out := p.MustRun(append([]string{"exec"}, append(args, "e", "grep", "CapEff", "/proc/self/status")...)...).Out()
		return strings.TrimSpace(strings.TrimPrefix(out, "CapEff:"))
	}
	if plain, priv := capEff(), capEff("--privileged"); plain == priv {
		t.Errorf("exec --privileged has the same capabilities as exec: %s", plain)
	}

	// A detached session is listed until the container starts again, as
	// podman keeps it.
	id := p.MustRun("exec", "-d", "e", "sh", "-c", "echo detached > /tmp/d; sleep 100").Out()
	if len(id) != 64 {
		t.Fatalf("exec -d prints the session ID: %q", id)
	}
	if got := p.Inspect("e", "{{.ExecIDs}}"); got != "["+id+"]" {
		t.Errorf("inspect ExecIDs: %q, want [%s]", got, id)
	}
	if !eventually(10*time.Second, func() bool { return p.Run("exec", "e", "cat", "/tmp/d").Out() == "detached" }) {
		t.Errorf("exec -d did not run its command")
	}

	p.MustRun("pause", "e")
	r = p.Run("exec", "e", "true")
	if r.ExitCode != 255 || !strings.Contains(r.Stderr, "can only create exec sessions on running containers: container state improper") {
		t.Errorf("exec into a paused container: %s", r)
	}
	p.MustRun("unpause", "e")
	p.MustRun("stop", "-t", "0", "e")
	if got := p.Inspect("e", "{{.ExecIDs}} {{.State.Status}}"); got != "["+id+"] exited" {
		t.Errorf("the detached session after the container stopped: %q", got)
	}
	r = p.Run("exec", "e", "true")
	if r.ExitCode != 255 || !strings.Contains(r.Stderr, "can only create exec sessions on running containers") {
		t.Errorf("exec into a stopped container: %s", r)
	}
	// The container's restart is not disturbed by its old exec monitors.
	p.MustRun("start", "e")
	if got := p.Inspect("e", "{{.ExecIDs}}"); got != "[]" {
		t.Errorf("sessions of the last run after a start: %q", got)
	}
	if got := p.MustRun("exec", "e", "echo", "again").Out(); got != "again" {
		t.Errorf("exec after restart: %q", got)
	}
	p.MustRun("rm", "-f", "-t", "0", "e")
}

// exec -it gets a terminal of the caller's size; the detach keys leave
// the session and the container running.
func TestExecTerminal(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "e", Image, "sleep", "1000")
	if r := p.Run("exec", "--detach-keys", "foo", "e", "true"); r.ExitCode != 255 || !strings.Contains(r.Stderr, "invalid detach keys") {
		t.Errorf("bad --detach-keys: %s", r)
	}
	out := execDetach(t, p, "e", []byte{16, 17}) // ctrl-p, ctrl-q
	if !strings.Contains(out, "33 77") {
		t.Errorf("exec -it terminal size: %q", out)
	}
	if s := p.Status("e"); s != "running" {
		t.Errorf("container after detach: %s", s)
	}
	// The detached session runs on and is listed.
	if got := p.Inspect("e", "{{len .ExecIDs}}"); got != "1" {
		t.Errorf("detached session not kept: %s sessions", got)
	}
	if !strings.Contains(p.MustRun("exec", "e", "ps").Stdout, "sleep 100") {
		t.Errorf("the detached session's process is gone")
	}
}

// containers.conf's detach_keys replace ctrl-p,ctrl-q for exec.
func TestExecDetachKeysFromConf(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[engine]\ndetach_keys = \"ctrl-x\"\n")
	p.MustRun("run", "-d", "--name", "e", Image, "sleep", "1000")
	execDetach(t, p, "e", []byte{24}) // ctrl-x
	if s := p.Status("e"); s != "running" {
		t.Errorf("container after detach: %s", s)
	}
}

// execDetach runs `exec -it` on a 33x77 pty, waits for the command to
// run, types keys, and expects pier to detach; it returns the output.
func execDetach(t *testing.T, p *Pier, ctr string, keys []byte) string {
	t.Helper()
	p.Run("exec", ctr, "rm", "-f", "/tmp/m")
	cmd, ptmx := p.StartInPty(33, 77, "exec", "-it", ctr, "sh", "-c", "stty size; echo marker > /tmp/m; sleep 100")
	var out safeBuffer
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&out, ptmx); close(copied) }()
	if !eventually(20*time.Second, func() bool { return p.Run("exec", ctr, "cat", "/tmp/m").Out() == "marker" }) {
		t.Fatal("exec -it did not start")
	}
	// The keys go only once the session's output has reached us: output
	// still on its way when pier detaches is not ours to see.
	if !eventually(20*time.Second, func() bool { return strings.Contains(out.String(), "\n") }) {
		t.Errorf("exec -it printed nothing: %q", out.String())
	}
	_, _ = ptmx.Write(keys)
	werr := make(chan error, 1)
	go func() { werr <- cmd.Wait() }()
	select {
	case err := <-werr:
		if err != nil {
			t.Errorf("detached exec: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%q did not detach", keys)
	}
	ptmx.Close()
	<-copied
	return out.String()
}

// --preserve-fds passes pier's fds 3.. to the command; fds it was not
// given are refused before anything runs.
func TestExecPreserveFDs(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "e", Image, "sleep", "1000")
	f, err := os.CreateTemp(t.TempDir(), "fd")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("through fd 3\n")
	_, _ = f.Seek(0, io.SeekStart)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := p.Command(ctx, RunOpts{}, "exec", "--preserve-fds", "1", "e", "cat", "/proc/self/fd/3")
	cmd.ExtraFiles = []*os.File{f}
	out, err := cmd.Output()
	if err != nil || string(out) != "through fd 3\n" {
		t.Errorf("exec --preserve-fds 1: %q %v", out, err)
	}
	r := p.Run("exec", "--preserve-fds", "2", "e", "true")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "file descriptor 3 is not available - the preserve-fds option requires that file descriptors must be passed") {
		t.Errorf("exec --preserve-fds without fds: %s", r)
	}
	if got := p.Inspect("e", "{{len .ExecIDs}}"); got != "0" {
		t.Errorf("a refused exec left a session: %s", got)
	}
}

// Ctrl-C ends pier's exec, not the session (podman's exec does not
// forward signals): the command runs on and the session is kept.
func TestExecInterrupted(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "e", Image, "sleep", "1000")
	cmd, _ := p.Background("exec", "e", "sh", "-c", "touch /tmp/started; sleep 77")
	if !eventually(20*time.Second, func() bool { return p.Run("exec", "e", "test", "-e", "/tmp/started").ExitCode == 0 }) {
		t.Fatal("exec did not start")
	}
	_ = cmd.Process.Signal(os.Interrupt)
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("interrupted exec: exit %d, want 130", code)
	}
	if !strings.Contains(p.MustRun("exec", "e", "ps").Stdout, "sleep 77") {
		t.Errorf("the interrupted session's command is gone")
	}
	if got := p.Inspect("e", "{{len .ExecIDs}}"); got != "1" {
		t.Errorf("interrupted session not kept: %s", got)
	}
}

// A window size change of pier's terminal reaches the session's pty.
func TestExecTerminalResize(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "e", Image, "sleep", "1000")
	cmd, ptmx := p.StartInPty(20, 60, "exec", "-it", "e", "sh", "-c", "stty size; read x; stty size")
	var out safeBuffer
	go func() { _, _ = io.Copy(&out, ptmx) }()
	seen := func(s string) bool { return strings.Contains(out.String(), s) }
	if !eventually(20*time.Second, func() bool { return seen("20 60") }) {
		t.Fatalf("first size not seen: %q", out.String())
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 41, Cols: 101}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the resize travels through the monitor
	_, _ = ptmx.Write([]byte("\r"))
	if !eventually(20*time.Second, func() bool { return seen("41 101") }) {
		t.Errorf("resized terminal not seen by the session: %q", out.String())
	}
	_ = cmd.Wait()
}
