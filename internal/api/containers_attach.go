package api

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

// exitRecords keep the exit codes attach sessions saw, for the waits
// racing them: an attach to an --rm container removes it when it exits,
// and the client's wait (podman's run sends it right after the start)
// must still get the code, as podman keeps exit codes of removed
// containers for a while.
type exitRecords struct {
	mu sync.Mutex
	m  map[string]*exitRecord
}

type exitRecord struct {
	done chan struct{}
	code int
}

// exitKeep is how long an exit code outlives its container, as podman.
const exitKeep = 5 * time.Minute

func (e *exitRecords) begin(id string) *exitRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.m == nil {
		e.m = map[string]*exitRecord{}
	}
	rec := &exitRecord{done: make(chan struct{})}
	e.m[id] = rec
	return rec
}

func (e *exitRecords) finish(id string, rec *exitRecord, code int) {
	rec.code = code
	close(rec.done)
	time.AfterFunc(exitKeep, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.m[id] == rec {
			delete(e.m, id)
		}
	})
}

func (e *exitRecords) get(id string) *exitRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.m[id]
}

// attachWaiters are attach requests for containers that have not started
// yet. Clients (podman's `run`, docker's) attach first and start second;
// the start hands the first waiter the engine's attach session, which is
// registered before the process runs, so no early output is lost.
type attachWaiters struct {
	mu sync.Mutex
	m  map[string][]chan *engine.AttachSession
}

func (a *attachWaiters) add(id string) chan *engine.AttachSession {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string][]chan *engine.AttachSession{}
	}
	ch := make(chan *engine.AttachSession, 1)
	a.m[id] = append(a.m[id], ch)
	return ch
}

func (a *attachWaiters) remove(id string, ch chan *engine.AttachSession) {
	a.mu.Lock()
	defer a.mu.Unlock()
	list := a.m[id]
	for i, c := range list {
		if c == ch {
			a.m[id] = append(list[:i], list[i+1:]...)
		}
	}
	if len(a.m[id]) == 0 {
		delete(a.m, id)
	}
}

// take removes and returns the waiters of id.
func (a *attachWaiters) take(id string) []chan *engine.AttachSession {
	a.mu.Lock()
	defer a.mu.Unlock()
	list := a.m[id]
	delete(a.m, id)
	return list
}

// startForWaiters starts a container with attach clients waiting: the
// first gets the session registered before the process ran, the others
// attach to the running container. It reports whether there were any.
func (s *Server) startForWaiters(ctx context.Context, id string) (bool, error) {
	list := s.waiting.take(id)
	if len(list) == 0 {
		return false, nil
	}
	sess, err := s.rt.Start(ctx, id, engine.StartOptions{Attach: true, ConsoleSize: s.sizes.current(id)})
	for i, ch := range list {
		if i == 0 && err == nil {
			ch <- sess
		} else {
			ch <- nil
		}
	}
	return true, err
}

// attach is POST /containers/{name}/attach: the connection is taken over
// and carries the container's output (Docker's multiplexed frames unless
// it has a terminal) and, with stdin=true, its input, until it exits.
func (s *Server) attach(w http.ResponseWriter, r *http.Request) {
	if boolQuery(r, "logs") {
		writeError(w, fmt.Errorf("attach with logs=true is not supported by pier's API yet: %w", define.ErrNotImplemented))
		return
	}
	c, err := s.rt.Lookup(r.Context(), param(r, "name"))
	if err != nil {
		writeError(w, err)
		return
	}
	id, tty := c.Config.ID, c.Config.Terminal
	var wait chan *engine.AttachSession
	if c.State.Status != define.StatusRunning {
		if c.State.Status == define.StatusPaused || c.State.Status == define.StatusRemoving {
			writeError(w, fmt.Errorf("you can only attach to running containers: %w", define.ErrCtrStateInvalid))
			return
		}
		wait = s.waiting.add(id)
		defer s.waiting.remove(id, wait)
	}
	conn, buf, ok := hijack(w, r, tty)
	if !ok {
		return
	}
	defer s.idle.hijackDone()
	defer conn.Close()
	streams := &engine.AttachStreams{}
	if tty {
		ch := s.sizes.open(id)
		defer s.sizes.done(id, ch)
		streams.Resize = ch
	}
	var sess *engine.AttachSession
	if wait != nil {
		if sess, ok = s.awaitStart(id, wait); !ok {
			return
		}
	}
	if boolQuery(r, "stdout") {
		streams.Stdout = streamWriter(conn, streamStdout, tty)
	}
	if boolQuery(r, "stderr") {
		streams.Stderr = streamWriter(conn, streamStderr, tty)
	}
	if boolQuery(r, "stdin") {
		streams.Stdin = buf
	}
	rec := s.exits.begin(id)
	code, err := s.rt.Attach(context.Background(), id, streams, engine.AttachOptions{Session: sess})
	if err != nil {
		slog.Info(fmt.Sprintf("attach to %s: %v", id, err))
		code = -1
	}
	s.exits.finish(id, rec, code)
}

// hijack takes the connection over and writes the attach answer line;
// on failure it has answered with an error.
func hijack(w http.ResponseWriter, r *http.Request, tty bool) (net.Conn, *bufio.ReadWriter, bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		writeErrorStatus(w, http.StatusInternalServerError, fmt.Errorf("the connection cannot be taken over for attach"))
		return nil, nil, false
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		writeErrorStatus(w, http.StatusInternalServerError, fmt.Errorf("taking over the connection: %w", err))
		return nil, nil, false
	}
	fmt.Fprint(conn, hijackHeader(r, tty))
	return conn, buf, true
}

// awaitStart waits for the start of a created container; false when it
// was removed (or the service stops) first.
func (s *Server) awaitStart(id string, wait chan *engine.AttachSession) (*engine.AttachSession, bool) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case sess := <-wait:
			return sess, true
		case <-tick.C:
			c, err := s.rt.Lookup(context.Background(), id)
			if err != nil {
				return nil, false
			}
			if c.State.Status == define.StatusRunning {
				return nil, true // started by someone else: attach now
			}
			if c.State.Status == define.StatusExited || c.State.Status == define.StatusStopped {
				return nil, false
			}
		}
	}
}

// hijackHeader is podman's (Docker's) answer line for an attach: an
// upgrade when the client asked for one, a multiplexed stream type
// without a terminal.
func hijackHeader(r *http.Request, tty bool) string {
	ctype := "application/vnd.docker.raw-stream"
	if !tty {
		ctype = "application/vnd.docker.multiplexed-stream"
	}
	proto := r.Header.Get("Upgrade")
	if proto == "" || !strings.EqualFold(r.Header.Get("Connection"), "Upgrade") {
		return "HTTP/1.1 200 OK\r\nContent-Type: " + ctype + "\r\n\r\n"
	}
	return "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + ctype + "\r\nConnection: Upgrade\r\nUpgrade: " + proto + "\r\n\r\n"
}

// streamWriter frames writes as Docker's multiplexed stream, or passes
// them through for a terminal.
func streamWriter(w io.Writer, stream byte, tty bool) io.Writer {
	if tty {
		return w
	}
	return &frameWriter{w: w, stream: stream}
}

type frameWriter struct {
	w      io.Writer
	stream byte
}

func (f *frameWriter) Write(p []byte) (int, error) {
	var hdr [8]byte
	hdr[0] = f.stream
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(p)))
	if _, err := f.w.Write(append(hdr[:], p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}
