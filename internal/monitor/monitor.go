// Package monitor is pier-monitor, the small process that sits between the
// engine and each container (the role conmon plays for podman), and the
// engine's side of its protocol: Launch, Attach, ReadExitFile, FindMonitor.
// One also runs each exec session, the same way.
//
// The monitor is the parent and subreaper of the container. It owns the
// container's stdio (pipes, or the pty master it receives from the
// runtime), writes the k8s-file log (format in package logs), serves the
// attach socket, records the exit code in RunDir/exit and then runs the
// engine's exit command (`pier container cleanup`).
//
// It must stay cheap to import (the engine imports it) and cheap to run
// (one per container): no go.podman.io/*, no net (which would link libc),
// no JSON in the steady state. It never touches the state store, locks,
// storage or networks; the exit command does that.
//
// # Memory
//
// A monitor per container must cost little (conmon: 2 MB RSS). The steady
// state allocates nothing, GOGC is off with a memory limit as a safety net
// (no periodic GC touching the whole binary), and once the container is
// created the startup garbage is returned and the binary's read-only pages
// are dropped from our page tables (see dropStartupText): about 2.3 MB RSS.
//
// # Files in RunDir
//
//	monitor.json  the Config, written by Launch
//	pidfile       the container's PID, written by the runtime
//	attach        the attach socket (see below)
//	exit          {"exitCode":N,"time":"RFC3339Nano"}, written atomically
//	runtime.log   the runtime's log, passthrough log driver only
//
// # Launch and the sync pipe
//
// Launch runs `pier-monitor serve ID RunDir/monitor.json` in a new session
// with a pipe as fd 3 (the caller reaps it; once the caller exits it is
// init's). The monitor runs the runtime's create and writes one line: {"pid":N} on success, {"runtimeOutput":"...","runtimeErr":"..."}
// when the runtime failed, or {"error":"..."} when the monitor itself did.
// With Config.WaitAttach it first writes {"listening":true} and waits for
// one attach client (LaunchAttach dials it) before it runs the runtime.
//
// A monitor can also be started ahead (Spawn: `pier-monitor serve ID
// CONFIG --pending`, the start pipe as fd 4): it waits for "go" on that
// pipe before it reads CONFIG, then serves as above; it exits if the pipe
// closes without it. Its start-up then runs beside the engine's
// preparation of the container.
//
// # Attach protocol
//
// A stream socket. Every message is a frame: one type byte, a 4-byte
// big-endian payload length, the payload. Server to client: frameStdout,
// frameStderr (output as it is read), then frameExit (int32 exit code,
// big-endian) once output is drained and the exit file is written; it is
// the last frame. Client to server: frameStdin (bytes for the container's
// stdin), frameStdinClose (close the container's stdin), frameResize
// (uint16 height, uint16 width, big-endian). Any number of clients.
package monitor

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/oci"
)

// Log drivers the monitor knows.
const (
	LogK8sFile     = "k8s-file" // the default
	LogNone        = "none"
	LogPassthrough = "passthrough" // the container uses the caller's stdio
	// LogPassthroughTTY is passthrough where the caller's stdio may be a
	// terminal: the container gets it as its own, with no console of
	// the runtime's (the engine starts it without one).
	LogPassthroughTTY = "passthrough-tty"
)

