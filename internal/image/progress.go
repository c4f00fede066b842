package image

import (
	"context"
	"fmt"
	"log/slog"
)

// Progress of pulls and pushes is containers/image's own report, written
// to the io.Writer the caller gives (PullOptions.Progress,
// PushOptions.Progress): when that writer is a terminal, one mpb
// progress bar per layer with bytes done, total and rate, which a
// finished layer replaces by "Copying blob <id> done"; otherwise one
// plain line per step ("Copying blob sha256:...", "Copying config ...",
// "Writing manifest to image destination"), which is what podman prints
// in logs and CI. pier adds podman's own lines around it ("Resolving
// ... using unqualified-search registries", "Trying to pull ...").
// Quiet, or a nil writer, prints nothing. Keeping containers/image's
// renderer makes pier's output podman's, byte for byte, and leaves the
// package free of terminal handling.

// warnf logs a warning through the context's logger (podman prints these
// as WARN lines on stderr).
func warnf(ctx context.Context, format string, args ...any) {
	slog.WarnContext(ctx, fmt.Sprintf(format, args...))
}
