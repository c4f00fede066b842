package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/pkg/capabilities"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/monitor"
	"github.com/pier-engine/pier/internal/specgen"
	"github.com/pier-engine/pier/internal/version"
)

// ExecOptions mirror `exec` flags.
type ExecOptions struct {
	Cmd         []string
	Env         []string // KEY=VAL, over the container's environment
	Terminal    bool
	Interactive bool
	Detach      bool
	User        string // "" is the container's user
	WorkDir     string // "" is the container's working directory
	Privileged  bool
	PreserveFDs uint
	// PreserveFD passes just these fds, at the same numbers (exec
	// --preserve-fd); with PreserveFDs too, the range is the larger.
	PreserveFD []uint
	// NoSession runs the command without recording a session in the
	// container's state (exec --no-session): inspect lists no ExecID.
	NoSession bool
	// ConsoleSize sizes the session's pty before its process runs.
	ConsoleSize *TermSize
	// quiet records no exec events, mergeOutput sends stderr down
	// stdout's pipe, in order (healthchecks).
	quiet, mergeOutput bool
}

// execExitGeneric is podman's exit code when an exec session cannot be
// made at all (the container is not running): -1, as the shell sees it.
const execExitGeneric = 255

// Exec runs a command in the running container. With opts.Detach it
// returns the session's ID once the process runs; otherwise it attaches
// streams and returns the command's exit code once it exits, and the
// session is gone. A command that cannot run gives 126 or 127.
func (r *Runtime) Exec(ctx context.Context, nameOrID string, opts ExecOptions, streams *AttachStreams) (code int, sessionID string, err error) {
	if len(opts.Cmd) == 0 {
		return 0, "", errdefs.New(errdefs.ErrInvalidArgument, "must provide a non-empty command to start an exec session: invalid argument")
	}
	if err := monitor.CheckInheritedFDs(int(opts.PreserveFDs)); err != nil {
		return 0, "", err
	}
	if err := monitor.CheckInheritedFD(fdInts(opts.PreserveFD)); err != nil {
		return 0, "", err
	}
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil {
		return 0, "", err
	}
	code, sessionID, err = r.exec(ctx, c.Config.ID, opts, streams)
	var ee *errdefs.ExitError
	if err != nil && !errors.As(err, &ee) && !errors.Is(err, define.ErrNoSuchCtr) {
		// podman's exec fails with -1 once it has the container.
		err = errdefs.WithExitCode(execExitGeneric, err)
	}
	return code, sessionID, err
}

func (r *Runtime) exec(ctx context.Context, nameOrID string, opts ExecOptions, streams *AttachStreams) (code int, sessionID string, err error) {
	c, sess, dir, err := r.createExecSession(ctx, nameOrID, opts)
	if err != nil {
		return 0, "", err
	}
	id := c.Config.ID
	forget := func() {
		if opts.NoSession {
			_ = os.RemoveAll(dir)
			return
		}
		r.removeExecSession(ctx, id, sess.ID)
	}
	mcfg, err := r.execMonitorConfig(c, dir, opts)
	if err != nil {
		forget()
		return 0, "", err
	}
	monPath, err := r.monitorPath()
	if err != nil {
		forget()
		return 0, "", err
	}
	pid, monPID, att, err := monitor.LaunchStart(ctx, monPath, mcfg, !opts.Detach, nil)
	if err != nil {
		forget()
		return 0, "", err
	}
	if !opts.quiet {
		r.ctrEvent(c, events.Exec)
	}
	if opts.Detach {
		r.updateExecSession(ctx, id, sess.ID, func(s *define.ExecSession) { s.PID, s.MonitorPID = pid, monPID })
		return 0, sess.ID, nil
	}
	code, err = att.Run(ctx, streams)
	if err != nil && ctx.Err() != nil {
		// The caller detached: the session runs on, as one started with -d.
		r.updateExecSession(context.WithoutCancel(ctx), id, sess.ID, func(s *define.ExecSession) { s.PID, s.MonitorPID = pid, monPID })
		return 0, sess.ID, err
	}
	forget()
	if err != nil {
		return 0, "", fmt.Errorf("attaching to exec session %s: %w", sess.ID, err)
	}
	if !opts.quiet {
		r.writeEvent(execDiedEvent(c, code))
	}
	return code, sess.ID, nil
}

