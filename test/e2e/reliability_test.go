package e2e

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// 6. Reliability: parallel CLIs, crashes at every step, reboots.

func TestParallelRunRm(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	const n = 50
	results := make([]Result, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = p.RunWith(RunOpts{Timeout: 5 * time.Minute}, "run", "--rm", "--name", fmt.Sprintf("par%d", i), Image, "echo", strconv.Itoa(i))
		}(i)
	}
	wg.Wait()
	failed := 0
	for i, r := range results {
		if r.ExitCode != 0 || r.Out() != strconv.Itoa(i) {
			failed++
			if failed <= 5 {
				t.Errorf("parallel run %d: %s", i, r)
			}
		}
		if strings.Contains(r.Stderr, "database is locked") {
			t.Errorf("SQLite lock error under parallel load: %s", r)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d parallel runs failed", failed, n)
	}
	p.CheckClean("after 50 parallel run --rm")
}

// Different containers never wait for each other; create, start and
// remove interleave freely.
func TestParallelLifecycle(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan string, n*4)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("life%d", i)
			for _, args := range [][]string{
				{"create", "--name", name, Image, "sleep", "100"},
				{"start", name},
				{"ps", "-a"},
				{"rm", "-f", "-t", "0", name},
			} {
				if r := p.RunWith(RunOpts{Timeout: 5 * time.Minute}, args...); r.ExitCode != 0 {
					errs <- r.String()
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("parallel lifecycle: %s", e)
	}
	p.CheckClean("after parallel create/start/rm")
}

// failpoints are the engine's named crash points (PIER_FAILPOINT=<name>
// SIGKILLs the pier process when it reaches that step) and the command
// that reaches each. The engine must implement exactly these names.
var failpoints = []struct {
	name  string
	setup bool // run -d the container first (without the failpoint)
	args  []string
}{
	{"create-after-storage", false, []string{"create", "--name", "fp", Image, "sleep", "100"}},
	{"create-after-state", false, []string{"create", "--name", "fp", Image, "sleep", "100"}},
	{"start-after-mount", false, []string{"run", "-d", "--name", "fp", Image, "sleep", "100"}},
	{"start-after-monitor", false, []string{"run", "-d", "--name", "fp", Image, "sleep", "100"}},
	{"start-after-runtime-start", false, []string{"run", "-d", "--name", "fp", Image, "sleep", "100"}},
	{"remove-after-stop", true, []string{"rm", "-f", "-t", "0", "fp"}},
	{"remove-after-storage", true, []string{"rm", "-f", "-t", "0", "fp"}},
}

func TestFailpoints(t *testing.T) {
	for _, fp := range failpoints {
		t.Run(fp.name, func(t *testing.T) {
			t.Parallel()
			p := newPier(t)
			if fp.setup {
				p.MustRun("run", "-d", "--name", "fp", Image, "sleep", "100")
			}
			r := p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=" + fp.name}}, fp.args...)
			if r.Signal != syscall.SIGKILL {
				t.Fatalf("failpoint %s should SIGKILL pier; not implemented? %s", fp.name, r)
			}
			checkConsistent(t, p)
			listed := p.Run("container", "exists", "fp").ExitCode == 0
			if !listed {
				// A half-created container must not hold on to its name.
				p.MustRun("create", "--name", "fp", Image, "true")
			} else if strings.HasPrefix(fp.name, "start-") {
				// A half-started container can be started (or already runs).
				p.MustRun("start", "fp")
				p.WaitStatus("fp", "running", 15*time.Second)
				// A monitor orphaned by the crash must not linger beside
				// the new one: its late exit would be taken for the new run's.
				if n := countMonitors(p); n != 1 {
					t.Errorf("after restart from %s: %d monitors, want 1", fp.name, n)
				}
			}
			p.MustRun("rm", "-af", "-t", "0")
			p.CheckClean("after crash at " + fp.name + " and rm -af")
		})
	}
}

// checkConsistent: ps works and every container it lists can be inspected
// and has a status users know.
func checkConsistent(t *testing.T, p *Pier) {
	t.Helper()
	r := p.Run("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Status}}")
	if r.ExitCode != 0 {
		t.Fatalf("ps -a after a crash: %s", r)
	}
	for _, l := range r.Lines() {
		id, _, _ := strings.Cut(l, " ")
		ri := p.Run("inspect", "--format", "{{.State.Status}}", id)
		if ri.ExitCode != 0 {
			t.Errorf("container %s listed but not inspectable: %s", id, ri)
			continue
		}
		switch ri.Out() {
		case "created", "running", "exited", "stopped", "removing", "paused":
		default:
			t.Errorf("container %s has status %q", id, ri.Out())
		}
	}
	t.Logf("state after crash:\n%s", r.Stdout)
}

