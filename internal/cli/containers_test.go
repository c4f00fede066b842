package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/logs"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func TestPsStatus(t *testing.T) {
	now := t0.Add(time.Hour)
	for _, tc := range []struct {
		state string
		start time.Time
		end   time.Time
		code  int32
		want  string
	}{
		{"running", now.Add(-2 * time.Second), time.Time{}, 0, "Up 2 seconds"},
		{"running", now.Add(-300 * time.Millisecond), time.Time{}, 0, "Up Less than a second"},
		{"exited", t0, now.Add(-5 * time.Minute), 1, "Exited (1) 5 minutes ago"},
		{"stopped", t0, now.Add(-3 * time.Second), 0, "Exited (0) 3 seconds ago"},
		{"exited", t0, now.Add(-2 * time.Hour), 137, "Exited (137) 2 hours ago"},
		{"created", time.Time{}, time.Time{}, 0, "Created"},
		{"paused", t0, time.Time{}, 0, "Paused"},
	} {
		if got := psStatus(tc.state, tc.start, tc.end, tc.code, now); got != tc.want {
			t.Errorf("psStatus(%s) = %q, want %q", tc.state, got, tc.want)
		}
	}
}

func TestTruncCommand(t *testing.T) {
	if got := truncCommand([]string{"sleep", "1000"}, false); got != "sleep 1000" {
		t.Errorf("short command changed: %q", got)
	}
	long := []string{"echo", "hello", "world", "this", "is", "long"}
	if got := truncCommand(long, false); got != "echo hello world ..." {
		t.Errorf("truncated = %q", got)
	}
	if got := truncCommand(long, true); got != "echo hello world this is long" {
		t.Errorf("--no-trunc = %q", got)
	}
	if got := truncCommand([]string{"12345678901234567"}, false); got != "12345678901234567" {
		t.Errorf("17 chars must not be cut: %q", got)
	}
}

func ctr(id, name string, st define.Status, code int32, labels map[string]string, created time.Time) *define.Container {
	return &define.Container{
		Config: define.ContainerConfig{
			ID: id, Name: name, Created: created, Labels: labels,
			Image: "localhost/busybox:latest", RawImage: "busybox", ImageID: "abcdef0123456789",
			Cmd: []string{"sleep", "10"},
		},
		State: define.ContainerState{Status: st, ExitCode: code},
	}
}

func testCtrs() []*define.Container {
	return []*define.Container{
		ctr("aaa111", "web", define.StatusRunning, 0, map[string]string{"app": "web", "tier": "front"}, t0),
		ctr("bbb222", "db", define.StatusExited, 1, map[string]string{"app": "db"}, t0.Add(time.Minute)),
		ctr("ccc333", "job", define.StatusConfigured, 0, nil, t0.Add(2*time.Minute)),
		ctr("ddd444", "webtest", define.StatusStopped, 0, map[string]string{"app": "web"}, t0.Add(3*time.Minute)),
	}
}

func names(cs []*define.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Config.Name)
	}
	return out
}

func TestCtrFilters(t *testing.T) {
	cs := testCtrs()
	for _, tc := range []struct {
		filters []string
		want    []string
	}{
		{nil, []string{"web", "db", "job", "webtest"}},
		{[]string{"id=aaa"}, []string{"web"}},
		{[]string{"id=aaa", "id=ccc"}, []string{"web", "job"}},                  // same key: OR
		{[]string{"name=web"}, []string{"web", "webtest"}},                      // regexp, unanchored
		{[]string{"name=^web$"}, []string{"web"}},                               // anchored
		{[]string{"label=app=web"}, []string{"web", "webtest"}},                 // key=value
		{[]string{"label=app=web", "label=tier"}, []string{"web"}},              // labels: AND
		{[]string{"label=tier"}, []string{"web"}},                               // key only
		{[]string{"label!=tier"}, []string{"db", "job", "webtest"}},             // negated
		{[]string{"status=exited"}, []string{"db", "webtest"}},                  // stopped shows as exited
		{[]string{"status=created", "status=running"}, []string{"web", "job"}},  // configured is created
		{[]string{"status=exited", "name=web"}, []string{"webtest"}},            // different keys: AND
		{[]string{"exited=1"}, []string{"db"}},                                  // exit code
		{[]string{"exited=0"}, []string{"webtest"}},                             // only exited ones
		{[]string{"ancestor=busybox"}, []string{"web", "db", "job", "webtest"}}, // short name
		{[]string{"ancestor=busybox:latest"}, []string{"web", "db", "job", "webtest"}},
		{[]string{"ancestor=abcdef"}, []string{"web", "db", "job", "webtest"}}, // ID prefix
		{[]string{"ancestor=alpine"}, nil},
		{[]string{"before=job"}, []string{"web", "db"}},
		{[]string{"since=db"}, []string{"job", "webtest"}},
	} {
		f, err := parseFilters(tc.filters)
		if err != nil {
			t.Fatal(err)
		}
		match, err := newCtrFilterWith(f, cs)
		if err != nil {
			t.Fatalf("%v: %v", tc.filters, err)
		}
		var got []string
		for _, c := range cs {
			if match(c) {
				got = append(got, c.Config.Name)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.filters, got, tc.want)
		}
	}
}