// Config is everything the monitor needs; Launch writes it to
// RunDir/monitor.json.
type Config struct {
	ID      string `json:"id"`
	Bundle  string `json:"bundle"` // directory holding config.json
	RunDir  string `json:"runDir"` // the container's run directory (see package doc)
	Runtime oci.Runtime

	Terminal bool `json:"terminal"`
	Stdin    bool `json:"stdin"`
	// MergeOutput gives the process one pipe as stdout and stderr, so
	// what it writes arrives in the order written, all as stdout (a
	// healthcheck's output, as podman records it).
	MergeOutput bool `json:"mergeOutput,omitempty"`

	LogDriver  string `json:"logDriver"` // LogK8sFile (or ""), LogJournald, LogNone, LogPassthrough
	LogPath    string `json:"logPath,omitempty"`
	LogSizeMax int64  `json:"logSizeMax,omitempty"` // truncate the log when it would grow past this
	// Name and LogTag name the container's journal entries (journald).
	Name   string `json:"name,omitempty"`
	LogTag string `json:"logTag,omitempty"`

	// Start has the monitor start the container as well: the runtime's
	// `run --detach`, one runtime process instead of create and start.
	Start bool `json:"start,omitempty"`
	// WaitAttach (with Start) registers the first attach client before the
	// container starts, so that it misses no output: the monitor says
	// {"listening":true} on the sync pipe and waits for it.
	WaitAttach bool `json:"waitAttach,omitempty"`
	// FirstClientCleans (with WaitAttach): the first client removes the
	// container after the exit (run --rm). The monitor runs ExitCommand
	// only if that client goes away without saying frameCleanupDone, so
	// a removal that is done costs no cleanup process, and one whose CLI
	// died is still done.
	FirstClientCleans bool `json:"firstClientCleans,omitempty"`

	ExitCommand []string `json:"exitCommand,omitempty"` // run after the exit file is written
	// ExitEnv is added to the exit command's environment: the monitor's
	// own is the caller's without pier's test variables (PIER_FAILPOINT),
	// which crash tests still hand to the cleanup through here.
	ExitEnv []string `json:"exitEnv,omitempty"`
	// ErrorLog is appended with what goes wrong after the sync pipe is
	// closed (a failed exit command and its output): the monitor has no
	// terminal, so this file is where users find it.
	ErrorLog string `json:"errorLog,omitempty"`
	Version  string `json:"version"` // must match the monitor's

	// PreserveFDs passes Launch's caller's fds 3..3+N-1 to the container
	// (as its fds 3..3+N-1); the monitor holds them at 4..4+N-1, after
	// the sync pipe, until the runtime's create has them.
	PreserveFDs int `json:"preserveFds,omitempty"`
	// PreserveFD, when set, are the only fds of 3..3+PreserveFDs-1 passed
	// on (run --preserve-fd); the others become /dev/null, so the
	// runtime's fd numbers stay those the user gave.
	PreserveFD []int `json:"preserveFd,omitempty"`
	// MonitorPidFile and PidFile, when set, receive the monitor's and the
	// container's PIDs (podman's --conmon-pidfile and --pidfile).
	MonitorPidFile string `json:"monitorPidFile,omitempty"`
	PidFile        string `json:"pidFile,omitempty"`
	// Timeout kills the container after this many seconds (--timeout).
	Timeout uint `json:"timeout,omitempty"`
	// HealthCommand (`pier healthcheck run ID`) is run every
	// HealthInterval after the previous run ended, while the container
	// runs: the monitor is the healthcheck timer, no systemd needed.
	HealthCommand  []string      `json:"healthCommand,omitempty"`
	HealthInterval time.Duration `json:"healthInterval,omitempty"`
	// StartupInterval is the interval while StartupDoneFile does not
	// exist (a startup healthcheck has not passed yet).
	StartupInterval time.Duration `json:"startupInterval,omitempty"`
	StartupDoneFile string        `json:"startupDoneFile,omitempty"`

	// ExecProcess makes this the monitor of an exec session rather than of
	// the container: with Start, the runtime's `exec --detach --process
	// ExecProcess` runs the process in the running container ID. RunDir is
	// then the session's directory; the monitor never deletes or kills
	// the container, and it runs as `pier-monitor exec ID CONFIG`, so the
	// container's stale-monitor check (KillStale) never matches it.
	ExecProcess string `json:"execProcess,omitempty"`
	// NotifySocket, when set, is the service manager's NOTIFY_SOCKET: the
	// monitor binds RunDir/notify/notify.sock (the container's
	// /run/notify/notify.sock) and relays READY=1 and WATCHDOG=1 from it
	// there, as conmon's --sdnotify-socket.
	NotifySocket string `json:"notifySocket,omitempty"`
}

