package logs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Line is one whole log line (partial records joined), or, at the very end
// of a log, the pieces of a line that never got its newline (Partial).
type Line struct {
	Time    time.Time // of the record that completed the line
	Stream  string    // Stdout or Stderr
	Partial bool      // no newline followed: print Text without one
	Text    string
}

// Options select lines as `pier logs` flags do.
type Options struct {
	Follow       bool
	Tail         int       // last N lines; negative: all
	Since, Until time.Time // zero: unbounded
}

// pollInterval is how often a follower looks for new records. The monitor
// writes each read of the container's output at once, so this bounds the
// latency of `logs -f`.
const pollInterval = 100 * time.Millisecond

// Read sends the lines of the k8s-file log at path to fn. With Follow it
// keeps waiting for new lines until ctx is done or stopFollow (which
// reports that the container exited) returns true; then it reads what is
// left and returns. An error from fn stops reading and is returned.
func Read(ctx context.Context, path string, opts Options, stopFollow func() bool, fn func(Line) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading container log: %w", err)
	}
	r := &reader{f: f, br: bufio.NewReader(f), opts: opts, partial: map[string]*pending{}}
	defer func() { r.f.Close() }()

	// Existing content: filter, then keep the last Tail lines.
	var tail []Line
	emit := func(l Line) error {
		if !r.wanted(l) {
			return nil
		}
		if opts.Tail < 0 {
			return fn(l)
		}
		if opts.Tail == 0 {
			return nil
		}
		if len(tail) == opts.Tail {
			tail = append(tail[:0], tail[1:]...)
		}
		tail = append(tail, l)
		return nil
	}
	if err := r.readAvailable(emit); err != nil {
		return err
	}
	for _, l := range tail {
		if err := fn(l); err != nil {
			return err
		}
	}
	send := func(l Line) error {
		if !r.wanted(l) {
			return nil
		}
		return fn(l)
	}
	if !opts.Follow {
		return r.flushPartials(send)
	}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		// Ask before reading: whatever the monitor wrote before the
		// container was seen as exited is read below.
		stop := stopFollow != nil && stopFollow()
		if !opts.Until.IsZero() && time.Now().After(opts.Until) {
			stop = true
		}
		if err := r.reopenIfRotated(send); err != nil {
			return err
		}
		if err := r.readAvailable(send); err != nil {
			return err
		}
		if stop {
			return r.flushPartials(send)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

type pending struct {
	text []byte
	time time.Time
}

type reader struct {
	f       *os.File
	br      *bufio.Reader
	off     int64  // bytes of f consumed into whole records
	rest    []byte // a record read without its newline yet
	opts    Options
	partial map[string]*pending // per stream: P records waiting for their F
}

func (r *reader) wanted(l Line) bool {
	if !r.opts.Since.IsZero() && l.Time.Before(r.opts.Since) {
		return false
	}
	if !r.opts.Until.IsZero() && l.Time.After(r.opts.Until) {
		return false
	}
	return true
}

// readAvailable parses records up to the current end of the file.
func (r *reader) readAvailable(emit func(Line) error) error {
	for {
		b, err := r.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			r.rest = append(r.rest, b...)
			continue
		}
		if err == io.EOF {
			// A writer is in the middle of a record: keep it for later.
			r.rest = append(r.rest, b...)
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading container log: %w", err)
		}
		rec := b
		if len(r.rest) > 0 {
			rec = append(r.rest, b...)
		}
		r.off += int64(len(rec))
		if err := r.record(rec[:len(rec)-1], emit); err != nil {
			return err
		}
		r.rest = r.rest[:0]
	}
}

// record handles one record without its newline; malformed records are
// skipped, as podman does.
func (r *reader) record(rec []byte, emit func(Line) error) error {
	ts, rest, ok1 := bytes.Cut(rec, []byte{' '})
	stream, rest, ok2 := bytes.Cut(rest, []byte{' '})
	tag, text, ok3 := bytes.Cut(rest, []byte{' '})
	if !ok1 || !ok2 || (!ok3 && len(tag) == 0) {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return nil
	}
	s := string(stream)
	p := r.partial[s]
	// CRI tags may carry more flags after ':'; the first says P or F.
	if len(tag) > 0 && tag[0] == 'P' {
		if p == nil {
			p = &pending{}
			r.partial[s] = p
		}
		p.text = append(p.text, text...)
		p.time = t
		return nil
	}
	line := Line{Time: t, Stream: s, Text: string(text)}
	if p != nil && len(p.text) > 0 {
		line.Text = string(p.text) + line.Text
		p.text = p.text[:0]
	}
	return emit(line)
}

// flushPartials sends lines whose newline never came (the container exited
// in the middle of one), in stream order for a stable output.
func (r *reader) flushPartials(emit func(Line) error) error {
	for _, s := range []string{Stdout, Stderr} {
		p := r.partial[s]
		if p == nil || len(p.text) == 0 {
			continue
		}
		if err := emit(Line{Time: p.time, Stream: s, Partial: true, Text: string(p.text)}); err != nil {
			return err
		}
		p.text = p.text[:0]
	}
	return nil
}

// reopenIfRotated starts over when the log was replaced (the monitor
// starts a full log over as a new file) or truncated in place.
func (r *reader) reopenIfRotated(emit func(Line) error) error {
	cur, err := r.f.Stat()
	if err != nil {
		return fmt.Errorf("reading container log: %w", err)
	}
	if fi, err := os.Stat(r.f.Name()); err == nil && !os.SameFile(fi, cur) {
		nf, err := os.Open(r.f.Name())
		if err != nil {
			return fmt.Errorf("reading container log: %w", err)
		}
		// Finish the old file first: its last records came before the swap.
		if err := r.readAvailable(emit); err != nil {
			nf.Close()
			return err
		}
		r.f.Close()
		r.f = nf
		r.restart()
		return nil
	}
	if cur.Size() < r.off+int64(len(r.rest)) {
		if _, err := r.f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("reading container log: %w", err)
		}
		r.restart()
	}
	return nil
}

func (r *reader) restart() {
	r.br.Reset(r.f)
	r.off = 0
	r.rest = r.rest[:0]
	clear(r.partial)
}
