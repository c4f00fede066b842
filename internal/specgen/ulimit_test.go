package specgen

import (
	"errors"
	"slices"
	"strings"
	"testing"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/errdefs"
)

func hardLimit(t *testing.T, res int) uint64 {
	t.Helper()
	var rl unix.Rlimit
	if err := unix.Getrlimit(res, &rl); err != nil {
		t.Fatal(err)
	}
	return rl.Max
}

func TestParseUlimit(t *testing.T) {
	nofileMax := hardLimit(t, unix.RLIMIT_NOFILE)
	cases := []struct {
		in         string
		typ        string
		soft, hard uint64
		wantErr    string
	}{
		{in: "nofile=1024:2048", typ: "RLIMIT_NOFILE", soft: 1024, hard: 2048},
		{in: "nproc=512", typ: "RLIMIT_NPROC", soft: 512, hard: 512},
		{in: "core=0", typ: "RLIMIT_CORE", soft: 0, hard: 0},
		{in: "core=unlimited", typ: "RLIMIT_CORE", soft: rlimInfinity, hard: rlimInfinity},
		{in: "nofile=-1", typ: "RLIMIT_NOFILE", soft: nofileMax, hard: nofileMax},
		{in: "nofile=100:-1", typ: "RLIMIT_NOFILE", soft: 100, hard: nofileMax},
		{in: "memlock=65536:unlimited", typ: "RLIMIT_MEMLOCK", soft: 65536, hard: rlimInfinity},
		{in: "nofile", wantErr: `ulimit option "nofile" requires name=SOFT:HARD, failed to be parsed: invalid ulimit argument: nofile`},
		{in: "bogus=1", wantErr: `ulimit option "bogus=1" requires name=SOFT:HARD, failed to be parsed: invalid ulimit type: bogus`},
		{in: "nofile=1:2:3", wantErr: "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`"},
		{in: "nofile=20:10", wantErr: "ulimit soft limit must be less than or equal to hard limit: 20 > 10"},
		{in: "nofile=abc", wantErr: `parsing "abc": invalid syntax`},
		{in: "nofile=-2", wantErr: `parsing "-2": invalid syntax`},
		{in: "nofile=", wantErr: `parsing "": invalid syntax`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseUlimit(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want error containing %q", err, tc.wantErr)
				}
				if !errors.Is(err, errdefs.ErrInvalidArgument) {
					t.Fatalf("%v is not an invalid argument", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := spec.POSIXRlimit{Type: tc.typ, Soft: tc.soft, Hard: tc.hard}
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestClampRlimits(t *testing.T) {
	max := hardLimit(t, unix.RLIMIT_NOFILE)
	if max == rlimInfinity {
		t.Skip("RLIMIT_NOFILE hard limit is infinite here; nothing to clamp")
	}
	in := []spec.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: max + 10, Hard: max + 100},
		{Type: "RLIMIT_NOFILE", Soft: 10, Hard: max + 100},
		{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 20},
		{Type: "RLIMIT_BOGUS", Soft: 1 << 40, Hard: 1 << 40},
	}
	got := ClampRlimits(in)
	want := []spec.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: max, Hard: max},
		{Type: "RLIMIT_NOFILE", Soft: 10, Hard: max},
		{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 20},
		{Type: "RLIMIT_BOGUS", Soft: 1 << 40, Hard: 1 << 40},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if in[0].Hard != max+100 {
		t.Fatal("ClampRlimits modified its input")
	}
}

func TestDefaultRlimits(t *testing.T) {
	nofile := min(hardLimit(t, unix.RLIMIT_NOFILE), rlimitDefault)
	nproc := min(hardLimit(t, unix.RLIMIT_NPROC), rlimitDefault)

	got, err := DefaultRlimits(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []spec.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: nofile, Hard: nofile},
		{Type: "RLIMIT_NPROC", Soft: nproc, Hard: nproc},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("no conf: got %+v, want %+v", got, want)
	}

	got, err = DefaultRlimits([]string{"nofile=100:200", "core=0", "nofile=300:400"})
	if err != nil {
		t.Fatal(err)
	}
	want = []spec.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: 300, Hard: 400},
		{Type: "RLIMIT_CORE", Soft: 0, Hard: 0},
		{Type: "RLIMIT_NPROC", Soft: nproc, Hard: nproc},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("with conf: got %+v, want %+v", got, want)
	}

	// A conf value above the host's limit is clamped, not left to fail
	// in runc.
	got, err = DefaultRlimits([]string{"nofile=unlimited"})
	if err != nil {
		t.Fatal(err)
	}
	if max := hardLimit(t, unix.RLIMIT_NOFILE); got[0].Hard != max || got[0].Soft != max {
		t.Fatalf("unlimited not clamped: %+v", got[0])
	}

	if _, err := DefaultRlimits([]string{"nofile=x"}); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Fatalf("bad conf ulimit: %v", err)
	}
}

func TestMergeRlimits(t *testing.T) {
	base := []spec.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1}, {Type: "RLIMIT_NPROC", Soft: 2, Hard: 2}}
	got := MergeRlimits(base, []spec.POSIXRlimit{{Type: "RLIMIT_NPROC", Soft: 3, Hard: 3}, {Type: "RLIMIT_CORE"}})
	want := []spec.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1}, {Type: "RLIMIT_NPROC", Soft: 3, Hard: 3}, {Type: "RLIMIT_CORE"}}
	if !slices.Equal(got, want) || base[1].Soft != 2 {
		t.Fatalf("got %+v", got)
	}
}
