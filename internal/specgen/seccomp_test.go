package specgen

import (
	"slices"
	"testing"

	spec "github.com/opencontainers/runtime-spec/specs-go"
)

func TestApplyDefaultSeccomp(t *testing.T) {
	s := &spec.Spec{Process: &spec.Process{Capabilities: &spec.LinuxCapabilities{
		Bounding: []string{"CAP_CHOWN"},
	}}}
	if err := ApplyDefaultSeccomp(s); err != nil {
		t.Fatal(err)
	}
	sc := s.Linux.Seccomp
	if sc == nil || sc.DefaultAction != spec.ActErrno {
		t.Fatalf("want a default-deny (errno) profile, got %+v", sc)
	}
	allowed := map[string]bool{}
	for _, r := range sc.Syscalls {
		if r.Action == spec.ActAllow && len(r.Args) == 0 {
			for _, n := range r.Names {
				allowed[n] = true
			}
		}
	}
	if !allowed["read"] || !allowed["execve"] {
		t.Fatal("basic syscalls must be allowed")
	}
	// Without CAP_SYS_ADMIN / CAP_SYS_MODULE these stay denied.
	for _, n := range []string{"mount", "init_module", "kexec_load"} {
		if allowed[n] {
			t.Errorf("%s allowed without the capability that needs it", n)
		}
	}
	if !slices.Contains(sc.Architectures, spec.ArchX86_64) && !slices.Contains(sc.Architectures, spec.ArchAARCH64) {
		t.Errorf("no architectures in profile: %v", sc.Architectures)
	}
}
