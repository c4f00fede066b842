package monitor

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// KillStale stops a monitor still serving container id from runDir. A CLI
// killed between launching the monitor and saving its PID leaves one
// behind; if a new start reused the run dir while it lived, its late exit
// file and cleanup would be taken for the new run's. The PID is checked
// against the process's command line, so a reused PID is never killed.
func KillStale(runDir, id string) error {
	b, err := os.ReadFile(filepath.Join(runDir, monitorPidFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading monitor pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return nil
	}
	if !isMonitorOf(pid, id) || pid == os.Getppid() {
		// Our parent is the monitor whose exit command restarts the
		// container (restart policy): it is finishing, not stale.
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping stale monitor %d of container %s: %w", pid, id, err)
	}
	for i := 0; i < 200 && isMonitorOf(pid, id); i++ {
		time.Sleep(5 * time.Millisecond) // until init reaps it
	}
	return nil
}

// isMonitorOf reports whether pid is a live (not zombie) pier-monitor of id.
func isMonitorOf(pid int, id string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(cmdline) == 0 {
		return false // gone, or a zombie (empty cmdline)
	}
	args := bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0})
	return len(args) >= 3 && string(args[1]) == "serve" && string(args[2]) == id
}