// File names inside RunDir.
const (
	configFile = "monitor.json"
	pidFile    = "pidfile"
	// monitorPidFile holds the monitor's own PID.
	monitorPidFile = "monitor.pid"
	attachFile     = "attach"
	exitFile       = "exit"
	// oomFile exists when the kernel's OOM killer ended a process of the
	// container (conmon writes one too); written before exitFile.
	oomFile     = "oom"
	consoleFile = "console.sock"
	runtimeLog  = "runtime.log"
)

// Frame types of the attach protocol.
const (
	frameStdin      byte = 0
	frameStdout     byte = 1
	frameStderr     byte = 2
	frameExit       byte = 3
	frameStdinClose byte = 4
	frameResize     byte = 5
	// frameReady is the server's first frame to a client: the client is
	// registered, so output produced from now on reaches it. The engine
	// waits for it before starting the container.
	frameReady byte = 6
	// frameCleanupDone, from the cleaning client (Config.FirstClientCleans)
	// after the exit: the container is removed, skip the exit command.
	frameCleanupDone byte = 7
	// frameClaimCleanup, from a client that will clean up after the exit
	// (stop): answered with frameClaimed, or frameClaimRefused when
	// another client has it or the exit is already being handled. The
	// claimer says frameCleanupDone when done; the monitor runs its exit
	// command only if it goes away without saying so.
	frameClaimCleanup byte = 8
	frameClaimed      byte = 9
	frameClaimRefused byte = 10

	frameHeader  = 5
	maxFrameSize = 1 << 20
)

// passthrough reports whether driver hands the caller's stdio to the
// container.
func passthrough(driver string) bool {
	return driver == LogPassthrough || driver == LogPassthroughTTY
}

// PidFilePath is where the runtime records the container's PID in a run
// dir; MonitorPidFilePath where the monitor records its own.
func PidFilePath(runDir string) string { return filepath.Join(runDir, pidFile) }

// MonitorPidFilePath: see PidFilePath.
func MonitorPidFilePath(runDir string) string { return filepath.Join(runDir, monitorPidFile) }

// TermSize is a terminal size in cells.
type TermSize struct{ Height, Width uint16 }

// appendFrameHeader appends a frame header for n payload bytes.
func appendFrameHeader(b []byte, typ byte, n int) []byte {
	b = append(b, typ)
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

// readFrame reads one frame into buf (grown as needed) and returns its
// type and payload.
func readFrame(r io.Reader, buf []byte) (byte, []byte, error) {
	var h [frameHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n > maxFrameSize {
		return 0, nil, fmt.Errorf("attach frame of %d bytes is too large", n)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return h[0], buf, nil
}

// sockPath returns a path for the socket name in dir that fits in
// sun_path (108 bytes). Long run directories are reached through an O_PATH
// descriptor: /proc/<pid>/fd/<n>/name, which is what conmon does too. pid
// "self" is for our own use; the runtime needs our numeric PID. The caller
// must call release once the socket is bound or connected.
func sockPath(dir, name, pid string) (path string, release func(), err error) {
	p := filepath.Join(dir, name)
	if len(p) < 100 {
		return p, func() {}, nil
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	p = "/proc/" + pid + "/fd/" + strconv.Itoa(fd) + "/" + name
	return p, func() { unix.Close(fd) }, nil
}

// OOMKilled reports whether the monitor in runDir saw the OOM killer end
// a process of its container (read it once the exit file exists).
func OOMKilled(runDir string) bool {
	_, err := os.Stat(filepath.Join(runDir, oomFile))
	return err == nil
}

// ReadExitFile reads RunDir/exit, written by the monitor when the
// container exited. The error wraps os.ErrNotExist while it is running.
func ReadExitFile(runDir string) (code int, at time.Time, err error) {
	b, err := os.ReadFile(filepath.Join(runDir, exitFile))
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("reading exit file: %w", err)
	}
	var e struct {
		ExitCode *int      `json:"exitCode"`
		Time     time.Time `json:"time"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.ExitCode == nil {
		return 0, time.Time{}, fmt.Errorf("reading exit file %s: malformed content %q", filepath.Join(runDir, exitFile), b)
	}
	return *e.ExitCode, e.Time, nil
}