func TestCtrFilterErrors(t *testing.T) {
	for _, in := range [][]string{{"bogus=1"}, {"status=sleeping"}, {"exited=x"}, {"before=nope"}} {
		f, err := parseFilters(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newCtrFilterWith(f, testCtrs()); err == nil {
			t.Errorf("%v: want an error", in)
		}
	}
	if _, err := parseFilters([]string{"novalue"}); err == nil {
		t.Error("a filter without '=' must fail")
	}
}

func TestSelectPs(t *testing.T) {
	cs := testCtrs()
	for _, tc := range []struct {
		o    psOpts
		want []string
	}{
		{psOpts{last: -1}, []string{"web"}},
		{psOpts{all: true, last: -1}, []string{"web", "db", "job", "webtest"}},
		{psOpts{last: 2}, []string{"job", "webtest"}}, // the newest two, oldest first (podman), all states
		{psOpts{latest: true, last: -1}, []string{"webtest"}},
		{psOpts{last: -1, filters: []string{"status=exited"}}, []string{"db", "webtest"}},
	} {
		f, _ := parseFilters(tc.o.filters)
		match, err := newCtrFilterWith(f, cs)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(selectPs(cs, &tc.o, match)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.o, got, tc.want)
		}
	}
}

func psList(now time.Time) []psContainer {
	var out []psContainer
	for _, c := range testCtrs() {
		out = append(out, newPsContainer(c, now))
	}
	return out
}

func TestPsTable(t *testing.T) {
	now := t0.Add(time.Hour)
	var buf bytes.Buffer
	o := &psOpts{last: -1}
	if err := psTable(&buf, o, false, psList(now)[:1], now); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want header and one row, got %q", buf.String())
	}
	if h := strings.Fields(lines[0]); strings.Join(h, " ") != "CONTAINER ID IMAGE COMMAND CREATED STATUS PORTS NAMES" {
		t.Errorf("header = %q", lines[0])
	}
	if !strings.HasPrefix(lines[0], "CONTAINER ID  IMAGE  ") {
		t.Errorf("columns must be separated by two spaces: %q", lines[0])
	}
	for _, s := range []string{"aaa111", "localhost/busybox:latest", "sleep 10", "About an hour ago", "Up ", "web"} {
		if !strings.Contains(lines[1], s) {
			t.Errorf("row %q lacks %q", lines[1], s)
		}
	}

	buf.Reset()
	o = &psOpts{last: -1, format: "{{.Names}} {{.State}} {{.Label \"app\"}} {{.Command}}"}
	if err := psTable(&buf, o, true, psList(now)[:2], now); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "web running web sleep 10\ndb exited db sleep 10\n" {
		t.Errorf("template output = %q", got)
	}

	buf.Reset()
	o = &psOpts{last: -1, format: "table {{.ID}}\t{{.Names}}"}
	if err := psTable(&buf, o, true, psList(now)[:1], now); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "CONTAINER ID  NAMES\naaa111        web\n" {
		t.Errorf("table template output = %q", got)
	}
	buf.Reset()
	o.noHeading = true
	if err := psTable(&buf, o, true, psList(now)[:1], now); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "aaa111      web\n" { // minimum column width 12
		t.Errorf("--noheading output = %q", got)
	}
}

