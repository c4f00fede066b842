// Package signal parses signal names and numbers exactly as podman does
// ("TERM", "SIGTERM", "-HUP", "15", "RTMIN+3"), on top of the containers
// ecosystem's own signal table (go.podman.io/common/pkg/signal). It owns no
// signal handling.
package signal

import (
	"strings"
	"syscall"

	csignal "go.podman.io/common/pkg/signal"

	"github.com/pier-engine/pier/internal/errdefs"
)

// errRange is podman's text for a number outside the kernel's signals.
const errRange = "valid signals are 1 through 64"

// Parse reads a --stop-signal value (or an image's STOPSIGNAL): leading
// dashes are dropped, as podman's util.ParseSignal does.
func Parse(s string) (syscall.Signal, error) {
	sig, err := csignal.ParseSignal(strings.TrimLeft(s, "-"))
	if err != nil {
		return 0, invalid(err.Error())
	}
	return inRange(sig)
}

// ParseKill reads `kill --signal`: one leading dash is dropped and names
// match case-insensitively, as podman's ParseSignalNameOrNumber does.
func ParseKill(s string) (syscall.Signal, error) {
	sig, err := csignal.ParseSignalNameOrNumber(s)
	if err != nil {
		return 0, invalid(err.Error())
	}
	return inRange(sig)
}

func inRange(sig syscall.Signal) (syscall.Signal, error) {
	if sig < 1 || sig > 64 {
		return 0, invalid(errRange)
	}
	return sig, nil
}

// invalid keeps podman's exact text while classing the error as bad input.
func invalid(msg string) error { return errdefs.New(errdefs.ErrInvalidArgument, msg) }
