// Package oci drives an OCI runtime (runc, crun, ...) through its command
// line: create, start, kill, delete, state, pause, resume. It turns the
// runtime's own error text into Go errors so that it reaches the user.
//
// It owns nothing but the runtime invocation: it does not write bundles,
// does not own container stdio (pier-monitor does) and never touches the
// state store. It is imported by pier-monitor, so it stays small.
package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Sentinels that callers branch on with errors.Is.
var (
	// ErrNotExist: the runtime does not know the container.
	ErrNotExist = errors.New("container does not exist in the OCI runtime")
	// ErrNotRunning: the operation needs a running container.
	ErrNotRunning = errors.New("container is not running in the OCI runtime")
)

// Runtime is one OCI runtime binary plus the global flags every call gets
// (for example --root <dir>).
type Runtime struct {
	Name string   // short name, e.g. "runc"; prefixes its error messages
	Path string   // absolute path of the executable
	Args []string // global flags placed before the subcommand
}

// defaultPaths are where distributions install the runtimes we know, as in
// containers.conf's default [engine.runtimes] table.
var defaultPaths = map[string][]string{
	"runc": {
		"/usr/bin/runc", "/usr/sbin/runc", "/usr/local/bin/runc",
		"/usr/local/sbin/runc", "/sbin/runc", "/bin/runc",
		"/usr/lib/cri-o-runc/sbin/runc", "/run/current-system/sw/bin/runc",
	},
	"crun": {
		"/usr/bin/crun", "/usr/sbin/crun", "/usr/local/bin/crun",
		"/usr/local/sbin/crun", "/sbin/crun", "/bin/crun",
		"/run/current-system/sw/bin/crun",
	},
}

// Find resolves a runtime by absolute path or by name. A name is looked up
// in candidates (containers.conf [engine.runtimes]), then in the built-in
// defaults, then in $PATH; the first existing executable wins. An empty
// name means runc.
func Find(name string, candidates map[string][]string) (*Runtime, error) {
	if name == "" {
		name = "runc"
	}
	if strings.Contains(name, "/") {
		if !filepath.IsAbs(name) {
			return nil, fmt.Errorf("OCI runtime path %q must be absolute: %w", name, errdefs.ErrInvalidArgument)
		}
		if err := isExecutable(name); err != nil {
			return nil, fmt.Errorf("OCI runtime %q: %w: %w", name, err, errdefs.ErrInvalidArgument)
		}
		return &Runtime{Name: filepath.Base(name), Path: name}, nil
	}
	var tried []string
	for _, p := range slices.Concat(candidates[name], defaultPaths[name]) {
		if slices.Contains(tried, p) {
			continue
		}
		tried = append(tried, p)
		if isExecutable(p) == nil {
			return &Runtime{Name: name, Path: p}, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return &Runtime{Name: name, Path: p}, nil
	}
	tried = append(tried, "$PATH")
	return nil, fmt.Errorf("OCI runtime %q not found: tried %s: %w",
		name, strings.Join(tried, ", "), errdefs.ErrInvalidArgument)
}

func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}

func (r *Runtime) argv(args ...string) []string {
	return slices.Concat(r.Args, args)
}

// CreateCmd is `runtime create` for the monitor, which owns the command's
// stdio (they become the container's stdio without a terminal). With
// preserveFDs > 0 the command's fds 3..3+preserveFDs-1 (its ExtraFiles)
// become the container's.
func (r *Runtime) CreateCmd(id, bundle, pidFile, consoleSocket string, preserveFDs int) *exec.Cmd {
	return r.createArgs([]string{"create"}, id, bundle, pidFile, consoleSocket, preserveFDs)
}

// RunDetachedCmd is `runtime run --detach`: create and start in one
// runtime process, for the monitor, like CreateCmd.
func (r *Runtime) RunDetachedCmd(id, bundle, pidFile, consoleSocket string, preserveFDs int) *exec.Cmd {
	return r.createArgs([]string{"run", "--detach"}, id, bundle, pidFile, consoleSocket, preserveFDs)
}

