package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// notifyListener is the service manager's side of sd_notify: a unix
// datagram socket whose path the test hands pier as NOTIFY_SOCKET, and
// every datagram it received.
type notifyListener struct {
	path string
	conn *net.UnixConn
	mu   sync.Mutex
	msgs []string
}

func newNotifyListener(t *testing.T, p *Pier) *notifyListener {
	t.Helper()
	n := &notifyListener{path: filepath.Join(p.Dir, "notify.sock")}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: n.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	n.conn = conn
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				return
			}
			n.mu.Lock()
			n.msgs = append(n.msgs, string(buf[:k]))
			n.mu.Unlock()
		}
	}()
	return n
}

func (n *notifyListener) env() []string { return []string{"NOTIFY_SOCKET=" + n.path} }

// run runs pier with NOTIFY_SOCKET set to the listener and fails the test
// if it fails.
func (n *notifyListener) run(t *testing.T, p *Pier, args ...string) Result {
	t.Helper()
	r := p.RunWith(RunOpts{Env: n.env()}, args...)
	if r.ExitCode != 0 {
		t.Fatalf("pier %v: %s", args, r)
	}
	return r
}

func (n *notifyListener) got() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.msgs...)
}

// waitFor waits until count datagrams arrived and returns them all.
func (n *notifyListener) waitFor(t *testing.T, count int) []string {
	t.Helper()
	if !eventually(20*time.Second, func() bool { return len(n.got()) >= count }) {
		t.Fatalf("after 20s the notify socket got %q, want %d datagrams", n.got(), count)
	}
	return n.got()
}

// checkMainPID checks that MAINPID is the container's monitor (podman's
// conmon PID, inspect's State.ConmonPid), a live pier-monitor.
func checkMainPID(t *testing.T, p *Pier, ctr, msg string) {
	t.Helper()
	pid := p.Inspect(ctr, "{{.State.ConmonPid}}")
	if !strings.HasPrefix(msg, "MAINPID="+pid) {
		t.Errorf("datagram %q, want MAINPID=%s first", msg, pid)
	}
	exe, err := os.Readlink("/proc/" + pid + "/exe")
	if err != nil || filepath.Base(exe) != "pier-monitor" {
		t.Errorf("MAINPID %s is %q (%v), want the pier-monitor", pid, exe, err)
	}
}

// --sdnotify=conmon: pier sends MAINPID (the monitor) and READY=1 in one
// datagram once the container started, as podman's "MAINPID=N\nREADY=1".
func TestSdNotifyConmon(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	n := newNotifyListener(t, p)
	n.run(t, p, "run", "-d", "--name", "sc", "--sdnotify=conmon", Image, "sleep", "100")
	msgs := n.waitFor(t, 1)
	pid := p.Inspect("sc", "{{.State.ConmonPid}}")
	if len(msgs) != 1 || msgs[0] != "MAINPID="+pid+"\nREADY=1" {
		t.Errorf("notify socket got %q, want [\"MAINPID=%s\\nREADY=1\"]", msgs, pid)
	}
	checkMainPID(t, p, "sc", msgs[0])
	if got := p.Inspect("sc", "{{.Config.SdNotifyMode}} {{.Config.SdNotifySocket}}"); got != "conmon "+n.path {
		t.Errorf("inspect: %q", got)
	}
}

// --sdnotify=container (the default): the container gets the monitor's
// proxy socket as NOTIFY_SOCKET=/run/notify/notify.sock; pier sends
// MAINPID alone, and the container's own READY=1 reaches the socket
// through the monitor.
func TestSdNotifyContainer(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	n := newNotifyListener(t, p)
	// busybox's logger writes a datagram holding "READY=1" to /dev/log;
	// the monitor relays READY=1 alone, as conmon does.
	script := `echo "socket=$NOTIFY_SOCKET"; ln -s $NOTIFY_SOCKET /dev/log; while ! test -f /go; do sleep 0.1; done; logger READY=1; sleep 100`
	n.run(t, p, "run", "-d", "--name", "sk", Image, "sh", "-c", script)
	msgs := n.waitFor(t, 1)
	checkMainPID(t, p, "sk", msgs[0])
	if msgs[0] != "MAINPID="+p.Inspect("sk", "{{.State.ConmonPid}}") {
		t.Errorf("first datagram %q, want MAINPID alone", msgs[0])
	}
	p.WaitLogs("sk", "socket=/run/notify/notify.sock", 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	if got := n.got(); len(got) != 1 {
		t.Fatalf("before the container said READY=1 the socket got %q", got)
	}
	p.MustRun("exec", "sk", "touch", "/go")
	msgs = n.waitFor(t, 2)
	if len(msgs) != 2 || msgs[1] != "READY=1" {
		t.Errorf("notify socket got %q, want MAINPID then READY=1", msgs)
	}
	if got := p.Inspect("sk", "{{.Config.SdNotifyMode}} {{.Config.SdNotifySocket}}"); got != "container "+n.path {
		t.Errorf("inspect: %q", got)
	}
}

// --sdnotify=healthy: `run -d` returns once the healthcheck passed, and
// READY=1 follows MAINPID only then.
func TestSdNotifyHealthy(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	n := newNotifyListener(t, p)
	start := time.Now()
	n.run(t, p, "run", "-d", "--name", "sh", "--sdnotify=healthy",
		"--health-cmd", "test -f /ok", "--health-interval", "1s", Image, "sh", "-c", "sleep 2; touch /ok; sleep 100")
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("run -d returned after %v, before the container could be healthy", took)
	}
	if got := p.Inspect("sh", "{{.State.Health.Status}}"); got != "healthy" {
		t.Errorf("health after run -d: %q, want healthy", got)
	}
	msgs := n.waitFor(t, 2)
	checkMainPID(t, p, "sh", msgs[0])
	if len(msgs) != 2 || msgs[1] != "READY=1" || strings.Contains(msgs[0], "READY") {
		t.Errorf("notify socket got %q, want MAINPID then READY=1", msgs)
	}
}

// --sdnotify=ignore: NOTIFY_SOCKET is neither recorded nor passed to the
// container, and nothing is sent.
func TestSdNotifyIgnore(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	n := newNotifyListener(t, p)
	n.run(t, p, "create", "--name", "si", "--sdnotify=ignore", Image, "sh", "-c", `echo "[${NOTIFY_SOCKET-unset}]"`)
	if got := p.Inspect("si", "{{.Config.SdNotifyMode}}|{{.Config.SdNotifySocket}}|"); got != "ignore||" {
		t.Errorf("inspect: %q, want ignore with no socket", got)
	}
	r := p.RunWith(RunOpts{Env: n.env()}, "start", "-a", "si")
	if r.Out() != "[unset]" {
		t.Errorf("container saw NOTIFY_SOCKET: %q", r.Out())
	}
	time.Sleep(500 * time.Millisecond)
	if got := n.got(); len(got) != 0 {
		t.Errorf("ignore sent %q", got)
	}
}

// Bad --sdnotify values fail as podman's, creating nothing.
func TestSdNotifyBadInput(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.Expect(125, "create", "--sdnotify=bogus", Image)
	p.ExpectEngineError(r, `invalid config provided: invalid argument: invalid sdnotify value "bogus": must be conmon, container, healthy or ignore`)
	r = p.Expect(125, "create", "--sdnotify=healthy", Image)
	p.ExpectEngineError(r, `invalid argument: sdnotify policy "healthy" requires a healthcheck to be set`)
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("bad input left containers %v", ids)
	}
}
