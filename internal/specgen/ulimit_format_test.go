package specgen

import (
	"testing"

	spec "github.com/opencontainers/runtime-spec/specs-go"
)

// FormatUlimit writes what ParseUlimit reads (buildah parses the same
// spelling); RLIM_INFINITY is -1 there.
func TestFormatUlimit(t *testing.T) {
	for _, c := range []struct {
		in   spec.POSIXRlimit
		want string
	}{
		{spec.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: 101, Hard: 102}, "nofile=101:102"},
		{spec.POSIXRlimit{Type: "RLIMIT_CORE", Soft: rlimInfinity, Hard: rlimInfinity}, "core=-1:-1"},
	} {
		if got := FormatUlimit(c.in); got != c.want {
			t.Errorf("FormatUlimit(%v) = %q, want %q", c.in, got, c.want)
		}
	}
	back, err := ParseUlimit(FormatUlimit(spec.POSIXRlimit{Type: "RLIMIT_NPROC", Soft: 5, Hard: 7}))
	if err != nil || back.Type != "RLIMIT_NPROC" || back.Soft != 5 || back.Hard != 7 {
		t.Errorf("round trip: %v %v", back, err)
	}
}
