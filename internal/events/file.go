package events

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"go.podman.io/storage/pkg/lockfile"
)

// The rotation markers podman writes around the half of the log it keeps.
const (
	rotateAttribute = "io.podman.event.rotate"
	rotateBegin     = "begin"
	rotateEnd       = "end"
)

// pollInterval is how often a follower looks for new lines: a poll, as
// podman's tail does, works on every filesystem and costs a stat.
const pollInterval = 100 * time.Millisecond

// fileEventer is podman's file backend: JSON lines appended under
// <path>.lock (the same lock podman takes), the log cut in half when a
// write would take it past maxSize.
type fileEventer struct {
	path    string
	maxSize uint64
}

func (f *fileEventer) lock() (*lockfile.LockFile, error) {
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return nil, fmt.Errorf("creating events dirs: %w", err)
	}
	l, err := lockfile.GetLockFile(f.path + ".lock")
	if err != nil {
		return nil, fmt.Errorf("locking the events log: %w", err)
	}
	l.Lock()
	return l, nil
}

func (f *fileEventer) Write(e Event) error {
	line, err := e.ToJSONString()
	if err != nil {
		return err
	}
	l, err := f.lock()
	if err != nil {
		return err
	}
	defer l.Unlock()
	if err := f.rotateIfNeeded(len([]rune(line))); err != nil {
		return fmt.Errorf("rotating the events log: %w", err)
	}
	out, err := os.OpenFile(f.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o700)
	if err != nil {
		return err
	}
	if _, err := out.WriteString(line + "\n"); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// rotateIfNeeded keeps the second half of the log (from the first whole
// line past the middle) between a begin and an end marker, as podman does,
// so readers that already saw those lines can skip them.
func (f *fileEventer) rotateIfNeeded(adding int) error {
	if f.maxSize == 0 {
		return nil
	}
	st, err := os.Stat(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if uint64(st.Size())+uint64(adding) < f.maxSize {
		return nil
	}
	orig, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer orig.Close()
	if _, err := orig.Seek(st.Size()/2, io.SeekStart); err != nil {
		return err
	}
	rd := bufio.NewReader(orig)
	if _, err := rd.ReadString('\n'); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".events-rotate-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := f.writeMarker(tmp, rotateBegin); err != nil {
		return err
	}
	if _, err := rd.WriteTo(tmp); err != nil {
		return err
	}
	if err := f.writeMarker(tmp, rotateEnd); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}

func (f *fileEventer) writeMarker(w io.Writer, which string) error {
	e := NewEvent(System, Rotate)
	e.Name = f.path
	e.Attributes = map[string]string{rotateAttribute: which}
	line, err := e.ToJSONString()
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, line+"\n")
	return err
}

// Read goes through the log; streaming, it polls for new lines and
// follows the log across rotations. A rotation copies the log's second
// half into the new file: a follower skips the lines it already went
// through (by their text: every line carries a nanosecond timestamp) and
// still gets those written to a file it never saw (two rotations between
// polls), which podman's markers-only skip loses.
func (f *fileEventer) Read(ctx context.Context, o ReadOptions, fn func(*Event) error) error {
	// Taking the lock orders readTime after every write that finished.
	l, err := f.lock()
	if err != nil {
		return err
	}
	readTime := time.Now()
	l.Unlock()
	t := &tailer{path: f.path, fn: fn, filters: o.Filters, readTime: readTime, track: o.Stream}
	if err := t.open(o.Stream && !o.FromStart); err != nil {
		return err
	}
	defer t.close()
	for {
		if err := t.drain(); err != nil {
			return err
		}
		if !o.Stream {
			return nil
		}
		if !o.Until.IsZero() && time.Now().After(o.Until) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pollInterval):
		}
		if err := t.reopenIfRotated(); err != nil {
			return err
		}
	}
}

// tailer reads whole lines of one open log file.
type tailer struct {
	path     string
	file     *os.File
	rd       *bufio.Reader
	partial  string
	fn       func(*Event) error
	filters  Filters
	readTime time.Time
	// track keeps the lines of the open file (seen) and of the one
	// before it (prev), to skip what a rotation copied over.
	track      bool
	seen, prev map[string]struct{}
	quiet      bool // going through lines without handing them over
}

// open opens the log (a missing log reads as empty until it appears).
// With skipExisting, the lines already there are gone through unshown.
func (t *tailer) open(skipExisting bool) error {
	file, err := os.Open(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the events log: %w", err)
	}
	t.file, t.rd, t.partial = file, bufio.NewReader(file), ""
	if t.track {
		t.seen = map[string]struct{}{}
	}
	if skipExisting {
		t.quiet = true
		defer func() { t.quiet = false }()
		return t.drain()
	}
	return nil
}

func (t *tailer) close() {
	if t.file != nil {
		_ = t.file.Close()
	}
}

// reopenIfRotated switches to the file now at path when it is another
// one (rotation renames a new file over the log) or the log appeared.
func (t *tailer) reopenIfRotated() error {
	st, err := os.Stat(t.path)
	if err != nil {
		return nil // gone for now: keep what is open
	}
	if t.file != nil {
		cur, err := t.file.Stat()
		if err == nil && sameFile(cur, st) {
			return nil
		}
		// Writers moved on under the lock: what the old file holds is
		// complete.
		if err := t.drain(); err != nil {
			return err
		}
		t.close()
		t.file = nil
	}
	t.prev = t.seen
	return t.open(false)
}

func sameFile(a, b os.FileInfo) bool {
	sa, ok1 := a.Sys().(*syscall.Stat_t)
	sb, ok2 := b.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// drain hands over every whole line written so far; a line still being
// written waits for its newline.
func (t *tailer) drain() error {
	if t.file == nil {
		return nil
	}
	for {
		s, err := t.rd.ReadString('\n')
		if errors.Is(err, io.EOF) {
			t.partial += s
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the events log: %w", err)
		}
		line := t.partial + s[:len(s)-1]
		t.partial = ""
		if line == "" {
			continue
		}
		if t.track {
			if _, dup := t.prev[line]; dup {
				t.seen[line] = struct{}{}
				continue
			}
			t.seen[line] = struct{}{}
		}
		if t.quiet {
			continue
		}
		if err := t.handle(line); err != nil {
			return err
		}
	}
}

func (t *tailer) handle(line string) error {
	e, err := FromJSONString(line)
	if err != nil {
		// As podman: say so and go on with the next line.
		slog.Error(fmt.Sprintf("Failed to read event: event type is not valid in %s", t.path))
		return nil
	}
	switch e.Type {
	case Image, Volume, Pod, Container, Network, Secret:
	case System:
		// As podman, a follower does not show the start of a rotation
		// that happened while it read.
		if e.Status == Rotate && e.Attributes[rotateAttribute] == rotateBegin && e.Time.After(t.readTime) {
			return nil
		}
	default:
		slog.Error(fmt.Sprintf("Failed to read event: event type %s is not valid in %s", e.Type, t.path))
		return nil
	}
	if !t.filters.Match(e) {
		return nil
	}
	return t.fn(e)
}
