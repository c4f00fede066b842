//go:build !pierslim

package image

import (
	"context"

	buildahdefine "go.podman.io/buildah/define"
	"go.podman.io/buildah/imagebuildah"
)

// Build runs buildah's Containerfile builder (imagebuildah, as podman
// links it) on this storage and returns the ID of the last image built.
// Options without a system context or signature policy get the store's:
// its blob-info cache and temporary directory, and on a host without
// policy.json the accept-anything policy that commit uses.
func (s *Store) Build(ctx context.Context, containerfiles []string, o buildahdefine.BuildOptions) (string, error) {
	UseCopierHelper()
	if o.SystemContext == nil {
		o.SystemContext = s.SystemContext()
	}
	if o.SystemContext.BigFilesTemporaryDir == "" {
		o.SystemContext.BigFilesTemporaryDir = s.sys.BigFilesTemporaryDir
	}
	if o.SystemContext.BlobInfoCacheDir == "" {
		o.SystemContext.BlobInfoCacheDir = s.sys.BlobInfoCacheDir
	}
	if o.SignaturePolicyPath == "" && o.SystemContext.SignaturePolicyPath == "" {
		policy, cleanup, err := s.commitPolicy()
		if err != nil {
			return "", err
		}
		defer cleanup()
		o.SignaturePolicyPath = policy
		o.SystemContext.SignaturePolicyPath = policy
	}
	id, _, err := imagebuildah.BuildDockerfiles(ctx, s.store, o, containerfiles...)
	return id, err
}
