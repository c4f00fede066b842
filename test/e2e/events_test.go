package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer collects a background process's stdout.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

// A streaming `events` in one process shows, live and in order, what
// other pier processes do to a container (its monitor's cleanup records
// the exit), and ends with exit 0 on SIGINT.
func TestEventsStreamShowsOtherProcesses(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := p.Command(ctx, RunOpts{}, "events", "--filter", "type=container",
		"--format", "{{.Status}} {{.Name}} {{.ContainerExitCode}} {{.Attributes.k}}")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the follower has opened the log
	p.Expect(3, "run", "--name", "ev1", "--label", "k=v", Image, "sh", "-c", "exit 3")
	p.MustRun("run", "-d", "--name", "ev2", Image, "sh", "-c", "exit 4")
	p.MustRun("rm", "ev1")
	want := []string{
		"create ev1 <nil> v", "init ev1 <nil> v", "start ev1 <nil> v", "attach ev1 <nil> v", "died ev1 3 v", "cleanup ev1 <nil> v",
		"create ev2 <nil> <no value>", "init ev2 <nil> <no value>", "start ev2 <nil> <no value>",
		"died ev2 4 <no value>", "cleanup ev2 <nil> <no value>", "remove ev1 3 v",
	}
	got := func() []string {
		var l []string
		for _, s := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if s != "" {
				l = append(l, s)
			}
		}
		return l
	}
	if !eventually(15*time.Second, func() bool { return len(got()) >= len(want) }) {
		t.Fatalf("stream after 15s:\n%s", out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("events after SIGINT: %v\n%s", err, out.String())
	}
	// ev2's exit and cleanup come from its monitor, whenever it runs:
	// compare each container's own sequence.
	for _, name := range []string{"ev1", "ev2"} {
		var g, w []string
		for _, l := range got() {
			if strings.Contains(l, " "+name+" ") {
				g = append(g, l)
			}
		}
		for _, l := range want {
			if strings.Contains(l, " "+name+" ") {
				w = append(w, l)
			}
		}
		if strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s's events:\n got %q\nwant %q", name, g, w)
		}
	}
}

// events reads back with podman's filters (values of a key are
// alternatives), --since, the JSON shape and podman's default line; the
// backend and the log path come from containers.conf or --events-backend.
func TestEventsFiltersFormatsAndBackends(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	logPath := filepath.Join(p.Dir, "ev", "events.log")
	p.WriteConf("[engine]\nevents_logger = \"file\"\nevents_logfile_path = \"" + logPath + "\"\n")
	t0 := time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	p.MustRun("run", "--rm", "--name", "foo", "--label", "lk=lv", Image, "true")
	p.MustRun("run", "--rm", "--name", "bar", Image, "true")
	p.MustRun("tag", Image, "localhost/other:1")
	p.MustRun("volume", "create", "evvol")

	lines := p.MustRun("events", "--stream=false", "--since", t0, "--filter", "container=foo",
		"--filter", "container=bar", "--filter", "event=start").Lines()
	if len(lines) != 2 || !strings.Contains(lines[0], " container start ") || !strings.Contains(lines[0], "name=foo, lk=lv)") ||
		!strings.Contains(lines[1], "name=bar)") {
		t.Errorf("disjunctive filters: %q", lines)
	}
	r := p.MustRun("events", "--stream=false", "--filter", "label=lk=lv", "--filter", "event=died", "--format", "json")
	var ev map[string]any
	if err := json.Unmarshal([]byte(r.Out()), &ev); err != nil {
		t.Fatalf("json: %v: %s", err, r.Out())
	}
	if ev["Name"] != "foo" || ev["ContainerExitCode"] != float64(0) || ev["Type"] != "container" ||
		ev["Image"] != Image || ev["timeNano"] == nil || ev["Attributes"].(map[string]any)["lk"] != "lv" {
		t.Errorf("json event: %v", ev)
	}
	if got := p.MustRun("events", "--stream=false", "--filter", "type=image", "--filter", "event=tag", "--format", "{{.Name}}").Out(); got != "localhost/other:1" {
		t.Errorf("image tag event: %q", got)
	}
	if got := p.MustRun("events", "--stream=false", "--filter", "type=volume", "--format", "{{.Status}} {{.Name}}").Out(); got != "create evvol" {
		t.Errorf("volume event: %q", got)
	}
	if got := p.MustRun("events", "--stream=false", "--until", t0).Out(); got != "" {
		t.Errorf("nothing happened before t0: %q", got)
	}
	data, err := os.ReadFile(logPath)
	if err != nil || !strings.Contains(string(data), `"Status":"create","Time":"`) {
		t.Fatalf("events_logfile_path not written: %v", err)
	}

	// --events-backend=none records nothing and cannot be read.
	before := len(data)
	p.MustRun("--events-backend=none", "volume", "create", "quiet")
	if data, _ := os.ReadFile(logPath); len(data) != before {
		t.Error("--events-backend=none wrote an event")
	}
	p.ExpectEngineError(p.Run("--events-backend=none", "events", "--stream=false"), `cannot read events with the "none" backend`)
	p.ExpectEngineError(p.Run("--events-backend=bogus", "ps"), `"bogus" is not a valid events backend`)
	p.ExpectEngineError(p.Run("events", "--stream=false", "--filter", "foo=bar"), "failed to parse event filters: foo is an invalid filter")
	p.ExpectEngineError(p.Run("events", "--stream=false", "--since", "yesterday"), "unable to interpret time value")
	p.MustRun("volume", "rm", "evvol", "quiet")
}

// Concurrent pier processes each record their containers' events once
// and whole (one JSON line each, under the log's lock).
func TestEventsFromConcurrentProcesses(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	const n = 6
	errs := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := p.Run("run", "--rm", "--name", "cc"+string(rune('a'+i)), Image, "true"); r.ExitCode != 0 {
				errs <- r.String()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	lines := p.MustRun("events", "--stream=false", "--filter", "type=container", "--format", "{{.Name}} {{.Status}}").Lines()
	seen := map[string][]string{}
	for _, l := range lines {
		name, status, _ := strings.Cut(l, " ")
		seen[name] = append(seen[name], status)
	}
	for i := range n {
		name := "cc" + string(rune('a'+i))
		if got := strings.Join(seen[name], " "); got != "create init start attach died remove" {
			t.Errorf("%s: %q", name, got)
		}
	}
}

// As podman: stop records "stop" before the exit; restart and rm -f of a
// running container record none.
func TestEventsStopOnlyForStop(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "rr", Image, "sleep", "1000")
	p.MustRun("restart", "-t", "0", "rr")
	p.MustRun("stop", "-t", "0", "rr")
	p.MustRun("start", "rr")
	p.MustRun("rm", "-f", "-t", "0", "rr")
	got := strings.Join(p.MustRun("events", "--stream=false", "--filter", "container=rr", "--format", "{{.Status}}").Lines(), " ")
	if want := "create init start restart died init start stop died cleanup init start died remove"; got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}