func (r *Runtime) createArgs(args []string, id, bundle, pidFile, consoleSocket string, preserveFDs int) *exec.Cmd {
	if bundle != "" {
		args = append(args, "--bundle", bundle)
	}
	args = append(args, "--pid-file", pidFile)
	if consoleSocket != "" {
		args = append(args, "--console-socket", consoleSocket)
	}
	if preserveFDs > 0 {
		args = append(args, "--preserve-fds", strconv.Itoa(preserveFDs))
	}
	return exec.Command(r.Path, r.argv(append(args, id)...)...)
}

// ExecDetachedCmd is `runtime exec --detach`: the process described by
// the file at processPath runs in the container and is left to the
// caller's subreaper (the exec session's monitor), like RunDetachedCmd.
func (r *Runtime) ExecDetachedCmd(id, processPath, pidFile, consoleSocket string, preserveFDs int) *exec.Cmd {
	return r.createArgs([]string{"exec", "--detach", "--process", processPath}, id, "", pidFile, consoleSocket, preserveFDs)
}

// CanRunDetached tells whether the runtime is one whose `run --detach`
// takes the same flags as create and leaves the process to the caller's
// subreaper (runc and crun); others get create and start.
func (r *Runtime) CanRunDetached() bool {
	switch filepath.Base(r.Path) {
	case "runc", "crun":
		return true
	}
	return false
}

// Start runs the container's process. A process that cannot be executed
// (runtimes that exec at start, as crun does) gets exit code 126 or 127.
func (r *Runtime) Start(ctx context.Context, id string) error {
	_, err := r.run(ctx, "start", "start", id)
	return ClassifyExec(err)
}

// Kill sends sig to the container's init process, or with all to every
// process in the container.
func (r *Runtime) Kill(ctx context.Context, id string, sig syscall.Signal, all bool) error {
	args := []string{"kill"}
	if all {
		args = append(args, "--all")
	}
	_, err := r.run(ctx, "kill", append(args, id, strconv.Itoa(int(sig)))...)
	return err
}

// Delete removes the runtime's record of the container; with force it
// kills a running container first.
func (r *Runtime) Delete(ctx context.Context, id string, force bool) error {
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	_, err := r.run(ctx, "delete", append(args, id)...)
	return err
}

// Update applies the cgroup limits in resourcesFile (the spec's
// LinuxResources as JSON) to the running container.
func (r *Runtime) Update(ctx context.Context, id, resourcesFile string) error {
	_, err := r.run(ctx, "update", "update", "--resources", resourcesFile, id)
	return err
}

// Pause freezes every process of the container.
func (r *Runtime) Pause(ctx context.Context, id string) error {
	_, err := r.run(ctx, "pause", "pause", id)
	return err
}

// Resume thaws a paused container.
func (r *Runtime) Resume(ctx context.Context, id string) error {
	_, err := r.run(ctx, "resume", "resume", id)
	return err
}

// State is the runtime's view of the container (ErrNotExist if it has none).
func (r *Runtime) State(ctx context.Context, id string) (*specs.State, error) {
	out, err := r.run(ctx, "state", "state", id)
	if err != nil {
		return nil, err
	}
	var st specs.State
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, fmt.Errorf("%s state %s: decoding output: %w", r.Name, id, err)
	}
	return &st, nil
}

// run executes one runtime subcommand and returns its stdout; on failure
// the error carries the runtime's stderr message.
func (r *Runtime) run(ctx context.Context, op string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, r.Path, r.argv(args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", r.Name, op, ctx.Err())
		}
		return nil, r.NewError(op, stderr.Bytes(), err)
	}
	return stdout.Bytes(), nil
}

// Error is a failed runtime command. Its text is the runtime's own message.
type Error struct {
	Runtime string // runtime name
	Op      string // subcommand, e.g. "create"
	Msg     string // the runtime's message, stripped of log decoration
	Err     error  // how the command failed, e.g. *exec.ExitError
	kind    error  // ErrNotExist, ErrNotRunning or nil
}

