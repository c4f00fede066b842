// Package signal parses signal names and numbers as podman accepts them
// ("TERM", "SIGTERM", "15", "RTMIN+3"). It owns no signal handling.
package signal

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Parse converts a user's signal spec to a signal.
func Parse(s string) (syscall.Signal, error) {
	in := strings.ToUpper(strings.TrimSpace(s))
	if n, err := strconv.Atoi(in); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal: %s: %w", s, errdefs.ErrInvalidArgument)
		}
		return syscall.Signal(n), nil
	}
	if !strings.HasPrefix(in, "SIG") {
		in = "SIG" + in
	}
	if sig := unix.SignalNum(in); sig != 0 {
		return sig, nil
	}
	if rest, ok := strings.CutPrefix(in, "SIGRTMIN"); ok {
		return rtOffset(rest, 34, 1, s)
	}
	if rest, ok := strings.CutPrefix(in, "SIGRTMAX"); ok {
		return rtOffset(rest, 64, -1, s)
	}
	return 0, fmt.Errorf("invalid signal: %s: %w", s, errdefs.ErrInvalidArgument)
}

func rtOffset(rest string, base, dir int, orig string) (syscall.Signal, error) {
	if rest == "" {
		return syscall.Signal(base), nil
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n*dir < 0 || base+n < 34 || base+n > 64 {
		return 0, fmt.Errorf("invalid signal: %s: %w", orig, errdefs.ErrInvalidArgument)
	}
	return syscall.Signal(base + n), nil
}
