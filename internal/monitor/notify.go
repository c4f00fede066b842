package monitor

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// notifySockName is the proxy socket in RunDir/notify, which the engine
// bind-mounts at the container's /run/notify.
const notifySockName = "notify.sock"

// listenNotify binds the container's sd_notify proxy socket (a datagram
// socket anyone in the container may write to, as conmon's) and relays
// what the container says to host, the service manager's NOTIFY_SOCKET,
// until the monitor exits. It runs in Go's poller: no thread waits.
func listenNotify(runDir, host string) error {
	dir := filepath.Join(runDir, "notify")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating notify directory: %w", err)
	}
	path, release, err := sockPath(dir, notifySockName, "self")
	if err != nil {
		return err
	}
	defer release()
	_ = os.Remove(filepath.Join(dir, notifySockName))
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("creating notify socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return fmt.Errorf("binding notify socket: %w", err)
	}
	// The container's user may be anyone.
	if err := os.Chmod(filepath.Join(dir, notifySockName), 0o777); err != nil {
		unix.Close(fd)
		return fmt.Errorf("changing notify socket permissions: %w", err)
	}
	go relayNotify(os.NewFile(uintptr(fd), "notify"), host)
	return nil
}

func relayNotify(f *os.File, host string) {
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		if err != nil {
			return
		}
		msg := notifyMessage(buf[:n])
		if msg == "" {
			continue
		}
		if err := sendNotify(host, msg); err != nil {
			logf("relaying %s to %s: %v", msg, host, err)
		}
	}
}

// notifyMessage is what is relayed of a container's datagram: READY=1 or
// WATCHDOG=1 alone, nothing else (conmon's rule, the OCI runtimes' too:
// the container's MAINPID or STATUS mean nothing to the host).
func notifyMessage(b []byte) string {
	switch {
	case bytes.Contains(b, []byte("READY=1")):
		return "READY=1"
	case bytes.Contains(b, []byte("WATCHDOG=1")):
		return "WATCHDOG=1"
	}
	return ""
}

func sendNotify(host, msg string) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// x/sys/unix reads a leading '@' as an abstract socket, as systemd.
	return unix.Sendto(fd, []byte(msg), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, &unix.SockaddrUnix{Name: host})
}