func (e *Error) Error() string {
	// runc already says "runc create failed: ..."; podman prints that as
	// "runc: runc create failed: ..." and so do we.
	if e.Msg == "" {
		return fmt.Sprintf("%s %s: %v", e.Runtime, e.Op, e.Err)
	}
	// runc's exec says "exec failed: ...", which podman prints as
	// "runc: exec failed: ...".
	if strings.HasPrefix(e.Msg, e.Runtime+" "+e.Op) || strings.HasPrefix(e.Msg, e.Op+" failed") {
		return e.Runtime + ": " + e.Msg
	}
	return e.Runtime + " " + e.Op + ": " + e.Msg
}

func (e *Error) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.kind, e.Err} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// NewError builds the error of a failed runtime command from what it wrote
// to stderr (or to its --log file).
func (r *Runtime) NewError(op string, stderr []byte, err error) *Error {
	msg := Message(stderr)
	e := &Error{Runtime: r.Name, Op: op, Msg: msg, Err: err}
	switch low := strings.ToLower(msg); {
	case strings.Contains(low, "does not exist"):
		e.kind = ErrNotExist
	case strings.Contains(low, "not running"), strings.Contains(low, "stopped container"):
		e.kind = ErrNotRunning
	}
	return e
}

// Message extracts the runtime's error message from its output. runc logs
// through logrus: `time="..." level=error msg="..."` in text, or
// {"level":"error","msg":"..."} in json. Error lines win; plain text is
// kept as is.
func Message(out []byte) string {
	var errs, plain []string
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		level, msg, ok := parseLogLine(line)
		switch {
		case !ok:
			plain = append(plain, line)
		case level == "error" || level == "fatal" || level == "panic":
			errs = append(errs, msg)
		}
	}
	if len(errs) > 0 {
		return strings.Join(errs, "; ")
	}
	return strings.Join(plain, "\n")
}

func parseLogLine(line string) (level, msg string, ok bool) {
	if strings.HasPrefix(line, "{") {
		var l struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &l) != nil || l.Level == "" {
			return "", "", false
		}
		return l.Level, l.Msg, true
	}
	level, ok = logfmtValue(line, "level")
	if !ok {
		return "", "", false
	}
	msg, ok = logfmtValue(line, "msg")
	return level, msg, ok
}

// logfmtValue finds key=value or key="quoted value" in a logrus text line.
func logfmtValue(line, key string) (string, bool) {
	for i := 0; i < len(line); {
		rest := line[i:]
		if strings.HasPrefix(rest, key+"=") && (i == 0 || line[i-1] == ' ') {
			v := rest[len(key)+1:]
			if strings.HasPrefix(v, `"`) {
				q, err := strconv.QuotedPrefix(v)
				if err != nil {
					return "", false
				}
				u, err := strconv.Unquote(q)
				return u, err == nil
			}
			v, _, _ = strings.Cut(v, " ")
			return v, true
		}
		// Skip over a quoted value so that `msg="a level=x"` is not split.
		if rest[0] == '"' {
			if q, err := strconv.QuotedPrefix(rest); err == nil {
				i += len(q)
				continue
			}
		}
		i++
	}
	return "", false
}

// ClassifyExec marks a runtime error that says the container's command
// could not be executed with podman's exit codes: 127 when it was not
// found, 126 when it could not be invoked. Other errors pass unchanged.
func ClassifyExec(err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	low := strings.ToLower(e.Msg)
	if !strings.Contains(low, "exec") {
		return err // only the exec step of the container's process
	}
	switch {
	case strings.Contains(low, "executable file not found"),
		strings.Contains(low, "no such file or directory"):
		return errdefs.WithExitCode(errdefs.ExitCommandNotFnd,
			fmt.Errorf("%w: OCI runtime attempted to invoke a command that was not found", err))
	case strings.Contains(low, "permission denied"),
		strings.Contains(low, "is a directory"),
		strings.Contains(low, "exec format error"),
		strings.Contains(low, "operation not permitted"):
		return errdefs.WithExitCode(errdefs.ExitCannotInvoke,
			fmt.Errorf("%w: OCI permission denied", err))
	}
	return err
}