// execMonitorConfig is the monitor's config for a session in dir.
func (r *Runtime) execMonitorConfig(c *define.Container, dir string, opts ExecOptions) (*monitor.Config, error) {
	rt, err := r.runtimeFor(c)
	if err != nil {
		return nil, err
	}
	id := c.Config.ID
	mcfg := &monitor.Config{
		ID: id, Bundle: r.ctrRunDir(id), RunDir: dir, Runtime: *rt,
		Terminal: opts.Terminal, Stdin: opts.Interactive, LogDriver: monitor.LogNone,
		ErrorLog: r.monitorLog(), Version: version.Version, Start: true,
		PreserveFDs: int(opts.PreserveFDs), ExecProcess: filepath.Join(dir, "process.json"),
		MergeOutput: opts.mergeOutput,
	}
	if len(opts.PreserveFD) > 0 {
		for _, fd := range opts.PreserveFD {
			if fd < 3 {
				// podman fails here, once the session exists: 125, not exec's -1
				return nil, errdefs.WithExitCode(errdefs.ExitEngine, fmt.Errorf("cannot preserve FD %d, consider using the passthrough log-driver to pass STDIO streams into the container: %w", fd, errdefs.ErrInvalidArgument))
			}
		}
		mcfg.PreserveFD = fdInts(opts.PreserveFD)
		mcfg.PreserveFDs = max(mcfg.PreserveFDs, slices.Max(mcfg.PreserveFD)-2)
	}
	return mcfg, nil
}

// createExecSession records a new session of a running container and
// writes its process description.
func (r *Runtime) createExecSession(ctx context.Context, nameOrID string, opts ExecOptions) (*define.Container, *define.ExecSession, string, error) {
	c, l, err := r.locked(ctx, nameOrID)
	if err != nil {
		return nil, nil, "", err
	}
	defer l.Unlock()
	if c.State.Status != define.StatusRunning {
		return nil, nil, "", fmt.Errorf("can only create exec sessions on running containers: %w", define.ErrCtrStateInvalid)
	}
	sess := &define.ExecSession{
		ID: newID(), Command: slices.Clone(opts.Cmd), Terminal: opts.Terminal, Stdin: opts.Interactive,
		User: opts.User, WorkDir: opts.WorkDir, Privileged: opts.Privileged, Detached: opts.Detach,
	}
	dir := r.execDir(c.Config.ID, sess.ID)
	p, err := r.execProcess(c, opts)
	if err != nil {
		return nil, nil, "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, "", fmt.Errorf("creating exec session directory: %w", err)
	}
	if err := writeJSON(filepath.Join(dir, "process.json"), p); err != nil {
		os.RemoveAll(dir)
		return nil, nil, "", err
	}
	if opts.NoSession {
		return c, sess, dir, nil
	}
	if c.State.ExecSessions == nil {
		c.State.ExecSessions = map[string]*define.ExecSession{}
	}
	c.State.ExecSessions[sess.ID] = sess
	if err := r.save(ctx, c); err != nil {
		os.RemoveAll(dir)
		return nil, nil, "", err
	}
	return c, sess, dir, nil
}

// execDir is a session's monitor run dir, inside the container's run dir
// so that the next start wipes what a stopped container's sessions left.
func (r *Runtime) execDir(ctrID, sessID string) string {
	return filepath.Join(r.ctrRunDir(ctrID), "exec", sessID)
}