func TestPsReporterTruncates(t *testing.T) {
	c := newPsContainer(ctr(strings.Repeat("a", 64), "x", define.StatusRunning, 0, nil, t0), t0)
	r := psReporter{c, false, t0}
	if r.ID() != strings.Repeat("a", 12) || r.ImageID() != "abcdef012345" {
		t.Errorf("ID %q ImageID %q", r.ID(), r.ImageID())
	}
	r.noTrunc = true
	if len(r.ID()) != 64 {
		t.Errorf("--no-trunc ID %q", r.ID())
	}
}

func TestPsJSON(t *testing.T) {
	now := t0.Add(time.Hour)
	var buf bytes.Buffer
	if err := psJSON(&buf, psList(now)[:2]); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("got %d entries", len(out))
	}
	e := out[1]
	checks := map[string]any{
		"Id": "bbb222", "Image": "localhost/busybox:latest", "State": "exited",
		"Exited": true, "ExitCode": float64(1), "Created": float64(t0.Add(time.Minute).Unix()),
		"CreatedAt": "59 minutes ago", "AutoRemove": false,
	}
	for k, v := range checks {
		if !reflect.DeepEqual(e[k], v) {
			t.Errorf("%s = %#v, want %#v", k, e[k], v)
		}
	}
	if !strings.HasPrefix(e["Status"].(string), "Exited (1)") {
		t.Errorf("Status = %v", e["Status"])
	}
	if names, ok := e["Names"].([]any); !ok || names[0] != "db" {
		t.Errorf("Names = %v", e["Names"])
	}
	if cmd, ok := e["Command"].([]any); !ok || len(cmd) != 2 {
		t.Errorf("Command must be an array: %v", e["Command"])
	}
	// podman prints Created (Unix seconds) after the ListContainer fields.
	s := buf.String()
	if strings.LastIndex(s, `"Created":`) < strings.LastIndex(s, `"Status":`) {
		t.Errorf("Created must come last:\n%s", s)
	}
}

func parseCreate(t *testing.T, args ...string) (*cobra.Command, *createOpts, []string) {
	t.Helper()
	o := &createOpts{}
	cmd := &cobra.Command{Use: "create"}
	o.addFlags(cmd.Flags())
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	return cmd, o, cmd.Flags().Args()
}

