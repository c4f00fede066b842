package define

import (
	"fmt"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Sentinel errors callers branch on. Each wraps its errdefs class so the
// exit code table sees it.
var (
	ErrNoSuchCtr       = fmt.Errorf("no such container: %w", errdefs.ErrNotFound)
	ErrNoSuchImage     = fmt.Errorf("no such image: %w", errdefs.ErrNotFound)
	ErrCtrExists       = fmt.Errorf("container already exists: %w", errdefs.ErrConflict)
	ErrNameInUse       = fmt.Errorf("name is in use: %w", errdefs.ErrConflict)
	ErrImageInUse      = fmt.Errorf("image is in use by a container: %w", errdefs.ErrConflict)
	ErrAmbiguous       = fmt.Errorf("more than one result: %w", errdefs.ErrInvalidArgument)
	ErrCtrStateInvalid = fmt.Errorf("container state improper: %w", errdefs.ErrInvalidState)
	ErrInvalidArg      = errdefs.ErrInvalidArgument
	ErrNotImplemented  = errdefs.ErrNotImplemented
)
