// Package errdefs owns pier's error classes and the one table that maps them
// to process exit codes (and later HTTP status codes). Callers branch on
// classes with errors.Is; they never pick exit codes themselves.
package errdefs

import (
	"errors"
	"fmt"
)

// Error classes. Wrap them (fmt.Errorf("...: %w", ErrNotFound)) or build a
// sentinel on top of them (see define); never compare message text.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrInvalidArgument = errors.New("invalid argument")
	ErrInvalidState    = errors.New("invalid state")
	ErrNotImplemented  = errors.New("not implemented")
	// ErrNeedFull is what the lifecycle binary (built with the pierslim
	// tag) answers before doing anything when a command needs what only
	// the full binary has (pulling, building, committing): the CLI then
	// hands the whole command line to the full binary.
	ErrNeedFull = errors.New("this needs the full pier binary")
)

// Exit codes as podman uses them.
const (
	ExitEngine        = 125 // the engine failed
	ExitCannotInvoke  = 126 // the container command cannot be invoked
	ExitCommandNotFnd = 127 // the container command was not found
)

// ExitError carries an exit code that is not an engine failure: the
// container's own exit code, or 126/127 when its command could not run.
// An ExitError with an empty Msg prints nothing.
type ExitError struct {
	Code int
	Msg  string
	Err  error
}

func (e *ExitError) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

func (e *ExitError) Unwrap() error { return e.Err }

// WithExitCode wraps err so that the CLI exits with code.
func WithExitCode(code int, err error) error {
	return &ExitError{Code: code, Err: err}
}

// ExitCode is the single mapping from an error to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitEngine
}

// Silent reports whether err should exit without printing (a container's
// own non-zero exit).
func Silent(err error) bool {
	var ee *ExitError
	return errors.As(err, &ee) && ee.Msg == "" && ee.Err == nil
}

// classed is an error that belongs to a class without printing the class's
// text, so sentinels read exactly as podman's ("no such container").
type classed struct {
	msg   string
	class error
}

func (e *classed) Error() string        { return e.msg }
func (e *classed) Is(target error) bool { return target == e.class }

// New returns a sentinel error with message msg in class.
func New(class error, msg string) error { return &classed{msg: msg, class: class} }

// classedf is a formatted error in a class whose text is only its own:
// podman's messages do not end in the class name.
type classedf struct {
	err   error
	class error
}

func (e *classedf) Error() string        { return e.err.Error() }
func (e *classedf) Unwrap() error        { return e.err }
func (e *classedf) Is(target error) bool { return target == e.class }

// Errorf is fmt.Errorf (%w included) in class, printing only its message.
func Errorf(class error, format string, args ...any) error {
	return &classedf{err: fmt.Errorf(format, args...), class: class}
}

// HTTPStatus is the REST API's status for err, from the same classes as
// ExitCode: the one place an error class becomes a number.
func HTTPStatus(err error) int {
	switch {
	case err == nil:
		return 200
	case errors.Is(err, ErrNotFound):
		return 404
	case errors.Is(err, ErrConflict), errors.Is(err, ErrInvalidState):
		return 409
	case errors.Is(err, ErrInvalidArgument):
		return 400
	case errors.Is(err, ErrNotImplemented):
		return 501
	}
	return 500
}
