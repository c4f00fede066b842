package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Flags of the lifecycle commands as podman 5 has them: start --all and
// --filter, stop's stopping state, warning, --cidfile, --filter and
// --ignore, kill's signal forms and --cidfile.

func TestKillRejectsBadSignals(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	// Checked before the container is looked up; one leading dash is
	// dropped from the text, as podman does.
	for in, want := range map[string]string{
		"0": "invalid signal: 0", "SIGBADSIG": "invalid signal: SIGBADSIG", "SIG": "invalid signal: SIG",
		"%%": "invalid signal: %%", "-0": "invalid signal: 0", "-BADSIG": "invalid signal: BADSIG",
		"-": "invalid signal: ", "RTMIN+31": "invalid signal: RTMIN+31",
		"65": "valid signals are 1 through 64", "-65": "valid signals are 1 through 64",
		"99999999": "valid signals are 1 through 64",
	} {
		r := p.Run("kill", "-s", in, "nosuchcontainer")
		if r.ExitCode != 125 || r.Stderr != "Error: "+want+"\n" {
			t.Errorf("kill -s %q: want exit 125 and %q: %s", in, want, r)
		}
	}
	r := p.Run("create", "--stop-signal=99", Image)
	if r.ExitCode != 125 || r.Stderr != "Error: valid signals are 1 through 64\n" {
		t.Errorf("create --stop-signal=99: %s", r)
	}
	// Every accepted form reaches the container.
	p.MustRun("run", "-d", "--name", "k", Image, "sh", "-c", "trap 'echo got-hup' HUP; trap 'echo got-usr2' USR2; echo READY; while :; do sleep 0.1; done")
	p.WaitLogs("k", "READY", 10*time.Second)
	for i, s := range []string{"-HUP", "sighup", "1", "-1"} {
		if got := p.MustRun("kill", "-s", s, "k").Out(); got != "k" {
			t.Errorf("kill -s %s prints the name: %q", s, got)
		}
		// Signals pending at once coalesce: wait for each to be seen.
		if !eventually(10*time.Second, func() bool { return strings.Count(p.MustRun("logs", "k").Stdout, "got-hup") == i+1 }) {
			t.Fatalf("kill -s %s: HUP not seen", s)
		}
	}
	p.MustRun("kill", "-s", "usr2", "k")
	p.WaitLogs("k", "got-usr2", 10*time.Second)
	p.MustRun("kill", "-s", "-KILL", "k")
	p.WaitStatus("k", "exited", 10*time.Second)
	if n := strings.Count(p.MustRun("logs", "k").Stdout, "got-hup"); n != 4 {
		t.Errorf("4 HUPs in 4 spellings, the container saw %d", n)
	}
	if got := p.Inspect("k", "{{.State.ExitCode}}"); got != "137" {
		t.Errorf("kill -s -KILL: exit %s, want 137", got)
	}
}

