//go:build pierslim

package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	encconfig "github.com/containers/ocicrypt/config"

	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// The lifecycle binary (docs/decisions.md, "Two binaries") has no image
// transport, builder or committer: what needs them answers ErrNeedFull
// before it changes anything, and the CLI re-executes the command line
// with the full binary.

func needFull(what string) error {
	return fmt.Errorf("%s: %w", what, errdefs.ErrNeedFull)
}

// Pull answers from local storage only where the full binary would not
// leave it: policy missing or never, an image found locally, and nothing
// else to interpret (registry options, a transport, decryption keys, an
// auth file from the environment). Everything else (a pull, and the
// errors and events of a failed one) is the full binary's.
func (s *Store) Pull(ctx context.Context, ref string, o PullOptions) (*Image, error) {
	if img := s.pulledLocally(ctx, ref, o); img != nil {
		s.event(img.ID, ref, events.Pull)
		return img, nil
	}
	return nil, needFull("pulling " + ref)
}

func (s *Store) pulledLocally(ctx context.Context, ref string, o PullOptions) *Image {
	if o.Policy != PullMissing && o.Policy != PullNever {
		return nil
	}
	if o.RegistryOptions != (RegistryOptions{}) || o.DecryptConfig != nil || os.Getenv("REGISTRY_AUTH_FILE") != "" {
		return nil
	}
	if transport, _, ok := strings.Cut(ref, ":"); ok && slices.Contains(transportNames, transport) {
		return nil
	}
	img, _ := s.localForPull(ctx, ref, o.RegistryOptions)
	return img
}

// transportNames are the prefixes the full binary's pull reads as a
// transport (or refuses as one).
var transportNames = []string{"docker", "docker-archive", "oci-archive", "oci", "dir",
	"containers-storage", "docker-daemon", "sif", "tarball", "ostree"}

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
