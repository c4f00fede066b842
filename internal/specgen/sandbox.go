package specgen

import (
	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
)

// applySandbox sets --personality and --rdt-class as podman does: the
// values as given; the runtime decides what it supports.
func applySandbox(s *spec.Spec, sb *define.Sandbox) {
	if sb.Personality != "" {
		s.Linux.Personality = &spec.LinuxPersonality{Domain: spec.LinuxPersonalityDomain(sb.Personality)}
	}
	if sb.RdtClass != "" {
		s.Linux.IntelRdt = &spec.LinuxIntelRdt{ClosID: sb.RdtClass}
	}
}
