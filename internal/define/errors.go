package define

import "github.com/pier-engine/pier/internal/errdefs"

// Sentinel errors callers branch on. Each belongs to an errdefs class (for
// the exit code table) and prints podman's text.
var (
	ErrNoSuchCtr       = errdefs.New(errdefs.ErrNotFound, "no such container")
	ErrNoSuchImage     = errdefs.New(errdefs.ErrNotFound, "image not known")
	ErrCtrExists       = errdefs.New(errdefs.ErrConflict, "container already exists")
	ErrNameInUse       = errdefs.New(errdefs.ErrConflict, "that name is already in use")
	ErrImageInUse      = errdefs.New(errdefs.ErrConflict, "image is in use by a container")
	ErrAmbiguous       = errdefs.New(errdefs.ErrInvalidArgument, "more than one result")
	ErrCtrStateInvalid = errdefs.New(errdefs.ErrInvalidState, "container state improper")
	// ErrNoSuchExecSession: an exec session ID the API does not know.
	ErrNoSuchExecSession = errdefs.New(errdefs.ErrNotFound, "no such exec session")
	ErrInvalidArg        = errdefs.ErrInvalidArgument
	ErrNotImplemented    = errdefs.ErrNotImplemented
)

// Network errors, with podman's texts.
var (
	ErrNoSuchNetwork = errdefs.New(errdefs.ErrNotFound, "network not found")
	ErrNetworkExists = errdefs.New(errdefs.ErrConflict, "network already exists")
	ErrNetworkInUse  = errdefs.New(errdefs.ErrConflict, "network is being used")
	// connect/disconnect/reload: a mode without networks, a second
	// connect, a container whose namespace is not there.
	ErrNetworkModeInvalid = errdefs.New(errdefs.ErrInvalidArgument, "invalid network mode")
	ErrNetworkConnected   = errdefs.New(errdefs.ErrConflict, "network is already connected")
	ErrNoNetwork          = errdefs.New(errdefs.ErrInvalidState, "container has no network namespace")
	// ErrPortInUse: a published host port is taken. podman binds ports
	// while the runtime creates the container, so run reports it as a
	// runtime failure (126).
	ErrPortInUse = errdefs.New(errdefs.ErrConflict, "address already in use")
)
