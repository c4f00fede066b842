//go:build pierslim

package image

import (
	"context"
	"errors"
	"fmt"
	"io"

	encconfig "github.com/containers/ocicrypt/config"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// The lifecycle binary (docs/decisions.md, "Two binaries") has no image
// transport, builder or committer: what needs them answers ErrNeedFull
// before it changes anything, and the CLI re-executes the command line
// with the full binary.

func needFull(what string) error {
	return fmt.Errorf("%s: %w", what, errdefs.ErrNeedFull)
}

// Pull answers from local storage when the policy allows it (missing with
// the image present, never); anything that would ask a registry or read
// an archive needs the full binary.
func (s *Store) Pull(ctx context.Context, ref string, o PullOptions) (*Image, error) {
	switch o.Policy {
	case PullNever:
		return s.PullNever(ctx, ref)
	case PullMissing:
		img, err := s.Lookup(ctx, ref)
		if err == nil {
			return img, nil
		}
		if !errors.Is(err, define.ErrNoSuchImage) {
			return nil, err
		}
	}
	return nil, needFull("pulling " + ref)
}

// ParseDecryptionKeys: decrypting layers happens while pulling.
func ParseDecryptionKeys(keys []string) (*encconfig.DecryptConfig, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	return nil, needFull("decryption keys")
}

// Commit needs buildah.
func (s *Store) Commit(ctx context.Context, containerID, dest string, o CommitOptions) (string, error) {
	return "", needFull("committing")
}

// Import needs containers/image's copy.
func (s *Store) Import(ctx context.Context, src io.Reader, ref string, changes []string, message string) (*Image, error) {
	return nil, needFull("importing")
}
