package image

import (
	"io"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Commit formats, as `commit --format` names them.
const (
	CommitFormatOCI    = "oci"
	CommitFormatDocker = "docker"
)

// CommitOptions are what a commit takes from the user and from the
// container's configuration (which podman copies into the image first, so
// that the image runs as the container did).
type CommitOptions struct {
	Format  string   // oci (default) or docker
	Changes []string // Dockerfile instructions, podman's "CMD=..." spelling too
	Author  string
	Message string // docker format only, as podman
	Squash  bool
	// Config is JSON of a Docker image config (podman's --config) whose
	// set fields override the image's, before Changes.
	Config []byte
	// Report receives c/image's copy progress; nil is quiet.
	Report io.Writer

	Entrypoint, Cmd, Env []string
	Labels               map[string]string
	User, WorkingDir     string
	Volumes              []string // image VOLUMEs to declare
}

// CommitFormat checks a --format value and returns its manifest type.
func CommitFormat(f string) (string, error) {
	switch f {
	case "", CommitFormatOCI:
		return ociv1.MediaTypeImageManifest, nil
	case CommitFormatDocker:
		return manifest.DockerV2Schema2MediaType, nil
	}
	return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "unrecognized image format %q", f)
}
