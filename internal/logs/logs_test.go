package logs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.UTC)

// newWriter returns a writer whose clock starts at t0 and moves one
// second per Write.
func newWriter(t *testing.T, path string, max int64) *Writer {
	t.Helper()
	w, err := NewWriter(path, max)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	n := 0
	w.now = func() time.Time { n++; return t0.Add(time.Duration(n-1) * time.Second) }
	return w
}

func write(t *testing.T, w *Writer, stream, s string) {
	t.Helper()
	if err := w.Write(stream, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, path string, opts Options) []Line {
	t.Helper()
	var got []Line
	if err := Read(context.Background(), path, opts, nil, func(l Line) error {
		got = append(got, l)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func texts(lines []Line) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Stream[3:] + ":" + l.Text)
		if !l.Partial {
			b.WriteString("|")
		}
	}
	return b.String()
}

func TestWriterFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w := newWriter(t, path, 0)
	write(t, w, Stdout, "one\ntwo")
	write(t, w, Stdout, " halves\n\n")
	write(t, w, Stderr, "err\n")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-11-23T09:00:00.123456789+00:00 stdout F one\n" +
		"2026-11-23T09:00:00.123456789+00:00 stdout P two\n" +
		"2026-11-23T09:00:01.123456789+00:00 stdout F  halves\n" +
		"2026-11-23T09:00:01.123456789+00:00 stdout F \n" +
		"2026-11-23T09:00:02.123456789+00:00 stderr F err\n"
	if string(b) != want {
		t.Fatalf("log file:\n%s\nwant:\n%s", b, want)
	}
}

func TestWriterRealClockFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w, err := NewWriter(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(Stdout, []byte("x\n")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d stdout F x\n$`)
	if !re.Match(b) {
		t.Fatalf("record %q is not in conmon's format", b)
	}
}

func TestReadJoinsPartialsPerStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w := newWriter(t, path, 0)
	write(t, w, Stdout, "hel")
	write(t, w, Stderr, "warn")
	write(t, w, Stdout, "lo\nwor")
	write(t, w, Stderr, "ing\n")
	write(t, w, Stdout, "ld\nno newline")
	got := readAll(t, path, Options{Tail: -1})
	if s := texts(got); s != "out:hello|err:warning|out:world|out:no newline" {
		t.Fatalf("lines %q", s)
	}
	// The joined line carries the time of the record that completed it.
	if !got[0].Time.Equal(t0.Add(2 * time.Second)) {
		t.Fatalf("time of joined line %v", got[0].Time)
	}
	if !got[3].Partial {
		t.Fatal("a line without newline at the end must be Partial")
	}
}

func TestReadTailSinceUntil(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w := newWriter(t, path, 0)
	for _, s := range []string{"a\n", "b\n", "c\n", "d\n", "e\n"} {
		write(t, w, Stdout, s) // at t0, t0+1s, ... t0+4s
	}
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Tail: -1}, "out:a|out:b|out:c|out:d|out:e|"},
		{Options{Tail: 2}, "out:d|out:e|"},
		{Options{Tail: 0}, ""},
		{Options{Tail: 10}, "out:a|out:b|out:c|out:d|out:e|"},
		{Options{Tail: -1, Since: t0.Add(3 * time.Second)}, "out:d|out:e|"},
		{Options{Tail: -1, Until: t0.Add(1 * time.Second)}, "out:a|out:b|"},
		{Options{Tail: 1, Since: t0.Add(time.Second), Until: t0.Add(3 * time.Second)}, "out:d|"},
	} {
		if got := texts(readAll(t, path, tc.opts)); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.opts, got, tc.want)
		}
	}
}

func TestReadSkipsMalformed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	content := "garbage\n" +
		"2026-11-23T09:00:00.123456789+00:00 stdout F ok\n" +
		"notatime stdout F bad\n" +
		"2026-11-23T09:00:00.123456789+00:00 stdout F with  two  spaces\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := texts(readAll(t, path, Options{Tail: -1})); got != "out:ok|out:with  two  spaces|" {
		t.Fatalf("got %q", got)
	}
}

func TestWriterTruncatesAtSizeMax(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w := newWriter(t, path, 200) // a record here is 49 bytes plus its text
	for i := range 10 {
		write(t, w, Stdout, strings.Repeat(string(rune('a'+i)), 10)+"\n")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 200 {
		t.Fatalf("log is %d bytes, limit 200", fi.Size())
	}
	got := texts(readAll(t, path, Options{Tail: -1}))
	if !strings.HasSuffix(got, "out:jjjjjjjjjj|") || strings.Contains(got, "aaaa") {
		t.Fatalf("after truncation: %q", got)
	}
	// A reopened writer continues the size accounting.
	w.Close()
	w2 := newWriter(t, path, 200)
	write(t, w2, Stdout, strings.Repeat("z", 100)+"\n")
	if fi, _ := os.Stat(path); fi.Size() > 200 {
		t.Fatalf("log is %d bytes after reopen, limit 200", fi.Size())
	}
}

func TestReadFollow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w := newWriter(t, path, 0)
	write(t, w, Stdout, "before\n")
	var exited atomic.Bool
	got := make(chan Line, 100)
	errc := make(chan error, 1)
	go func() {
		errc <- Read(context.Background(), path, Options{Follow: true, Tail: -1}, exited.Load, func(l Line) error {
			got <- l
			return nil
		})
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case l := <-got:
			if l.Text != want {
				t.Fatalf("followed %q, want %q", l.Text, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("timed out following, want %q", want)
		}
	}
	expect("before")
	write(t, w, Stdout, "par")
	write(t, w, Stdout, "tial\n")
	expect("partial")
	write(t, w, Stderr, "last\n")
	exited.Store(true) // the container exited after writing "last"
	expect("last")
	if err := <-errc; err != nil {
		t.Fatalf("Read: %v", err)
	}
}

func TestReadFollowTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w := newWriter(t, path, 150)
	write(t, w, Stdout, "first line\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 100)
	go func() {
		_ = Read(ctx, path, Options{Follow: true, Tail: -1}, nil, func(l Line) error {
			got <- l.Text
			return nil
		})
	}()
	if s := <-got; s != "first line" {
		t.Fatalf("got %q", s)
	}
	time.Sleep(2 * pollInterval)
	long := "second line, long enough to force a truncation: " + strings.Repeat("x", 20)
	write(t, w, Stdout, long+"\n")
	if b, _ := os.ReadFile(path); strings.Contains(string(b), "first") {
		t.Fatal("the writer did not truncate")
	}
	select {
	case s := <-got:
		if s != long {
			t.Fatalf("after truncation got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the follower missed the line written after truncation")
	}
}

func TestReadCallbackError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w := newWriter(t, path, 0)
	write(t, w, Stdout, "a\nb\n")
	stop := errors.New("stop")
	err := Read(context.Background(), path, Options{Tail: -1}, nil, func(Line) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("Read returned %v, want the callback's error", err)
	}
}
