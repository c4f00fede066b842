//go:build pierslim

package specgen

import (
	"fmt"

	"github.com/pier-engine/pier/internal/errdefs"
)

// processWord: the Dockerfile word expander (imagebuilder) comes with the
// builder's dependencies, which the lifecycle binary leaves out;
// --env-merge is rare enough to cost a re-exec of the full binary.
func processWord(string, []string) (string, error) {
	return "", fmt.Errorf("--env-merge: %w", errdefs.ErrNeedFull)
}
