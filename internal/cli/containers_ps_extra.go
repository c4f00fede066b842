package cli

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// psSortKeys are podman 5's --sort values.
var psSortKeys = []string{"command", "created", "id", "image", "names", "runningfor", "size", "status"}

// sortPs is podman's SortPsOutput; no key keeps the listing order
// (creation). Stable, so equal keys keep that order too.
func sortPs(list []psContainer, key string) {
	var less func(a, b *psContainer) bool
	switch key {
	case "command":
		less = func(a, b *psContainer) bool { return strings.Join(a.Command, " ") < strings.Join(b.Command, " ") }
	case "created":
		less = func(a, b *psContainer) bool { return a.Created.Before(b.Created) }
	case "id":
		less = func(a, b *psContainer) bool { return a.ID < b.ID }
	case "image":
		less = func(a, b *psContainer) bool { return a.Image < b.Image }
	case "names":
		less = func(a, b *psContainer) bool { return firstName(a) < firstName(b) }
	case "runningfor":
		less = func(a, b *psContainer) bool { return a.StartedAt < b.StartedAt }
	case "status":
		less = func(a, b *psContainer) bool { return a.State < b.State }
	case "size":
		less = func(a, b *psContainer) bool {
			return a.Size != nil && b.Size != nil && a.Size.RootFsSize < b.Size.RootFsSize
		}
	default:
		return
	}
	sort.SliceStable(list, func(i, j int) bool { return less(&list[i], &list[j]) })
}

func firstName(c *psContainer) string {
	if len(c.Names) == 0 {
		return ""
	}
	return c.Names[0]
}

// psSizeOf measures a container for --size (the only ps that opens image
// storage). As podman, a container that cannot be measured is logged and
// shown with zero sizes.
func psSizeOf(ctx context.Context, rt *engine.Runtime, id string) *psSize {
	rw, rootfs, err := rt.ContainerSizes(ctx, id)
	if err != nil {
		slog.Error(fmt.Sprintf("Getting size of container %q: %v", id, err))
	}
	return &psSize{RootFsSize: rootfs, RwSize: rw}
}

// psWatch redraws every interval until the command is interrupted; on a
// terminal it clears the screen first, as podman does. An interrupt ends
// it with podman's silent exit 1.
func psWatch(ctx context.Context, g *Globals, every time.Duration, once func() error) error {
	for {
		if format.IsTerminal(g.Stdout) {
			fmt.Fprint(g.Stdout, "\033[2J\033[1;1H")
		}
		if err := once(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return &errdefs.ExitError{Code: 1}
		case <-time.After(every):
		}
	}
}
