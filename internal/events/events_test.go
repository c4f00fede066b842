package events

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A line written by podman 5.8.2 reads back and writes out byte for byte.
func TestJSONLineIsPodmans(t *testing.T) {
	lines := []string{
		`{"ContainerExitCode":0,"ID":"6d342e9f329498d700b4478285b72ee438a9573b69994668b1c3c01938ec917c","Image":"localhost/busybox:latest","Name":"c1","Status":"died","Time":"2026-11-30T06:58:24.411689014Z","Type":"container","Attributes":{"a":"b","zz":"yy"}}`,
		`{"ID":"15a2a759732ce2ab76e537d95c8e18db5516954105254d46f66e49cc00d3afaa","Name":"busybox","Status":"pull","Time":"2026-11-30T06:58:24.255894406Z","Type":"image","Attributes":null}`,
		`{"ID":"e7ad2b4e0b58","network":"evnet","Status":"create","Time":"2026-11-30T07:03:54.134008096Z","Type":"network","Attributes":{"driver":"bridge"}}`,
	}
	for _, l := range lines {
		e, err := FromJSONString(l)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.ToJSONString()
		if err != nil || got != l {
			t.Errorf("round trip:\n got %s\nwant %s", got, l)
		}
	}
	e, _ := FromJSONString(lines[0])
	want := "2026-11-30 06:58:24.411689014 +0000 UTC container died 6d342e9f329498d700b4478285b72ee438a9573b69994668b1c3c01938ec917c (image=localhost/busybox:latest, name=c1, a=b, zz=yy)"
	if got := e.ToHumanReadable(false); got != want {
		t.Errorf("human:\n got %s\nwant %s", got, want)
	}
	e, _ = FromJSONString(lines[1])
	if got := e.ToHumanReadable(true); got != "2026-11-30 06:58:24.255894406 +0000 UTC image pull 15a2a759732c busybox" {
		t.Errorf("image, truncated: %s", got)
	}
}

func TestFiltersAreDisjunctivePerKey(t *testing.T) {
	ev := func(typ Type, st Status, name string, labels map[string]string) *Event {
		e := NewEvent(typ, st)
		e.Name, e.ID, e.Attributes = name, "abcdef"+name, labels
		return &e
	}
	fs, err := ParseFilters([]string{"container=foo", "container=bar", "event=start", "label=k=v"}, "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		e    *Event
		want bool
	}{
		{ev(Container, Start, "foo", map[string]string{"k": "v"}), true},
		{ev(Container, Start, "bar", map[string]string{"k": "v", "x": "y"}), true},
		{ev(Container, Start, "baz", map[string]string{"k": "v"}), false},
		{ev(Container, Stop, "foo", map[string]string{"k": "v"}), false},
		{ev(Container, Start, "foo", map[string]string{"k": "w"}), false},
		{ev(Image, Start, "foo", map[string]string{"k": "v"}), false},
	}
	for i, c := range cases {
		if got := fs.Match(c.e); got != c.want {
			t.Errorf("case %d: %v, want %v", i, got, c.want)
		}
	}
	fs, _ = ParseFilters([]string{"status=die", "label=k"}, "", "", time.Now())
	if !fs.Match(ev(Container, Exited, "x", map[string]string{"k": "any"})) {
		t.Error("docker's die and a label key alone should match")
	}
	for _, bad := range []string{"foo=bar", "nokey"} {
		if _, err := ParseFilters([]string{bad}, "", "", time.Now()); err == nil || !strings.Contains(err.Error(), "is an invalid filter") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := ParseFilters(nil, "yesterday", "", time.Now()); err == nil ||
		err.Error() != "unable to convert since time of yesterday: unable to interpret time value" {
		t.Errorf("since: %v", err)
	}
}

func TestParseInputTime(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2024-04-30T10:00:00Z":      time.Date(2024, 4, 30, 10, 0, 0, 0, time.UTC),
		"2024-04-30T10:00:00+02:00": time.Date(2024, 4, 30, 8, 0, 0, 0, time.UTC),
		"1714500000.5":              time.Unix(1714500000, 500000000),
	} {
		got, err := ParseInputTime(in, true, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s = %v %v, want %v", in, got, err, want)
		}
	}
	if got, _ := ParseInputTime("1h", true, now); !got.Equal(now.Add(-time.Hour)) {
		t.Errorf("since 1h: %v", got)
	}
	if got, _ := ParseInputTime("1h", false, now); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("until 1h: %v", got)
	}
}