// execProcess is the container's process as started, with the session's
// command, environment, user, directory and terminal.
func (r *Runtime) execProcess(c *define.Container, opts ExecOptions) (*rspec.Process, error) {
	b, err := os.ReadFile(r.ctrPaths(c.Config.ID).Bundle)
	if err != nil {
		return nil, fmt.Errorf("reading the container's runtime config: %w", err)
	}
	var s rspec.Spec
	if err := json.Unmarshal(b, &s); err != nil || s.Process == nil {
		return nil, fmt.Errorf("decoding the container's runtime config: %v", err)
	}
	p := s.Process
	p.Args = slices.Clone(opts.Cmd)
	p.Terminal = opts.Terminal
	p.ConsoleSize = nil
	if opts.Terminal && opts.ConsoleSize != nil {
		p.ConsoleSize = &rspec.Box{Height: uint(opts.ConsoleSize.Height), Width: uint(opts.ConsoleSize.Width)}
	}
	if opts.WorkDir != "" {
		if !filepath.IsAbs(opts.WorkDir) {
			return nil, errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("the working directory %q is invalid, it needs to be an absolute path", opts.WorkDir))
		}
		p.Cwd = opts.WorkDir
	}
	if opts.User != "" {
		passwd, group := r.userEtcFiles(c)
		u, home, err := specgen.ResolveUserWith(c.State.Mountpoint, opts.User, passwd, group)
		if err != nil {
			return nil, err
		}
		u.Umask = p.User.Umask
		if !slices.Contains(u.AdditionalGids, u.GID) {
			// podman lists the primary group among the process's groups
			u.AdditionalGids = append([]uint32{u.GID}, u.AdditionalGids...)
		}
		p.User = u
		p.Env = mergeEnv(p.Env, []string{"HOME=" + home})
	}
	p.Env = mergeEnv(p.Env, opts.Env)
	caps := p.Capabilities
	if caps == nil {
		caps = &rspec.LinuxCapabilities{}
	}
	if opts.Privileged {
		all, err := capabilities.BoundingSet()
		if err != nil {
			return nil, fmt.Errorf("listing capabilities: %w", err)
		}
		caps.Bounding = all
	}
	// As at create: root has the set, other users only the bounding set.
	caps.Effective, caps.Permitted = nil, nil
	if p.User.UID == 0 {
		caps.Effective, caps.Permitted = slices.Clone(caps.Bounding), slices.Clone(caps.Bounding)
	}
	p.Capabilities = caps
	return p, nil
}

// mergeEnv sets each KEY=VAL of over in env, replacing an existing KEY.
func mergeEnv(env, over []string) []string {
	env = slices.Clone(env)
	for _, kv := range over {
		k, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") || e == k })
		if i >= 0 {
			env[i] = kv
		} else {
			env = append(env, kv)
		}
	}
	return env
}

func (r *Runtime) updateExecSession(ctx context.Context, ctrID, sessID string, f func(*define.ExecSession)) {
	c, l, err := r.locked(ctx, ctrID)
	if err != nil {
		return
	}
	defer l.Unlock()
	if s := c.State.ExecSessions[sessID]; s != nil {
		f(s)
		_ = r.save(ctx, c)
	}
}

// removeExecSession forgets a session and its files. It is best effort:
// a stopped container's start clears them anyway.
func (r *Runtime) removeExecSession(ctx context.Context, ctrID, sessID string) {
	ctx = context.WithoutCancel(ctx)
	_ = os.RemoveAll(r.execDir(ctrID, sessID))
	c, l, err := r.locked(ctx, ctrID)
	if err != nil {
		return
	}
	defer l.Unlock()
	if _, ok := c.State.ExecSessions[sessID]; ok {
		delete(c.State.ExecSessions, sessID)
		if len(c.State.ExecSessions) == 0 {
			c.State.ExecSessions = nil
		}
		if err := r.save(ctx, c); err != nil && !errors.Is(err, define.ErrNoSuchCtr) {
			return
		}
	}
}

// execIDs lists a container's exec sessions for inspect.
func execIDs(st *define.ContainerState) []string {
	ids := make([]string, 0, len(st.ExecSessions))
	for id := range st.ExecSessions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
