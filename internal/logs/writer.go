// Package logs owns the k8s-file container log format (the one conmon
// writes and podman reads): the Writer used by pier-monitor and the reader
// behind `pier logs`, so that format and parser live together.
//
// A record is one line:
//
//	2026-11-23T09:00:00.123456789+00:00 stdout F a whole line
//	2026-11-23T09:00:00.123456789+00:00 stderr P a partial line, continued by the next record of the stream
//
// It owns only the log file's content; it does not decide where the file
// lives (the engine does) nor when to stop following (the caller does).
package logs

import (
	"bytes"
	"fmt"
	"os"
	"time"
)

// TimeLayout is conmon's timestamp: RFC 3339, nine fraction digits, numeric
// offset.
const TimeLayout = "2006-01-02T15:04:05.000000000-07:00"

// Stream names as they appear in the file.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// Writer appends records to a k8s-file log. Like conmon, when a record
// would take the file past the size limit, the log starts over empty (no
// rotated copy is kept). It is not safe for concurrent use.
type Writer struct {
	f       *os.File
	path    string
	maxSize int64 // <= 0: unlimited
	size    int64
	buf     []byte
	now     func() time.Time // tests pin the clock
}

// NewWriter opens (creating or appending to) the log at path. maxSize <= 0
// means no limit.
func NewWriter(path string, maxSize int64) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening container log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening container log: %w", err)
	}
	return &Writer{f: f, path: path, maxSize: maxSize, size: fi.Size(), now: time.Now}, nil
}

// Write logs p, read from stream, as one record per line. A trailing piece
// without a newline is written at once as a partial (P) record, as conmon
// does, so nothing waits in memory for a newline that may never come.
func (w *Writer) Write(stream string, p []byte) error {
	if len(p) == 0 {
		return nil
	}
	var ts [len(TimeLayout) + 8]byte
	prefix := w.now().AppendFormat(ts[:0], TimeLayout)
	w.buf = w.buf[:0]
	for len(p) > 0 {
		line, tag := p, byte('P')
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			line, tag = p[:i], 'F'
			p = p[i+1:]
		} else {
			p = nil
		}
		n := len(prefix) + 1 + len(stream) + 3 + len(line) + 1
		if w.maxSize > 0 && w.size+int64(len(w.buf)+n) > w.maxSize {
			if err := w.flush(); err != nil {
				return err
			}
			if err := w.truncate(); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, prefix...)
		w.buf = append(w.buf, ' ')
		w.buf = append(w.buf, stream...)
		w.buf = append(w.buf, ' ', tag, ' ')
		w.buf = append(w.buf, line...)
		w.buf = append(w.buf, '\n')
	}
	return w.flush()
}

func (w *Writer) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	n, err := w.f.Write(w.buf)
	w.size += int64(n)
	w.buf = w.buf[:0]
	if err != nil {
		return fmt.Errorf("writing container log: %w", err)
	}
	return nil
}

// truncate starts the log over. As conmon does, it writes a new file and
// renames it over the old one rather than truncating in place: a reader
// that follows sees another inode and starts over, where a file that
// shrank and grew again would go unnoticed.
func (w *Writer) truncate() error {
	path := w.path
	f, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("truncating container log: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		f.Close()
		return fmt.Errorf("truncating container log: %w", err)
	}
	w.f.Close()
	w.f, w.size = f, 0
	return nil
}

// Close closes the file.
func (w *Writer) Close() error {
	return w.f.Close()
}
