package e2e

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// 3. ps and inspect.

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func TestPs(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	created := p.MustRun("create", "--name", "c-created", "-l", "role=idle", Image, "true").Out()
	p.Expect(2, "run", "--name", "c-exited", Image, "sh", "-c", "exit 2")
	time.Sleep(20 * time.Millisecond)
	running := p.MustRun("run", "-d", "--name", "c-running", "-l", "role=web", Image, "sleep", "100").Out()

	// Default: running only, podman's header.
	r := p.MustRun("ps")
	lines := r.Lines()
	if len(lines) != 2 {
		t.Fatalf("ps should list the header and one running container: %s", r)
	}
	header := regexp.MustCompile(`^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$`)
	if !header.MatchString(lines[0]) {
		t.Errorf("ps header %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], running[:12]+" ") || !strings.Contains(lines[1], Image) || !strings.HasSuffix(lines[1], "c-running") {
		t.Errorf("ps row %q", lines[1])
	}
	if n := len(p.MustRun("ps", "-a").Lines()); n != 4 {
		t.Errorf("ps -a should list 3 containers + header, got %d lines", n)
	}

	// -q and --no-trunc.
	if got := p.MustRun("ps", "-q").Out(); got != running[:12] {
		t.Errorf("ps -q: %q", got)
	}
	if got := p.MustRun("ps", "-q", "--no-trunc").Out(); got != running {
		t.Errorf("ps -q --no-trunc: %q", got)
	}
	if got := p.MustRun("ps", "-aq").Lines(); len(got) != 3 {
		t.Errorf("ps -aq: %v", got)
	}
	// -l and -n: the latest / last n created.
	if got := p.MustRun("ps", "-l", "--format", "{{.Names}}").Out(); got != "c-running" {
		t.Errorf("ps -l: %q", got)
	}
	if got := p.MustRun("ps", "-n", "2", "--format", "{{.Names}}").Lines(); strings.Join(sortedCopy(got), ",") != "c-exited,c-running" {
		t.Errorf("ps -n 2 should list the 2 last created, including stopped ones (podman): %v", got)
	}

	// --format with status strings.
	st := map[string]string{}
	for _, l := range p.MustRun("ps", "-a", "--format", "{{.Names}} {{.Status}}").Lines() {
		n, s, _ := strings.Cut(l, " ")
		st[n] = s
	}
	if !strings.HasPrefix(st["c-running"], "Up ") {
		t.Errorf("running status %q", st["c-running"])
	}
	if !regexp.MustCompile(`^Exited \(2\) `).MatchString(st["c-exited"]) {
		t.Errorf("exited status %q", st["c-exited"])
	}
	if st["c-created"] != "Created" {
		t.Errorf("created status %q", st["c-created"])
	}

	// --filter.
	filters := map[string]string{
		"status=exited":     "c-exited",
		"status=created":    "c-created",
		"name=c-run":        "c-running",
		"label=role=idle":   "c-created",
		"id=" + created[:8]: "c-created",
		"exited=2":          "c-exited",
	}
	for f, want := range filters {
		if got := p.MustRun("ps", "-a", "--filter", f, "--format", "{{.Names}}").Out(); got != want {
			t.Errorf("ps -a --filter %s: want %q, got %q", f, want, got)
		}
	}

	// JSON, podman's shape.
	var js []map[string]any
	r = p.MustRun("ps", "-a", "--format", "json")
	if err := json.Unmarshal([]byte(r.Stdout), &js); err != nil {
		t.Fatalf("ps --format json is not JSON: %v\n%s", err, r.Stdout)
	}
	if len(js) != 3 {
		t.Fatalf("ps json: %d entries", len(js))
	}
	byName := map[string]map[string]any{}
	for _, c := range js {
		names, _ := c["Names"].([]any)
		if len(names) != 1 {
			t.Errorf("json Names should be a one-element list: %v", c["Names"])
			continue
		}
		byName[names[0].(string)] = c
	}
	if c := byName["c-running"]; c == nil || c["Id"] != running || c["State"] != "running" || c["Image"] != Image {
		t.Errorf("json entry of c-running: %v", c)
	} else if cmd, _ := c["Command"].([]any); len(cmd) != 2 || cmd[0] != "sleep" {
		t.Errorf("json Command: %v", c["Command"])
	}
	if c := byName["c-exited"]; c == nil || c["State"] != "exited" || c["ExitCode"] != float64(2) || c["Exited"] != true {
		t.Errorf("json entry of c-exited: %v", c)
	}
	if r := p.MustRun("ps", "--format", "json", "--filter", "name=none-such"); r.Out() != "[]" {
		t.Errorf("empty json list should be []: %q", r.Out())
	}
}

func TestInspect(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("run", "-d", "--name", "ins", "-e", "K=V", "-l", "x=y", Image, "sleep", "100").Out()
	var arr []map[string]any
	r := p.MustRun("inspect", "ins")
	if err := json.Unmarshal([]byte(r.Stdout), &arr); err != nil || len(arr) != 1 {
		t.Fatalf("inspect should print a JSON list of one: %v\n%s", err, r.Stdout)
	}
	c := arr[0]
	if c["Id"] != id || c["Name"] != "ins" {
		t.Errorf("Id/Name: %v %v", c["Id"], c["Name"])
	}
	state, _ := c["State"].(map[string]any)
	if state["Status"] != "running" || state["Running"] != true {
		t.Errorf("State: %v", state)
	}
	if pid, _ := state["Pid"].(float64); pid <= 0 || !alive(int(pid)) {
		t.Errorf("State.Pid %v should be a live process", state["Pid"])
	}
	cfg, _ := c["Config"].(map[string]any)
	if cmd, _ := cfg["Cmd"].([]any); len(cmd) != 2 || cmd[0] != "sleep" || cmd[1] != "100" {
		t.Errorf("Config.Cmd: %v", cfg["Cmd"])
	}
	env, _ := cfg["Env"].([]any)
	if !containsAny(env, "K=V") {
		t.Errorf("Config.Env lacks K=V: %v", env)
	}
	if labels, _ := cfg["Labels"].(map[string]any); labels["x"] != "y" {
		t.Errorf("Config.Labels: %v", cfg["Labels"])
	}
	if c["Image"] == nil || c["ImageName"] != Image {
		t.Errorf("Image/ImageName: %v %v", c["Image"], c["ImageName"])
	}

	p.MustRun("kill", "ins")
	p.WaitStatus("ins", "exited", 10*time.Second)
	if got := p.Inspect("ins", "{{.State.ExitCode}} {{.State.Pid}} {{.State.Running}}"); got != "137 0 false" {
		t.Errorf("after kill: ExitCode Pid Running = %q", got)
	}
	// Several at once; a missing one makes it fail (125) but still prints the rest.
	p.MustRun("create", "--name", "ins2", Image, "true")
	r = p.MustRun("inspect", "--format", "{{.Name}}", "ins", "ins2")
	if strings.Join(r.Lines(), ",") != "ins,ins2" {
		t.Errorf("inspect of two: %s", r)
	}
	r = p.Run("inspect", "--format", "{{.Name}}", "ins", "missing")
	if r.ExitCode != 125 || r.Out() != "ins" || !strings.Contains(r.Stderr, "missing") {
		t.Errorf("inspect with one missing: %s", r)
	}
}

func containsAny(l []any, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}