func TestKillStopCIDFile(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("run", "-d", "--name", "c", Image, "sleep", "100").Out()
	cid := filepath.Join(p.Dir, "cid")
	if err := os.WriteFile(cid, []byte(id+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(p.Dir, "nofile")
	p.ExpectEngineError(p.Run("kill", "--cidfile", missing), "Error: reading CIDFile: open "+missing+": no such file or directory")
	p.ExpectEngineError(p.Run("kill", "--cidfile", cid, "c"), "Error: no arguments are needed with --latest or --cidfile")
	p.ExpectEngineError(p.Run("stop", "-a", "c"), "Error: no arguments are needed with --all")
	// The same rules (podman's CheckAllLatestAndIDFile) for rm, restart, cleanup.
	p.ExpectEngineError(p.Run("rm", "-a", "c"), "Error: no arguments are needed with --all")
	p.ExpectEngineError(p.Run("restart", "-l", "c"), "Error: --latest and containers cannot be used together")
	p.ExpectEngineError(p.Run("container", "cleanup", "-a", "c"), "Error: no arguments are needed with --all")
	p.ExpectEngineError(p.Run("stop", "--filter", "name=c", "c"), "Error: --filter takes no arguments")
	if got := p.MustRun("kill", "-s", "CONT", "--cidfile", cid).Out(); got != id {
		t.Errorf("kill --cidfile prints the ID read: %q", got)
	}
	if got := p.MustRun("stop", "-i", "--cidfile", missing).Out(); got != "" {
		t.Errorf("stop -i of a missing cidfile does nothing: %q", got)
	}
	if got := p.MustRun("stop", "-t", "0", "--cidfile", cid).Out(); got != id {
		t.Errorf("stop --cidfile prints the ID read: %q", got)
	}
	if st := p.Status("c"); st != "exited" {
		t.Errorf("after stop --cidfile: %s", st)
	}
}

func TestStartAllAndFilter(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ok := p.MustRun("run", "-d", "--name", "ok", Image, "true").Out()
	p.MustRun("run", "-d", "--name", "bad", Image, "false")
	created := p.MustRun("create", "--name", "new", Image, "true").Out()
	p.MustRun("wait", "ok", "bad")
	p.ExpectEngineError(p.Run("start", "--all", "12333"), "Error: either start all containers or the container(s) provided in the arguments")
	p.ExpectEngineError(p.Run("start", "--all", "--attach"), "Error: you cannot start and attach all containers at once")
	p.ExpectEngineError(p.Run("start", "--filter", "restart-policy=bogus", "ok"), "Error: bogus invalid restart policy")
	p.ExpectEngineError(p.Run("start", "--filter", "exited", "ok"), `Error: invalid filter "exited"`)
	p.ExpectEngineError(p.Run("start"), "Error: start requires at least one argument")
	// -i without -a starts detached (podman 5) and prints the name.
	p.MustRun("create", "--name", "echo", Image, "echo", "hi")
	if r := p.MustRun("start", "-i", "echo"); r.Out() != "echo" {
		t.Errorf("start -i without -a: %s", r)
	}
	p.MustRun("wait", "echo")
	p.MustRun("rm", "echo")

	if got := p.MustRun("start", "--all", "--filter", "exited=0").Out(); got != ok {
		t.Errorf("start --all --filter exited=0: %q, want the ID of ok", got)
	}
	p.MustRun("wait", "ok")
	if got := p.MustRun("start", "--filter", "restart-policy=always", "ok").Out(); got != "" {
		t.Errorf("ok has no restart policy: %q", got)
	}
	// Names are matched exactly; what matches prints as given.
	if got := p.MustRun("start", "--filter", "restart-policy=none", "ok", "bad").Out(); got != "ok\nbad" {
		t.Errorf("start --filter restart-policy=none ok bad: %q", got)
	}
	p.MustRun("wait", "ok", "bad")
	if got := p.MustRun("start", "--filter", "status=created").Out(); got != created {
		t.Errorf("a filter without names acts on every match: %q", got)
	}
	p.MustRun("wait", "new")
	// --all starts what is not running, by ID.
	p.MustRun("run", "-d", "--name", "up", "--restart", "always", Image, "sleep", "100")
	if got := p.MustRun("start", "--filter", "restart-policy=always").Out(); got != p.Inspect("up", "{{.Id}}") {
		t.Errorf("start --filter restart-policy=always: %q, want up's ID", got)
	}
	got := p.MustRun("start", "--all").Lines()
	if len(got) != 3 || strings.Contains(strings.Join(got, " "), p.Inspect("up", "{{.Id}}")) {
		t.Errorf("start --all: %q, want the 3 exited containers only", got)
	}
}

// runIgnoringTERM runs a container that ignores SIGTERM, so a stop waits
// out its whole timeout.
func runIgnoringTERM(p *Pier, name string) {
	p.t.Helper()
	p.MustRun("run", "-d", "--name", name, Image, "sh", "-c", "trap 'echo ignoring' TERM; echo READY; while :; do sleep 0.1; done")
	p.WaitLogs(name, "READY", 10*time.Second)
}

func TestStopReleasesLockWhileWaiting(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	runIgnoringTERM(p, "slow")
	stop, stderr := p.Background("stop", "-t", "20", "slow")
	p.WaitStatus("slow", "stopping", 10*time.Second)
	if got := p.MustRun("ps", "-a", "--format", "{{.Names}} {{.State}} {{.Status}}").Out(); got != "slow stopping Stopping" {
		t.Errorf("ps -a while stopping: %q", got)
	}
	if got := p.MustRun("ps", "-q").Out(); got != "" {
		t.Errorf("ps lists running containers only: %q", got)
	}
	if got := p.Inspect("slow", "{{.State.Running}}"); got != "false" {
		t.Errorf("inspect .State.Running while stopping: %s", got)
	}
	p.ExpectEngineError(p.Run("start", "slow"), "must be in Created or Stopped state to be started")
	// kill takes the lock stop released, and ends the wait early.
	start := time.Now()
	p.MustRun("kill", "slow")
	if err := stop.Wait(); err != nil {
		t.Fatalf("stop: %v: %s", err, stderr.String())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stop waited %s after the kill", d)
	}
	if stderr.String() != "" {
		t.Errorf("no warning when the container exits before the timeout: %q", stderr.String())
	}
	if got := p.Inspect("slow", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 137" {
		t.Errorf("after kill during stop: %s", got)
	}
}

func TestStopWarnsAndRemovesRm(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--rm", "-d", "--name", "stopme", Image, "sleep", "100")
	r := p.MustRun("stop", "-t", "1", "stopme")
	if r.Out() != "stopme" {
		t.Errorf("stop prints the name: %s", r)
	}
	if !strings.Contains(r.Stderr, "StopSignal SIGTERM failed to stop container stopme in 1 seconds, resorting to SIGKILL") {
		t.Errorf("stop -t 1 of a container ignoring TERM should warn: %s", r)
	}
	// A --rm container is gone when stop returns.
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("stop of a --rm container leaves %v", ids)
	}
	p.MustRun("run", "-d", "--name", "hup", "--stop-signal", "HUP", Image, "sleep", "100")
	r = p.MustRun("stop", "--timeout", "1", "hup") // podman's alias of --time
	// sleep is PID 1: HUP without a handler is ignored.
	if !strings.Contains(r.Stderr, "StopSignal SIGHUP failed to stop container hup in 1 seconds, resorting to SIGKILL") {
		t.Errorf("stop with --stop-signal HUP names the signal: %s", r)
	}
}

func TestWaitConditionsAndInterval(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.Run("run", "--name", "x3", Image, "sh", "-c", "exit 3")
	p.MustRun("create", "--name", "c", Image)
	p.MustRun("run", "-d", "--name", "up", Image, "sleep", "100")
	// Exit codes for exits, -1 for any other state reached.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"x3"}, "3"},
		{[]string{"--condition", "running", "up"}, "-1"},
		{[]string{"--condition", "created", "c"}, "-1"},
		{[]string{"--condition=removing,exited", "x3"}, "3"},
		{[]string{"--ignore", "nosuch", "x3"}, "-1\n3"},
	} {
		if got := p.MustRun(append([]string{"wait"}, tc.args...)...).Out(); got != tc.want {
			t.Errorf("wait %v: %q, want %q", tc.args, got, tc.want)
		}
	}
	p.ExpectEngineError(p.Run("wait", "--condition", "configured", "c"), "Error: unknown container state: configured: invalid argument")
	p.ExpectEngineError(p.Run("wait", "--interval", "bogus", "nosuch"), `Error: time: invalid duration "bogus"`)
	p.ExpectEngineError(p.Run("wait", "-l", "c"), "Error: --latest and containers cannot be used together")
	p.ExpectEngineError(p.Run("wait", "--condition", "bogus", "nosuch"), `Error: no container with name or ID "nosuch" found`)
	// No container has a healthcheck: podman's error, for each container.
	r := p.Run("wait", "--condition", "healthy", "x3", "up")
	if r.ExitCode != 125 || strings.Count(r.Stderr, `cannot use condition "healthy": container `) != 2 || !strings.Contains(r.Stderr, "has no healthcheck") {
		t.Errorf("wait --condition healthy: %s", r)
	}
	// --interval is the polling period; a bare number is milliseconds.
	p.MustRun("run", "-d", "--name", "short", Image, "sleep", "0.3")
	if r := p.MustRun("wait", "-i", "2000", "short"); r.Duration < 1500*time.Millisecond || r.Out() != "0" {
		t.Errorf("wait -i 2000 polls every 2 s: %s in %s", r, r.Duration)
	}
	p.MustRun("start", "short")
	if r := p.MustRun("wait", "-i", "20ms", "short"); r.Duration > 1500*time.Millisecond {
		t.Errorf("wait -i 20ms of a 0.3 s container took %s", r.Duration)
	}
}

