package specgen

import (
	"fmt"

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
