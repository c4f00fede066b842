package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// execConfig is Docker's and podman's exec create body.
type execConfig struct {
	AttachStdin, AttachStdout, AttachStderr bool
	Tty, Privileged                         bool
	Env, Cmd                                []string
	User, WorkingDir, DetachKeys            string
	// ConsoleSize is the terminal's [height, width] (docker exec -t).
	ConsoleSize *[2]uint `json:",omitempty"`
}

// execSession is an exec the API created; the engine runs it at start.
// The API keeps it (and its exit code) for a while after it ends, for the
// inspect clients send to learn the code.
type execSession struct {
	id, ctrID string
	cfg       execConfig
	mu        sync.Mutex
	running   bool
	done      bool
	exitCode  int
}

type execSessions struct {
	mu sync.Mutex
	m  map[string]*execSession
}

func (e *execSessions) add(sess *execSession) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.m == nil {
		e.m = map[string]*execSession{}
	}
	e.m[sess.id] = sess
}

func (e *execSessions) get(id string) (*execSession, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if sess, ok := e.m[id]; ok {
		return sess, nil
	}
	return nil, fmt.Errorf("no exec session with ID %s found: %w", id, define.ErrNoSuchExecSession)
}

func (e *execSessions) expire(id string) {
	time.AfterFunc(exitKeep, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.m, id)
	})
}

// execCreate is POST /containers/{name}/exec: 201 {"Id"}; 409 unless the
// container runs.
func (s *Server) execCreate(w http.ResponseWriter, r *http.Request) {
	var cfg execConfig
	if err := json.NewDecoder(r.Body).Decode(&cfg); err != nil {
		badRequest(w, "decode(): %w", err)
		return
	}
	if len(cfg.Cmd) == 0 {
		badRequest(w, "must provide a non-empty command to start an exec session: %w", define.ErrInvalidArg)
		return
	}
	c, err := s.rt.Lookup(r.Context(), param(r, "name"))
	if err != nil {
		writeError(w, err)
		return
	}
	if c.State.Status != define.StatusRunning {
		writeError(w, fmt.Errorf("can only create exec sessions on running containers: %w", define.ErrCtrStateInvalid))
		return
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	sess := &execSession{id: hex.EncodeToString(b[:]), ctrID: c.Config.ID, cfg: cfg}
	s.execs.add(sess)
	writeJSON(w, http.StatusCreated, map[string]string{"Id": sess.id})
}

// execStart is POST /exec/{id}/start: with Detach it runs the command in
// the background (200); otherwise the connection is taken over as for
// attach and carries the command's streams until it exits.
func (s *Server) execStart(w http.ResponseWriter, r *http.Request) {
	sess, err := s.execs.get(param(r, "id"))
	if err != nil {
		writeError(w, err)
		return
	}
	var body struct{ Detach, Tty bool }
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		badRequest(w, "decode(): %w", err)
		return
	}
	sess.mu.Lock()
	if sess.running || sess.done {
		sess.mu.Unlock()
		writeError(w, fmt.Errorf("exec session %s has already been started: %w", sess.id, define.ErrCtrStateInvalid))
		return
	}
	sess.running = true
	sess.mu.Unlock()
	if body.Detach {
		go s.runExec(sess, &engine.AttachStreams{})
		w.WriteHeader(http.StatusOK)
		return
	}
	conn, buf, ok := hijack(w, r, sess.cfg.Tty)
	if !ok {
		s.finishExec(sess, -1)
		return
	}
	defer s.idle.hijackDone()
	defer conn.Close()
	streams := &engine.AttachStreams{}
	if sess.cfg.AttachStdout {
		streams.Stdout = streamWriter(conn, streamStdout, sess.cfg.Tty)
	}
	if sess.cfg.AttachStderr {
		streams.Stderr = streamWriter(conn, streamStderr, sess.cfg.Tty)
	}
	if sess.cfg.AttachStdin {
		streams.Stdin = buf
	}
	if sess.cfg.Tty {
		ch := s.sizes.open(sess.id)
		defer s.sizes.done(sess.id, ch)
		streams.Resize = ch
	}
	s.runExec(sess, streams)
}

func (s *Server) runExec(sess *execSession, streams *engine.AttachStreams) {
	c := sess.cfg
	opts := engine.ExecOptions{
		Cmd: c.Cmd, Env: c.Env, Terminal: c.Tty, Interactive: c.AttachStdin,
		User: c.User, WorkDir: c.WorkingDir, Privileged: c.Privileged,
		ConsoleSize: s.sizes.current(sess.id),
	}
	if cs := c.ConsoleSize; opts.ConsoleSize == nil && cs != nil && cs[0] > 0 && cs[1] > 0 {
		opts.ConsoleSize = &engine.TermSize{Height: uint16(cs[0]), Width: uint16(cs[1])}
	}
	code, _, err := s.rt.Exec(context.Background(), sess.ctrID, opts, streams)
	if err != nil {
		slog.Info(fmt.Sprintf("exec %s in %s: %v", sess.id, sess.ctrID, err))
		// 126/127 for a command that cannot run, as the CLI's exit code.
		code = errdefs.ExitCode(err)
	}
	s.finishExec(sess, code)
}

func (s *Server) finishExec(sess *execSession, code int) {
	sess.mu.Lock()
	sess.running, sess.done, sess.exitCode = false, true, code
	sess.mu.Unlock()
	s.execs.expire(sess.id)
}

// execInspect is GET /exec/{id}/json: podman's (Docker's) exec inspect.
func (s *Server) execInspect(w http.ResponseWriter, r *http.Request) {
	sess, err := s.execs.get(param(r, "id"))
	if err != nil {
		writeError(w, err)
		return
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	c := sess.cfg
	entry, args := c.Cmd[0], c.Cmd[1:]
	writeJSON(w, http.StatusOK, map[string]any{
		"ID": sess.id, "ContainerID": sess.ctrID, "Running": sess.running, "ExitCode": sess.exitCode,
		"OpenStdin": c.AttachStdin, "OpenStdout": c.AttachStdout, "OpenStderr": c.AttachStderr,
		"CanRemove": sess.done, "DetachKeys": c.DetachKeys,
		"ProcessConfig": map[string]any{
			"entrypoint": entry, "arguments": args, "tty": c.Tty, "privileged": c.Privileged, "user": c.User,
		},
	})
}

// execRemove is libpod's POST /exec/{id}/remove: a running session is
// refused unless force, which waits for nothing (the engine's session
// ends with its process).
func (s *Server) execRemove(w http.ResponseWriter, r *http.Request) {
	sess, err := s.execs.get(param(r, "id"))
	if err != nil {
		writeError(w, err)
		return
	}
	sess.mu.Lock()
	running := sess.running
	sess.mu.Unlock()
	if running && !boolQuery(r, "force") {
		writeError(w, fmt.Errorf("exec session %s is running: %w", sess.id, define.ErrCtrStateInvalid))
		return
	}
	s.execs.mu.Lock()
	delete(s.execs.m, sess.id)
	s.execs.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