func TestCreateRequest(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	if err := os.WriteFile(envFile, []byte("# comment\n\nA=file\nB=file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	labelFile := filepath.Join(dir, "labels")
	if err := os.WriteFile(labelFile, []byte("x=1\n# no\ny=2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PIER_TEST_HOSTVAR", "fromhost")
	cmd, o, args := parseCreate(t,
		"--name", "n1", "-e", "B=flag", "-e", "PIER_TEST_HOSTVAR", "-e", "PIER_TEST_UNSET", "--env-file", envFile,
		"-l", "y=3", "--label", "z", "--label-file", labelFile, "-w", "/w", "-u", "1:2", "-h", "host",
		"--read-only", "-v", "/a:/b:ro", "--tmpfs", "/t", "--network", "none", "--ulimit", "nofile=10:20",
		"--stop-signal", "KILL", "--stop-timeout", "3", "--rm", "-i", "-t", "--entrypoint", "",
		"busybox", "ls", "-l", "--color")
	lookup := func(k string) (string, bool) {
		if k == "http_proxy" {
			return "http://proxy", true
		}
		return os.LookupEnv(k)
	}
	req, err := o.request(cmd, args, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if req.Image != "busybox" || !reflect.DeepEqual(req.Command, []string{"ls", "-l", "--color"}) {
		t.Errorf("image %q command %q: flags after the image belong to the command", req.Image, req.Command)
	}
	wantEnv := []string{"A=file", "B=flag", "PIER_TEST_HOSTVAR=fromhost"}
	if !reflect.DeepEqual(req.Env, wantEnv) {
		t.Errorf("env = %q, want %q", req.Env, wantEnv)
	}
	if !reflect.DeepEqual(req.HostEnv, []string{"http_proxy=http://proxy"}) {
		t.Errorf("host env = %q", req.HostEnv)
	}
	wantLabels := map[string]string{"x": "1", "y": "3", "z": ""}
	if !reflect.DeepEqual(req.Labels, wantLabels) {
		t.Errorf("labels = %v, want %v", req.Labels, wantLabels)
	}
	if req.Entrypoint == nil || *req.Entrypoint != "" {
		t.Errorf("--entrypoint '' must clear the entrypoint, got %v", req.Entrypoint)
	}
	if req.StopTimeout == nil || *req.StopTimeout != 3 {
		t.Errorf("stop timeout %v", req.StopTimeout)
	}
	if req.Name != "n1" || req.WorkingDir != "/w" || req.User != "1:2" || req.Hostname != "host" ||
		!req.ReadOnly || !req.AutoRemove || !req.Stdin || !req.Terminal || req.NetworkMode != "none" ||
		req.StopSignal != syscall.SIGKILL {
		t.Errorf("request = %+v", req)
	}
	wantMounts := []define.Mount{
		{Type: "bind", Source: "/a", Destination: "/b", Options: []string{"ro"}},
		{Type: "tmpfs", Source: "tmpfs", Destination: "/t"},
	}
	if !reflect.DeepEqual(req.Mounts, wantMounts) ||
		!reflect.DeepEqual(req.Ulimits, []spec.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 20}}) {
		t.Errorf("mounts/ulimits = %+v %+v", req.Mounts, req.Ulimits)
	}

	// Unset flags keep the image's and engine's defaults.
	cmd, o, args = parseCreate(t, "--http-proxy=false", "busybox")
	req, err = o.request(cmd, args, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if req.Entrypoint != nil || req.StopTimeout != nil || len(req.Env) != 0 || req.Labels != nil || len(req.Command) != 0 {
		t.Errorf("defaults = %+v", req)
	}
}

func TestCreateRequestErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--pull", "sometimes", "busybox"},
		{"-e", "=x", "busybox"},
		{"--env-file", "/nonexistent/env", "busybox"},
		{"-l", "=v", "busybox"},
		{"-v", "vol:relative", "busybox"},
		{"--tmpfs", "/t:bind", "busybox"},
		{"--ulimit", "nofile=20:10", "busybox"},
		{"--stop-signal", "NOPE", "busybox"},
	} {
		cmd, o, rest := parseCreate(t, args...)
		if _, err := o.request(cmd, rest, os.LookupEnv); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
}

func TestParseInputTime(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2024-04-30T10:00:00Z":      time.Date(2024, 4, 30, 10, 0, 0, 0, time.UTC),
		"2024-04-30T10:00:00+02:00": time.Date(2024, 4, 30, 8, 0, 0, 0, time.UTC),
		"1714500000":                time.Unix(1714500000, 0),
		"1714500000.5":              time.Unix(1714500000, 500000000),
		"10m":                       now.Add(-10 * time.Minute),
		"1h30m":                     now.Add(-90 * time.Minute),
	} {
		got, err := parseInputTime(in, now)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("%s = %v, want %v", in, got, want)
		}
	}
	if got, err := parseInputTime("2024-04-30", now); err != nil || got.Year() != 2024 || got.Day() != 30 {
		t.Errorf("date only: %v %v", got, err)
	}
	if _, err := parseInputTime("yesterday", now); err == nil {
		t.Error("want an error for garbage")
	}
}

func TestLogPrinter(t *testing.T) {
	var out, errOut bytes.Buffer
	p := &logPrinter{stdout: &out, stderr: &errOut, mu: &sync.Mutex{}}
	at := time.Date(2024, 5, 1, 12, 0, 0, 5000, time.UTC)
	lines := []logs.Line{
		{Time: at, Stream: logs.Stdout, Text: "one"},
		{Time: at, Stream: logs.Stderr, Text: "oops"},
		{Time: at, Stream: logs.Stdout, Text: "tail", Partial: true},
	}
	for _, l := range lines {
		if err := p.line(l); err != nil {
			t.Fatal(err)
		}
	}
	if out.String() != "one\ntail" || errOut.String() != "oops\n" {
		t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
	}
	out.Reset()
	p = &logPrinter{stdout: &out, stderr: &out, mu: &sync.Mutex{}, prefix: "abc123456789 ", timestamps: true}
	_ = p.line(lines[0])
	if want := "abc123456789 2024-05-01T12:00:00.000005000Z one\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestWaitConditions(t *testing.T) {
	c, errFor := parseWaitConditions([]string{"running", "exited", "running"})
	if errFor != nil || len(c) != 2 || c[0] != define.StatusRunning || c[1] != define.StatusExited {
		t.Errorf("conditions = %v", c)
	}
	for in, want := range map[string]string{
		"healthy-ish": "unknown container state: healthy-ish: invalid argument",
		"configured":  "unknown container state: configured: invalid argument",
	} {
		if _, errFor := parseWaitConditions([]string{in}); errFor == nil || errFor("abc").Error() != want {
			t.Errorf("condition %q: want error %q", in, want)
		}
	}
}

