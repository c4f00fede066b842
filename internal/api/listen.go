package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// DefaultURI is where the service listens without a URI argument, as
// podman decides it: $PODMAN_SOCKET, else the socket systemd passed, else
// podman's API socket (root's, or under XDG_RUNTIME_DIR for other users).
func DefaultURI() string {
	if v, ok := os.LookupEnv("PODMAN_SOCKET"); ok && v != "" {
		slog.Debug(fmt.Sprintf("PODMAN_SOCKET=%q used to determine API endpoint", v))
		return v
	}
	if SocketActivated() {
		slog.Info("Using systemd socket activation to determine API endpoint")
		return ""
	}
	if os.Geteuid() != 0 {
		if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
			return "unix://" + filepath.Join(dir, "podman", "podman.sock")
		}
	}
	return "unix:///run/podman/podman.sock"
}

// listenFDsStart is the first descriptor systemd passes (SD_LISTEN_FDS_START).
const listenFDsStart = 3

// SocketActivated reports whether systemd handed this process its
// listening socket (LISTEN_PID is this process, LISTEN_FDS at least 1).
func SocketActivated() bool {
	pid, err := strconv.Atoi(os.Getenv("LISTEN_PID"))
	if err != nil || pid != os.Getpid() {
		return false
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	return err == nil && n > 0
}

// Listen opens the service's listener: uri "" takes the socket systemd
// passed (socket activation), unix:///path makes a socket (replacing a
// stale one, owner-only as podman's) unless systemd passed one, and
// tcp:host:port or tcp://host:port listens on TCP. It returns the URI the
// service is known by.
func Listen(uri string, withTLS bool) (net.Listener, string, error) {
	defer clearActivationEnv()
	if uri == "" {
		return activationListener()
	}
	u, err := url.Parse(uri)
	if err != nil {
		return nil, "", fmt.Errorf("%s is an invalid socket destination", uri)
	}
	switch u.Scheme {
	case "unix":
		if os.Getenv("LISTEN_FDS") != "" {
			ln, err := net.FileListener(os.NewFile(listenFDsStart, "pier.sock"))
			return ln, uri, err
		}
		ln, err := listenUnix(u.Path)
		return ln, uri, err
	case "tcp":
		host := u.Host
		if host == "" {
			host = u.Opaque
		}
		if !withTLS {
			slog.Warn("Using the Podman API service with TCP sockets without TLS is not recommended, please see `podman system service` manpage for details")
		}
		ln, err := net.Listen("tcp", host)
		if err != nil {
			return nil, "", fmt.Errorf("unable to create socket %v: %w", host, err)
		}
		return ln, uri, nil
	}
	return nil, "", fmt.Errorf("API Service endpoint scheme %q is not supported. Try tcp://%s or unix:/%s", u.Scheme, uri, uri)
}

func listenUnix(path string) (net.Listener, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("unable to create socket: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("unable to create socket: %w", err)
	}
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("unable to create socket: %w", err)
	}
	return ln, nil
}

func activationListener() (net.Listener, string, error) {
	if os.Getenv("LISTEN_PID") == "" {
		return nil, "", errors.New("no service URI provided and socket activation protocol is not active")
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n != 1 {
		return nil, "", fmt.Errorf("wrong number of file descriptors for socket activation protocol (%d != 1)", n)
	}
	syscall.CloseOnExec(listenFDsStart)
	ln, err := net.FileListener(os.NewFile(listenFDsStart, "LISTEN_FD_3"))
	if err != nil {
		return nil, "", fmt.Errorf("cannot retrieve file descriptors from systemd: %w", err)
	}
	return ln, ln.Addr().Network() + "://" + ln.Addr().String(), nil
}

// clearActivationEnv keeps containers and helpers from believing they
// were socket-activated too.
func clearActivationEnv() {
	for _, v := range []string{"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"} {
		_ = os.Unsetenv(v)
	}
}