// Kill `pier run` at random moments; the engine must stay usable and
// `rm -af` must clean everything.
func TestRandomKill(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for i := 0; i < 10; i++ {
		delay := time.Duration(rng.Intn(300)) * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := p.Command(ctx, RunOpts{}, "run", "--name", fmt.Sprintf("rk%d", i), Image, "sleep", "1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
		t.Logf("killed run rk%d after %s", i, delay)
	}
	checkConsistent(t, p)
	p.MustRun("rm", "-af", "-t", "0")
	p.CheckClean("after random kills and rm -af")
}

// A reboot loses every process, every mount and the run root (tmpfs); the
// state on disk survives. pier must notice (the run root's alive file is
// gone), reset the containers and start them again.
func TestRebootRefresh(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("run", "-d", "--name", "rb", Image, "sh", "-c", "echo boot; sleep 1000").Out()
	p.MustRun("create", "--name", "never", Image, "true")
	p.WaitLogs("rb", "boot", 10*time.Second)
	mon := monitorOf(t, p, "rb")
	ctrPid, _ := strconv.Atoi(p.Inspect("rb", "{{.State.Pid}}"))

	// "Power off".
	syscall.Kill(mon.PID, syscall.SIGKILL)
	syscall.Kill(ctrPid, syscall.SIGKILL)
	if !eventually(10*time.Second, func() bool { return !alive(mon.PID) && !alive(ctrPid) }) {
		t.Fatalf("could not kill monitor %d and container %d", mon.PID, ctrPid)
	}
	for _, pi := range p.Processes() {
		syscall.Kill(pi.PID, syscall.SIGKILL)
	}
	p.UnmountAll()
	for _, dir := range []string{p.RunRoot, p.TmpDir} { // both are tmpfs in real life
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	// In case the runtime state lives in the default runc root, also a tmpfs.
	os.RemoveAll(filepath.Join("/run/runc", id))

	// "Boot".
	r := p.MustRun("ps", "-a", "--format", "{{.Names}} {{.Status}}")
	st := map[string]string{}
	for _, l := range r.Lines() {
		n, s, _ := strings.Cut(l, " ")
		st[n] = s
	}
	if !strings.HasPrefix(st["rb"], "Exited") {
		t.Errorf("after reboot rb should be Exited: %s", r)
	}
	if st["never"] != "Created" {
		t.Errorf("after reboot never should stay Created: %s", r)
	}
	if got := p.Inspect("rb", "{{.State.Pid}}"); got != "0" {
		t.Errorf("PID kept across reboot: %s", got)
	}
	p.MustRun("start", "rb")
	p.WaitStatus("rb", "running", 15*time.Second)
	if !eventually(10*time.Second, func() bool { return strings.Count(p.MustRun("logs", "rb").Stdout, "boot") == 2 }) {
		t.Errorf("rb did not boot again: %q", p.MustRun("logs", "rb").Stdout)
	}
	if got := p.MustRun("start", "-a", "never"); got.ExitCode != 0 {
		t.Errorf("created container after reboot: %s", got)
	}
}

// A runtime that fails `start` (a wrapper, outside pier's process): the
// runtime's error reaches the user, and nothing is left running or mounted.
func TestRuntimeStartFails(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	wrapper := p.RuntimeWrapper("start")
	r := p.Run("run", "--runtime", wrapper, "--name", "rtfail", Image, "sleep", "100")
	// podman 5's run exits 126 when the runtime fails to start the container.
	if r.ExitCode != 126 || !strings.Contains(r.Stderr, "injected failure") {
		t.Errorf("runtime start failure: want 126 with the runtime's message: %s", r)
	}
	checkConsistent(t, p)
	if st := p.Status("rtfail"); st == "running" {
		t.Errorf("status after failed start: %s", st)
	}
	eventually(10*time.Second, func() bool { return len(MonitorsFor(p.Inspect("rtfail", "{{.Id}}"))) == 0 })
	if m := p.OverlayMounts(); len(m) != 0 {
		t.Errorf("failed start left mounts: %v", m)
	}
	if procs := p.Processes(); len(procs) != 0 {
		t.Errorf("failed start left processes: %v", procs)
	}
	// Once the runtime works again, so does the container.
	os.Remove(wrapper + ".fail")
	p.MustRun("start", "--runtime", wrapper, "rtfail")
	p.WaitStatus("rtfail", "running", 15*time.Second)
	// (TestContainerKeepsItsRuntime checks rm without --runtime.)
	p.MustRun("rm", "-f", "-t", "0", "--runtime", wrapper, "rtfail")
}

// countMonitors counts live pier-monitor serve processes of this test.
func countMonitors(p *Pier) int {
	n := 0
	for _, pi := range p.Processes() {
		if strings.Contains(pi.Cmdline, "pier-monitor") && strings.Contains(pi.Cmdline, " serve ") {
			n++
		}
	}
	return n
}