func TestInspectFormat(t *testing.T) {
	d := &define.InspectContainerData{
		ID: "abc", Name: "web",
		State:  &define.InspectContainerState{Status: "running", Pid: 42},
		Config: &define.InspectContainerConfig{Labels: map[string]string{"a": "b"}},
		Image:  "img123",
	}
	var buf bytes.Buffer
	tmpl := normalizeInspectFormat("{{.Id}} {{.Name}} {{.State.Status}} {{.State.Pid}} {{index .Config.Labels \"a\"}} {{.ImageID}}")
	if err := printInspect(&buf, []any{d, d}, tmpl); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "abc web running 42 b img123\nabc web running 42 b img123\n" {
		t.Errorf("got %q", got)
	}
	buf.Reset()
	if err := printInspect(&buf, []any{d}, "json"); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil || len(out) != 1 || out[0]["Id"] != "abc" {
		t.Errorf("json = %s (%v)", buf.String(), err)
	}
}

func TestVersionOutput(t *testing.T) {
	v := define.Version{Version: "1.2.3", APIVersion: "1.2.3", GoVersion: "go1.x", BuiltTime: "Thu Jan  1 00:00:00 1970", OsArch: "linux/amd64", Os: "linux"}
	rep := define.SystemVersionReport{Client: &v}
	var buf bytes.Buffer
	if err := printVersion(&buf, rep, "", false); err != nil {
		t.Fatal(err)
	}
	want := "Client:       Pier Engine\nVersion:      1.2.3\nAPI Version:  1.2.3\nGo Version:   go1.x\nBuilt:        Thu Jan  1 00:00:00 1970\nOS/Arch:      linux/amd64\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := printVersion(&buf, rep, "{{.Client.Version}}", true); err != nil || buf.String() != "1.2.3\n" {
		t.Errorf("template: %q %v", buf.String(), err)
	}
	buf.Reset()
	if err := printVersion(&buf, rep, "{{.Server.Version}}", true); err != nil || buf.String() != "1.2.3\n" {
		t.Errorf(".Server falls back to the client: %q %v", buf.String(), err)
	}
	buf.Reset()
	if err := printVersion(&buf, rep, "json", true); err != nil || !strings.HasPrefix(buf.String(), `{"Client":{"APIVersion":"1.2.3"`) {
		t.Errorf("json: %q %v", buf.String(), err)
	}
}

func TestInfoYAML(t *testing.T) {
	info := &define.Info{
		Host:  &define.HostInfo{Arch: "amd64", MemTotal: 25276510208, CgroupControllers: []string{"cpu", "memory"}, CPUUtilization: &define.CPUUsage{IdlePercent: 97.5}},
		Store: &define.StoreInfo{GraphRoot: "/g", ImageStore: define.ImageStore{Number: 3}},
	}
	b, err := yamlOf(info)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		"host:\n  arch: amd64\n",
		"  cgroupControllers:\n  - cpu\n  - memory\n",
		"  memTotal: 25276510208\n",
		"    idlePercent: 97.5\n",
		"  imageStore:\n    number: 3\n",
		"  gidmap: null\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("YAML lacks %q:\n%s", want, s)
		}
	}
}

func TestOutputErrors(t *testing.T) {
	var buf bytes.Buffer
	if outputErrors(&buf, nil) != nil {
		t.Error("no errors must give nil")
	}
	err := outputErrors(&buf, []error{os.ErrNotExist, os.ErrPermission})
	if err != os.ErrPermission || buf.String() != "Error: file does not exist\n" {
		t.Errorf("returned %v, printed %q", err, buf.String())
	}
}
