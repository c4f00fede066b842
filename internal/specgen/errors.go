package specgen

import (
	"errors"
	"fmt"

	"github.com/pier-engine/pier/internal/errdefs"
)

// inputError is invalid user input. Its text is exactly what the user sees
// (podman's wording where podman has one, so scripts and habits carry over)
// while errors.Is still finds errdefs.ErrInvalidArgument, for the exit code,
// and any cause given with %w.
type inputError struct {
	msg   string
	cause error
}

func (e *inputError) Error() string { return e.msg }

func (e *inputError) Unwrap() []error {
	if e.cause == nil {
		return []error{errdefs.ErrInvalidArgument}
	}
	return []error{errdefs.ErrInvalidArgument, e.cause}
}

// invalidf formats an inputError; a %w verb in format names its cause.
func invalidf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &inputError{msg: err.Error(), cause: errors.Unwrap(err)}
}
