package specgen

import (
	"fmt"
	"os"

	"github.com/moby/profiles/seccomp"
	spec "github.com/opencontainers/runtime-spec/specs-go"
)

// ApplyDefaultSeccomp sets moby's default seccomp profile (the one podman
// and docker ship), adjusted to the spec's capabilities. It is separate from
// Generate so the golden files stay readable; the engine always calls it.
func ApplyDefaultSeccomp(s *spec.Spec) error {
	p, err := seccomp.GetDefaultProfile(s)
	if err != nil {
		return fmt.Errorf("building the default seccomp profile: %w", err)
	}
	if s.Linux == nil {
		s.Linux = &spec.Linux{}
	}
	s.Linux.Seccomp = p
	return nil
}

// ApplySeccomp sets the seccomp profile in the JSON file path (docker's and
// containers' seccomp.json format), adjusted to the spec's capabilities;
// an empty path means the default profile.
func ApplySeccomp(s *spec.Spec, path string) error {
	if path == "" {
		return ApplyDefaultSeccomp(s)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("opening seccomp profile failed: %w", err)
	}
	p, err := seccomp.LoadProfile(string(body), s)
	if err != nil {
		return fmt.Errorf("loading seccomp profile (%s) failed: %w", path, err)
	}
	if s.Linux == nil {
		s.Linux = &spec.Linux{}
	}
	s.Linux.Seccomp = p
	return nil
}

// ApplySeccompProfile is ApplySeccomp, or with imageProfile (the JSON of
// an image's io.containers.seccomp.profile label, --seccomp-policy=image)
// that profile, which wins over the path as in podman.
func ApplySeccompProfile(s *spec.Spec, path, imageProfile string) error {
	if imageProfile == "" {
		return ApplySeccomp(s, path)
	}
	p, err := seccomp.LoadProfile(imageProfile, s)
	if err != nil {
		return fmt.Errorf("loading seccomp profile failed: %w", err)
	}
	if s.Linux == nil {
		s.Linux = &spec.Linux{}
	}
	s.Linux.Seccomp = p
	return nil
}
