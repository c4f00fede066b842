package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrGone: the process recorded has exited (its PID may name another).
var ErrGone = errors.New("process has exited")

// ErrNotNamespaceInit: the process is not PID 1 of its own PID namespace,
// so a signal to it does not reach the rest of the container.
var ErrNotNamespaceInit = errors.New("process is not the init of its PID namespace")

// Signal sends sig to the process pid that started at start. A pidfd pins
// the process before its start time is checked, so a PID reused since
// cannot receive the signal. With toNamespace, the process must be the
// init of its own PID namespace: the kernel's SIGKILL of an init ends
// every process in the namespace, as a runtime's `kill --all` would.
func Signal(pid int, start uint64, sig syscall.Signal, toNamespace bool) error {
	if pid <= 0 || start == 0 {
		return ErrGone
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return ErrGone
	}
	if err != nil {
		return fmt.Errorf("opening process %d: %w", pid, err)
	}
	defer unix.Close(fd)
	st, err := readStat(pid)
	if err != nil || st.start != start || st.state == 'Z' || st.state == 'X' {
		return ErrGone
	}
	if toNamespace {
		init, err := namespaceInit(pid)
		if err != nil {
			return err
		}
		if !init {
			return ErrNotNamespaceInit
		}
	}
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return ErrGone
		}
		return fmt.Errorf("signalling process %d: %w", pid, err)
	}
	return nil
}

// namespaceInit reports whether pid is PID 1 in the innermost PID
// namespace it belongs to (the last field of NSpid in its status).
func namespaceInit(pid int) (bool, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false, ErrGone
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("NSpid:")); ok {
			f := bytes.Fields(rest)
			return len(f) > 1 && string(f[len(f)-1]) == "1", nil
		}
	}
	return false, fmt.Errorf("reading /proc/%d/status: no NSpid line", pid)
}
