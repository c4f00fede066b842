package specgen

import (
	"math"
	"slices"
	"strconv"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rlimitResources maps --ulimit names (docker's and podman's set) to the
// kernel resources.
var rlimitResources = map[string]int{
	"core":       unix.RLIMIT_CORE,
	"cpu":        unix.RLIMIT_CPU,
	"data":       unix.RLIMIT_DATA,
	"fsize":      unix.RLIMIT_FSIZE,
	"locks":      unix.RLIMIT_LOCKS,
	"memlock":    unix.RLIMIT_MEMLOCK,
	"msgqueue":   unix.RLIMIT_MSGQUEUE,
	"nice":       unix.RLIMIT_NICE,
	"nofile":     unix.RLIMIT_NOFILE,
	"nproc":      unix.RLIMIT_NPROC,
	"rss":        unix.RLIMIT_RSS,
	"rtprio":     unix.RLIMIT_RTPRIO,
	"rttime":     unix.RLIMIT_RTTIME,
	"sigpending": unix.RLIMIT_SIGPENDING,
	"stack":      unix.RLIMIT_STACK,
}

// rlimitDefault is podman 5's value for RLIMIT_NOFILE and RLIMIT_NPROC when
// nothing sets them (libpod define.RLimitDefaultValue).
const rlimitDefault = 1048576

// rlimInfinity is RLIM_INFINITY, what "unlimited" means.
const rlimInfinity = uint64(math.MaxUint64)

// ParseUlimit parses a --ulimit value, "name=soft[:hard]" (hard defaults to
// soft), into an rlimit. As in podman, -1 means the highest value pier
// itself may set (its own hard limit for that resource). "unlimited" is
// accepted too and means RLIM_INFINITY, which needs CAP_SYS_RESOURCE
// unless pier's own limit is already infinite.
func ParseUlimit(s string) (spec.POSIXRlimit, error) {
	fail := func(reason string, args ...any) (spec.POSIXRlimit, error) {
		return spec.POSIXRlimit{}, invalidf("ulimit option %q requires name=SOFT:HARD, failed to be parsed: "+reason, append([]any{s}, args...)...)
	}
	name, val, ok := strings.Cut(s, "=")
	if !ok {
		return fail("invalid ulimit argument: %s", s)
	}
	res, ok := rlimitResources[name]
	if !ok {
		return fail("invalid ulimit type: %s", name)
	}
	parts := strings.Split(val, ":")
	if len(parts) > 2 {
		return fail("too many limit value arguments - %s, can only have up to two, `soft[:hard]`", val)
	}
	values := make([]uint64, len(parts))
	for i, p := range parts {
		v, err := rlimitValue(res, p)
		if err != nil {
			return fail("%v", err)
		}
		values[i] = v
	}
	soft, hard := values[0], values[0]
	if len(values) == 2 {
		hard = values[1]
	}
	if soft > hard {
		return fail("ulimit soft limit must be less than or equal to hard limit: %s > %s", parts[0], parts[len(parts)-1])
	}
	return spec.POSIXRlimit{Type: "RLIMIT_" + strings.ToUpper(name), Soft: soft, Hard: hard}, nil
}

// rlimitValue parses one limit: a non-negative number, -1 (pier's own hard
// limit) or "unlimited".
func rlimitValue(res int, s string) (uint64, error) {
	switch s {
	case "unlimited":
		return rlimInfinity, nil
	case "-1":
		var rl unix.Rlimit
		if err := unix.Getrlimit(res, &rl); err != nil {
			return 0, err
		}
		return rl.Max, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, err
	}
	return v, nil
}

// ClampRlimits returns in with every soft and hard limit lowered to pier's
// own hard limit for that resource. Without CAP_SYS_RESOURCE (as on this
// host) raising a hard limit above the caller's fails in runc with
// "setrlimit: operation not permitted", so defaults must be clamped to be
// usable at all. Limits of unknown types are returned unchanged.
func ClampRlimits(in []spec.POSIXRlimit) []spec.POSIXRlimit {
	out := slices.Clone(in)
	for i := range out {
		name := strings.ToLower(strings.TrimPrefix(out[i].Type, "RLIMIT_"))
		res, ok := rlimitResources[name]
		if !ok {
			continue
		}
		var rl unix.Rlimit
		if err := unix.Getrlimit(res, &rl); err != nil {
			continue
		}
		out[i].Hard = min(out[i].Hard, rl.Max)
		out[i].Soft = min(out[i].Soft, out[i].Hard)
	}
	return out
}

// DefaultRlimits returns the rlimits of a container whose user gave no
// --ulimit: containers.conf's default_ulimits, plus RLIMIT_NOFILE and
// RLIMIT_NPROC at podman 5's 1048576 when those are not among them, all
// clamped to pier's own hard limits (podman 5 clamps its nofile/nproc
// defaults the same way when it lacks CAP_SYS_RESOURCE; pier clamps the
// containers.conf ones too, so a host without that capability works out of
// the box). Combine with the user's --ulimit values with MergeRlimits.
func DefaultRlimits(conf []string) ([]spec.POSIXRlimit, error) {
	out := make([]spec.POSIXRlimit, 0, len(conf)+2)
	for _, u := range conf {
		rl, err := ParseUlimit(u)
		if err != nil {
			return nil, err
		}
		out = MergeRlimits(out, []spec.POSIXRlimit{rl})
	}
	for _, t := range []string{"RLIMIT_NOFILE", "RLIMIT_NPROC"} {
		if !slices.ContainsFunc(out, func(r spec.POSIXRlimit) bool { return r.Type == t }) {
			out = append(out, spec.POSIXRlimit{Type: t, Soft: rlimitDefault, Hard: rlimitDefault})
		}
	}
	return ClampRlimits(out), nil
}

// MergeRlimits returns base with each limit of override replacing the one
// of the same type, or appended when base has none, as docker merges
// --ulimit over its daemon defaults.
func MergeRlimits(base, override []spec.POSIXRlimit) []spec.POSIXRlimit {
	out := slices.Clone(base)
	for _, o := range override {
		if i := slices.IndexFunc(out, func(r spec.POSIXRlimit) bool { return r.Type == o.Type }); i >= 0 {
			out[i] = o
		} else {
			out = append(out, o)
		}
	}
	return out
}

// ValidateRlimit checks a parsed limit: a known type and soft <= hard.
func ValidateRlimit(l spec.POSIXRlimit) error {
	name := strings.ToLower(strings.TrimPrefix(l.Type, "RLIMIT_"))
	if _, ok := rlimitResources[name]; !ok || !strings.HasPrefix(l.Type, "RLIMIT_") {
		return invalidf("invalid ulimit type: %s", l.Type)
	}
	if l.Soft > l.Hard {
		return invalidf("ulimit soft limit must be less than or equal to hard limit: %d > %d", l.Soft, l.Hard)
	}
	return nil
}

// FormatUlimit writes an rlimit back as "name=soft:hard", the --ulimit
// spelling buildah parses; RLIM_INFINITY is -1 there.
func FormatUlimit(l spec.POSIXRlimit) string {
	v := func(x uint64) string {
		if x == rlimInfinity {
			return "-1"
		}
		return strconv.FormatUint(x, 10)
	}
	return strings.ToLower(strings.TrimPrefix(l.Type, "RLIMIT_")) + "=" + v(l.Soft) + ":" + v(l.Hard)
}

// CheckRlimitAllowed refuses a --ulimit whose hard limit is above pier's
// own when pier lacks CAP_SYS_RESOURCE to raise it: runc would fail the
// start with "operation not permitted"; this says so at create, naming
// the limit. Defaults are clamped instead (ClampRlimits).
func CheckRlimitAllowed(l spec.POSIXRlimit, canRaise bool) error {
	name := strings.ToLower(strings.TrimPrefix(l.Type, "RLIMIT_"))
	res, ok := rlimitResources[name]
	if !ok || canRaise {
		return nil
	}
	var rl unix.Rlimit
	if err := unix.Getrlimit(res, &rl); err != nil {
		return nil
	}
	if l.Hard > rl.Max {
		return invalidf("ulimit %s: hard limit %d is above the engine's own hard limit %d, which it cannot raise without CAP_SYS_RESOURCE", name, l.Hard, rl.Max)
	}
	return nil
}