func readAll(t *testing.T, ev Eventer, o ReadOptions) []*Event {
	t.Helper()
	var got []*Event
	if err := ev.Read(context.Background(), o, func(e *Event) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// podman's rotation (its system test "events log-file rotation"): past
// the limit the log keeps its second half from the first whole line,
// between two rotation markers, then the new event.
func TestRotationKeepsHalfBetweenMarkers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.log")
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, `{"Name":"busybox","Status":"pull","Time":"2022-04-06T11:26:42.7236679%02d+02:00","Type":"image","Attributes":null}`+"\n", i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ev, _ := New(Options{Backend: BackendFile, Path: path, MaxSize: 4750})
	e := NewEvent(Container, Remove)
	e.ID, e.Name = "id", "name"
	if err := ev.Write(e); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 52 {
		t.Fatalf("%d lines after rotation, want 52 (begin, 49 kept, end, new)", len(lines))
	}
	if !strings.Contains(lines[0], `"io.podman.event.rotate":"begin"`) || !strings.Contains(lines[50], `"io.podman.event.rotate":"end"`) {
		t.Errorf("markers: %s / %s", lines[0], lines[50])
	}
	if !strings.Contains(lines[1], "2022-04-06T11:26:42.723667951+02:00") {
		t.Errorf("first kept line: %s", lines[1])
	}
	got := readAll(t, ev, ReadOptions{Filters: Filters{}})
	if len(got) != 52 || got[50].ToHumanReadable(false) == "" || !strings.HasSuffix(got[50].ToHumanReadable(false), "log-rotation "+path) {
		t.Errorf("read back %d events", len(got))
	}
}

// A follower sees events written after it started, by other writers,
// across a rotation, and none twice.
func TestStreamFollowsWritesAndRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.log")
	ev, _ := New(Options{Backend: BackendFile, Path: path, MaxSize: 2000})
	write := func(i int) {
		e := NewEvent(Container, Start)
		e.ID, e.Name = fmt.Sprintf("%064d", i), fmt.Sprintf("c%d", i)
		if err := ev.Write(e); err != nil {
			t.Error(err)
		}
	}
	write(0) // before the follower: not shown
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var names []string
	done := make(chan error, 1)
	go func() {
		done <- ev.Read(ctx, ReadOptions{Filters: Filters{"type": {func(e *Event) bool { return e.Type == Container }}}, Stream: true},
			func(e *Event) error {
				mu.Lock()
				names = append(names, e.Name)
				mu.Unlock()
				return nil
			})
	}()
	time.Sleep(3 * pollInterval)
	for i := 1; i <= 20; i++ { // ~270 bytes each: rotates a few times
		write(i)
		time.Sleep(pollInterval / 4)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(names)
		mu.Unlock()
		if n >= 20 {
			break
		}
		time.Sleep(pollInterval)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var want []string
	for i := 1; i <= 20; i++ {
		want = append(want, fmt.Sprintf("c%d", i))
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("followed:\n got %v\nwant %v", names, want)
	}
}

func TestBackends(t *testing.T) {
	if _, err := New(Options{Backend: "bogus"}); err == nil || err.Error() != `"bogus" is not a valid events backend` {
		t.Errorf("bogus: %v", err)
	}
	none, _ := New(Options{Backend: BackendNone})
	if none.Write(NewEvent(Image, Pull)) != nil {
		t.Error("none drops writes")
	}
	if err := none.Read(context.Background(), ReadOptions{}, nil); err == nil {
		t.Error("none cannot be read")
	}
}

// An event survives the journal's fields as podman writes and reads them.
func TestJournalFieldsRoundTrip(t *testing.T) {
	code := 3
	in := []Event{
		{Type: Container, Status: Exited, ID: "abc", Name: "c1", Image: "img", ContainerExitCode: &code,
			Details: Details{PodID: "p1", Attributes: map[string]string{"k": "v"}}},
		{Type: Container, Status: HealthStatus, ID: "abc", Name: "c1", HealthStatus: "healthy", HealthFailingStreak: 2, HealthLog: "{}"},
		{Type: Image, Status: PullError, Name: "nothere", Error: "image not known"},
		{Type: Network, Status: NetworkConnect, ID: "abc", Network: "n1", Details: Details{Attributes: map[string]string{"driver": "bridge"}}},
		{Type: Volume, Status: Prune, Name: "v1"},
		{Type: Secret, Status: Create, ID: "s1"},
	}
	for _, e := range in {
		e.Time = time.Now().Round(0)
		f, err := journalFields(&e)
		if err != nil {
			t.Fatal(err)
		}
		if f["SYSLOG_IDENTIFIER"] != "podman" || f["PODMAN_TYPE"] != string(e.Type) || f["PODMAN_EVENT"] != string(e.Status) {
			t.Errorf("%s %s: fields %v", e.Type, e.Status, f)
		}
		got, err := fromJournal(f)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := e.ToJSONString()
		if e.Type == Secret {
			want = strings.Replace(want, `"ID":"s1",`, "", 1) // podman keeps no secret ID in the journal
		}
		if g, _ := got.ToJSONString(); g != want {
			t.Errorf("round trip:\n got %s\nwant %s", g, want)
		}
	}
}