func TestStopInterrupted(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	runIgnoringTERM(p, "slow")
	stop, stderr := p.Background("stop", "-t", "30", "slow")
	p.WaitStatus("slow", "stopping", 10*time.Second)
	// Ctrl-C: the container keeps running and is not left "stopping".
	_ = stop.Process.Signal(syscall.SIGINT)
	if err := stop.Wait(); err == nil {
		t.Errorf("an interrupted stop should fail: %s", stderr.String())
	}
	if strings.Contains(stderr.String(), "resorting to SIGKILL") {
		t.Errorf("no SIGKILL after an interrupt: %s", stderr.String())
	}
	if st := p.Status("slow"); st != "running" {
		t.Errorf("after an interrupted stop: %s, want running", st)
	}
	// A stop killed outright cannot tidy up: the next command notices its
	// waiter is gone and shows the container running again.
	stop, _ = p.Background("stop", "-t", "30", "slow")
	p.WaitStatus("slow", "stopping", 10*time.Second)
	_ = stop.Process.Kill()
	_ = stop.Wait()
	if st := p.Status("slow"); st != "running" {
		t.Errorf("after a killed stop: %s, want running", st)
	}
	if got := p.MustRun("ps", "--format", "{{.Names}} {{.State}}").Out(); got != "slow running" {
		t.Errorf("ps after a killed stop: %q", got)
	}
	p.MustRun("stop", "-t", "0", "slow")
}

