package api

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/logs"
)

// Stream numbers of Docker's multiplexed log stream.
const (
	streamStdout = 1
	streamStderr = 2
)

// logs streams a container's log as Docker and podman do: framed per line
// (an 8-byte header: stream, 3 zero bytes, big-endian length) unless the
// container has a terminal, then raw.
func (s *Server) logs(w http.ResponseWriter, r *http.Request) {
	name := param(r, "name")
	wantOut, wantErr := boolQuery(r, "stdout"), boolQuery(r, "stderr")
	if !wantOut && !wantErr {
		badRequest(w, "%w", errors.New("you must choose at least one stream"))
		return
	}
	opts, err := logOptions(r)
	if err != nil {
		badRequest(w, "failed to parse parameters for %s: %w", r.URL.String(), err)
		return
	}
	c, err := s.rt.Lookup(r.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	raw := c.Config.Terminal
	started := false
	err = s.rt.Logs(r.Context(), c.Config.ID, opts, func(l logs.Line) error {
		if (l.Stream == logs.Stdout && !wantOut) || (l.Stream == logs.Stderr && !wantErr) {
			return nil
		}
		if !started {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.WriteHeader(http.StatusOK)
			started = true
		}
		return writeLogLine(w, l, opts.Timestamps, raw)
	})
	if err != nil && !started {
		writeError(w, err)
		return
	}
	if !started {
		w.WriteHeader(http.StatusOK)
	}
}

func writeLogLine(w http.ResponseWriter, l logs.Line, timestamps, raw bool) error {
	text := l.Text
	if !l.Partial {
		text += "\n"
	}
	if timestamps {
		text = l.Time.Format(time.RFC3339Nano) + " " + text
	}
	if !raw {
		var hdr [8]byte
		hdr[0] = streamStdout
		if l.Stream == logs.Stderr {
			hdr[0] = streamStderr
		}
		binary.BigEndian.PutUint32(hdr[4:], uint32(len(text)))
		if _, err := w.Write(hdr[:]); err != nil {
			return err
		}
	}
	if _, err := w.Write([]byte(text)); err != nil {
		return err
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// logOptions reads follow, tail ("all" or N), since/until (Unix seconds,
// fractions allowed) and timestamps.
func logOptions(r *http.Request) (engine.LogOptions, error) {
	opts := engine.LogOptions{Follow: boolQuery(r, "follow"), Timestamps: boolQuery(r, "timestamps"), Tail: -1}
	if t := r.Form.Get("tail"); t != "" && t != "all" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return opts, err
		}
		opts.Tail = n
	}
	var err error
	if opts.Since, err = timeQuery(r, "since"); err != nil {
		return opts, err
	}
	opts.Until, err = timeQuery(r, "until")
	return opts, err
}

// timeQuery reads a time as Unix seconds (Docker's "since=1700000000.5")
// or RFC 3339 (podman's client); the zero time and "0" mean unbounded.
func timeQuery(r *http.Request, name string) (time.Time, error) {
	v := r.Form.Get(name)
	if v == "" || v == "0" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	sec, frac, _ := strings.Cut(v, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %q is neither Unix seconds nor an RFC 3339 time", name, v)
	}
	var ns int64
	if frac != "" {
		frac = (frac + "000000000")[:9]
		if ns, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, fmt.Errorf("%s: %q is neither Unix seconds nor an RFC 3339 time", name, v)
		}
	}
	return time.Unix(s, ns), nil
}
