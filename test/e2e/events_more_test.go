package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// eventsJSON reads the whole log as `events --format json` lines of the
// given types (podman's output shape: time/timeNano, Error capitalised).
func eventsJSON(t *testing.T, p *Pier, types ...string) []map[string]any {
	t.Helper()
	args := []string{"events", "--stream=false", "--format", "json"}
	for _, ty := range types {
		args = append(args, "--filter", "type="+ty)
	}
	var out []map[string]any
	for _, l := range p.MustRun(args...).Lines() {
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("event line %q: %v", l, err)
		}
		delete(m, "time")
		delete(m, "timeNano")
		out = append(out, m)
	}
	return out
}

// keysOf lists an event's fields, to compare with podman 5's exactly.
func keysOf(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return strings.Join(sortedStrings(ks), ",")
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// The events podman 5 records beyond containers': secret create/remove,
// image build, pull-error, mount/unmount, volume prune, network
// connect/disconnect and system renumber, each with podman 5.8.2's fields
// and nothing more (compared with its `events --format json`).
func TestEventsMoreObjects(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.RunWith(RunOpts{Stdin: strings.NewReader("s3cret")}, "secret", "create", "s1", "-")
	secID := p.MustRun("secret", "inspect", "--format", "{{.ID}}", "s1").Out()
	p.MustRun("secret", "rm", "s1")

	ctx := filepath.Join(p.Dir, "ctx")
	os.MkdirAll(ctx, 0o755)
	os.WriteFile(filepath.Join(ctx, "Containerfile"), []byte("FROM "+Image+"\nRUN true\n"), 0o644)
	built := p.MustRun("build", "-q", "-t", "built:1", ctx).Out()
	builtID := strings.TrimPrefix(built[strings.LastIndex(built, "\n")+1:], "sha256:")

	p.Expect(125, "pull", "--policy", "never", "nothere")
	imgID := p.MustRun("image", "inspect", "--format", "{{.ID}}", Image).Out()
	p.MustRun("image", "mount", Image)
	p.MustRun("image", "unmount", Image)
	p.MustRun("volume", "create", "pv1")
	p.MustRun("volume", "prune", "-f")
	p.MustRun("network", "create", "n1")
	p.MustRun("network", "create", "n2")
	ctrID := p.MustRun("create", "--name", "c1", "--network", "n1", Image).Out()
	p.MustRun("network", "connect", "n2", "c1")
	p.MustRun("network", "disconnect", "n2", "c1")
	p.MustRun("system", "renumber")

	type want struct{ status, keys, id, name string }
	check := func(typ string, wants []want) {
		t.Helper()
		var got []map[string]any
		for _, e := range eventsJSON(t, p, typ) {
			switch e["Status"] {
			case "tag", "pull", "create", "remove", "prune", "connect", "disconnect", "build", "pull-error", "mount", "unmount", "renumber":
				if !(typ == "network" && e["Status"] == "create") && !(typ == "image" && (e["Status"] == "tag" || e["Status"] == "pull")) {
					got = append(got, e)
				}
			}
		}
		if len(got) != len(wants) {
			t.Fatalf("%s events: got %v, want %d", typ, got, len(wants))
		}
		for i, w := range wants {
			e := got[i]
			if e["Status"] != w.status || keysOf(e) != w.keys {
				t.Errorf("%s event %d: %v; want status %s with fields %s", typ, i, e, w.status, w.keys)
			}
			if w.id != "" && e["ID"] != w.id {
				t.Errorf("%s %s: ID %v, want %s", typ, w.status, e["ID"], w.id)
			}
			if w.name != "" && e["Name"] != w.name {
				t.Errorf("%s %s: Name %v, want %s", typ, w.status, e["Name"], w.name)
			}
		}
	}
	check("secret", []want{
		{"create", "Attributes,ID,Status,Type", secID, ""},
		{"remove", "Attributes,ID,Status,Type", secID, ""},
	})
	check("image", []want{
		{"build", "Attributes,Name,Status,Type", "", builtID},
		{"pull-error", "Attributes,Error,Name,Status,Type", "", "nothere"},
		{"mount", "Attributes,ID,Status,Type", imgID, ""},
		{"unmount", "Attributes,ID,Status,Type", imgID, ""},
	})
	check("volume", []want{
		{"create", "Attributes,Name,Status,Type", "", "pv1"},
		{"remove", "Attributes,Name,Status,Type", "", "pv1"},
		{"prune", "Attributes,Name,Status,Type", "", "pv1"},
	})
	check("network", []want{
		{"connect", "Attributes,ID,Name,Status,Type,network", ctrID, "c1"},
		{"disconnect", "Attributes,ID,Name,Status,Type,network", ctrID, "c1"},
	})
	check("system", []want{{"renumber", "Attributes,Status,Type", "", ""}})

	// The human-readable lines are podman's (build's and pull-error's
	// empty ID leaves two spaces).
	human := p.MustRun("events", "--stream=false", "--filter", "type=image", "--filter", "type=secret", "--filter", "type=system").Out()
	for _, w := range []string{
		" secret create " + secID, " secret remove " + secID,
		" image build  " + builtID, " image pull-error  nothere nothere: image not known",
		" image mount " + imgID + " ", " system renumber",
	} {
		if !strings.Contains(human, w+"\n") && !strings.HasSuffix(human, w) {
			t.Errorf("events missing %q:\n%s", w, human)
		}
	}
}

// `system renumber` removes the lock files of objects that are gone (pier's
// locks have no numbers to migrate) and keeps those of live objects.
func TestSystemRenumberCollectsStaleLocks(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("create", Image).Out()
	dir := filepath.Join(p.RunRoot, "pier", "locks")
	found := func() bool {
		for _, f := range p.LockFiles() {
			if strings.Contains(f, id) {
				return true
			}
		}
		return false
	}
	if !found() {
		t.Fatalf("no lock file for %s in %v", id, p.LockFiles())
	}
	// A container lock whose container was never saved (a CLI killed
	// mid-create leaves one).
	stale := filepath.Join(dir, "container-"+strings.Repeat("ab", 32)+".lock")
	if err := os.WriteFile(stale, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p.MustRun("system", "renumber")
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale lock %s still there after renumber (%v)", stale, err)
	}
	if !found() {
		t.Errorf("renumber removed the live container's lock: %v", p.LockFiles())
	}
}

// `ps --sync` records a sync event for each container it lists, as
// podman; a plain ps records none.
func TestEventsPsSync(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "s1", Image)
	p.MustRun("create", "--name", "s2", Image)
	p.MustRun("ps", "-a")
	p.MustRun("ps", "-a", "--sync", "--filter", "name=s2")
	got := p.MustRun("events", "--stream=false", "--filter", "event=sync", "--format", "{{.Status}} {{.Name}}").Out()
	if got != "sync s2" {
		t.Errorf("sync events: %q, want only s2's", got)
	}
}

// info's Host.EventLogger is the backend in effect: containers.conf's
// events_logger, overridden by --events-backend (it said "none" always).
func TestInfoEventLogger(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	if got := p.MustRun("info", "--format", "{{.Host.EventLogger}}").Out(); got != "file" {
		t.Errorf("default: %q", got)
	}
	if got := p.MustRun("--events-backend", "journald", "info", "--format", "{{.Host.EventLogger}}").Out(); got != "journald" {
		t.Errorf("--events-backend journald: %q", got)
	}
	p.WriteConf("[engine]\nevents_logger = \"none\"\n")
	if got := p.MustRun("info", "--format", "{{.Host.EventLogger}}").Out(); got != "none" {
		t.Errorf("events_logger none: %q", got)
	}
}

// create --pull=never records what podman's pull with policy never does:
// a pull of the local image, a pull-error for a missing one.
func TestEventsPullNever(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--pull=never", Image)
	p.Expect(125, "create", "--pull=never", "nothere")
	got := p.MustRun("events", "--stream=false", "--filter", "event=pull", "--filter", "event=pull-error", "--format", "{{.Status}}|{{.Name}}|{{.Error}}").Lines()
	want := []string{"pull|" + Image + "|", "pull-error|nothere|nothere: image not known"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("image events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