func TestRestartFilterCIDFileAndWaitFirst(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	a := p.MustRun("run", "-d", "--name", "a", Image, "sleep", "100").Out()
	p.MustRun("run", "-d", "--name", "b", Image, "sleep", "100")
	p.Expect(2, "run", "--name", "x", Image, "sh", "-c", "exit 2")
	cid := filepath.Join(p.Dir, "cid-a")
	if err := os.WriteFile(cid, []byte(a), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := p.MustRun("restart", "-t", "0", "--filter", "name=a").Out(); got != a {
		t.Errorf("restart --filter name=a: %q", got)
	}
	if got := p.MustRun("restart", "-t", "0", "--cidfile", cid).Out(); got != a {
		t.Errorf("restart --cidfile: %q", got)
	}
	if got := p.Inspect("a", "{{.RestartCount}}"); got != "2" {
		t.Errorf("a restarted twice: RestartCount %s", got)
	}
	p.ExpectEngineError(p.Run("restart", "--filter", "name=a", "a"), "Error: --filter takes no arguments")
	// --exit-first-match returns with the first container to exit.
	p.MustRun("run", "-d", "--name", "quick", Image, "sh", "-c", "sleep 0.5; exit 4")
	r := p.MustRun("wait", "--exit-first-match", "b", "quick")
	if r.Out() != "4" || r.Duration > 10*time.Second {
		t.Errorf("wait --exit-first-match b quick: %s", r)
	}
	if st := p.Status("b"); st != "running" {
		t.Errorf("b is left alone: %s", st)
	}
}
