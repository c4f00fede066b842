package specgen

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// ParseVolume parses a --volume value, "[source:]ctr-dir[:options]". A
// source that is an absolute path, or starts with "." (relative to the
// working directory, as in podman), is a bind mount; any other source names
// a volume; no source at all asks for a new anonymous volume. Options are
// podman's: rw, ro, z, Z, [r]bind, [r]shared, [r]slave, [r]private,
// [r]unbindable, [no]exec, [no]suid, [no]dev, copy, nocopy, and the ignored
// cached and delegated. The host dir is not checked for existence here;
// that happens when the container is created.
func ParseVolume(s string) (define.Mount, error) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return define.Mount{}, invalidf("%s: incorrect volume format, should be [host-dir:]ctr-dir[:option]", s)
	}
	if len(parts) == 1 {
		if err := validateCtrDir(parts[0]); err != nil {
			return define.Mount{}, err
		}
		return define.Mount{Type: "volume", Destination: filepath.Clean(parts[0])}, nil
	}
	src, dst := parts[0], parts[1]
	if src == "" {
		return define.Mount{}, invalidf("host directory cannot be empty")
	}
	if err := validateCtrDir(dst); err != nil {
		return define.Mount{}, err
	}
	var opts []string
	if len(parts) == 3 {
		var err error
		if opts, err = validateVolumeOptions(strings.Split(parts[2], ",")); err != nil {
			return define.Mount{}, err
		}
	}
	switch {
	case filepath.IsAbs(src):
	case strings.HasPrefix(src, "."):
		abs, err := filepath.Abs(src)
		if err != nil {
			return define.Mount{}, fmt.Errorf("resolving host directory %q: %w", src, err)
		}
		src = abs
	default:
		return define.Mount{Type: "volume", Name: src, Destination: filepath.Clean(dst), Options: opts}, nil
	}
	return define.Mount{
		Type:        "bind",
		Source:      filepath.Clean(src),
		Destination: filepath.Clean(dst),
		Options:     opts,
	}, nil
}

// ParseTmpfs parses a --tmpfs value, "ctr-dir[:options]", with podman's
// options: rw, ro, [no]exec, [no]suid, [no]dev, size=, mode=, noatime,
// [no]tmpcopyup and the propagation modes. Unset ones get podman's defaults
// when the spec is generated (rw,noexec,nosuid,nodev,tmpcopyup).
func ParseTmpfs(s string) (define.Mount, error) {
	dst, optStr, hasOpts := strings.Cut(s, ":")
	if err := validateCtrDir(dst); err != nil {
		return define.Mount{}, err
	}
	var opts []string
	if hasOpts && optStr != "" {
		var err error
		if opts, err = validateTmpfsOptions(strings.Split(optStr, ",")); err != nil {
			return define.Mount{}, err
		}
	}
	return define.Mount{
		Type:        "tmpfs",
		Source:      "tmpfs",
		Destination: filepath.Clean(dst),
		Options:     opts,
	}, nil
}

// validateCtrDir words its errors as podman's parse.ValidateVolumeCtrDir.
func validateCtrDir(dst string) error {
	if dst == "" {
		return invalidf("container directory cannot be empty")
	}
	if !filepath.IsAbs(dst) {
		return invalidf("invalid container path %q, must be an absolute path", dst)
	}
	return nil
}

// volumeOptionGroups maps each option to the set only one member of which may be
// given, with podman's name for the set.
var volumeOptionGroups = map[string]string{
	"rw": "'rw' or 'ro'", "ro": "'rw' or 'ro'",
	"z": "'z', 'Z', or 'O'", "Z": "'z', 'Z', or 'O'", "O": "'z', 'Z', or 'O'",
	"U":    "'U'",
	"bind": "'[r]bind'", "rbind": "'[r]bind'",
	"exec": "'noexec' or 'exec'", "noexec": "'noexec' or 'exec'",
	"suid": "'nosuid' or 'suid'", "nosuid": "'nosuid' or 'suid'",
	"dev": "'nodev' or 'dev'", "nodev": "'nodev' or 'dev'",
	"copy": "'copy' or 'nocopy'", "nocopy": "'copy' or 'nocopy'",
	"private": propagationGroup, "rprivate": propagationGroup,
	"shared": propagationGroup, "rshared": propagationGroup,
	"slave": propagationGroup, "rslave": propagationGroup,
	"unbindable": propagationGroup, "runbindable": propagationGroup,
}

const propagationGroup = "'[r]shared', '[r]private', '[r]slave' or '[r]unbindable'"

// validateVolumeOptions checks -v options with the texts of podman's
// parse.ValidateVolumeOpts.
func validateVolumeOptions(opts []string) ([]string, error) {
	seen := map[string]bool{}
	out := make([]string, 0, len(opts))
	for _, o := range opts {
		switch o {
		case "cached", "delegated":
			// macOS-only docker options: podman drops them silently.
			continue
		}
		if IsIDMapOption(o) {
			if _, _, err := IDMapMappings(o, nil, nil); err != nil {
				return nil, err
			}
			out = append(out, o)
			continue
		}
		group, ok := volumeOptionGroups[o]
		if !ok {
			return nil, invalidf("invalid option type %q", o)
		}
		if seen[group] {
			return nil, invalidf("invalid options %q, can only specify 1 %s option", strings.Join(opts, ", "), group)
		}
		seen[group] = true
		out = append(out, o)
	}
	return out, nil
}

var tmpfsOptionGroups = map[string]string{
	"rw": "only one of 'rw' and 'ro' can be used", "ro": "only one of 'rw' and 'ro' can be used",
	"exec": "only one of 'noexec' and 'exec' can be used", "noexec": "only one of 'noexec' and 'exec' can be used",
	"suid": "only one of 'nosuid' and 'suid' can be used", "nosuid": "only one of 'nosuid' and 'suid' can be used",
	"dev": "only one of 'nodev' and 'dev' can be used", "nodev": "only one of 'nodev' and 'dev' can be used",
	"size":      "only one tmpfs size can be specified",
	"mode":      "only one tmpfs mode can be specified",
	"tmpcopyup": "the 'tmpcopyup' or 'notmpcopyup' option can only be set once", "notmpcopyup": "the 'tmpcopyup' or 'notmpcopyup' option can only be set once",
	"noatime": "the 'noatime' option can only be set once",
	"private": tmpfsPropagation, "rprivate": tmpfsPropagation,
	"shared": tmpfsPropagation, "rshared": tmpfsPropagation,
	"slave": tmpfsPropagation, "rslave": tmpfsPropagation,
	"unbindable": tmpfsPropagation, "runbindable": tmpfsPropagation,
}

const tmpfsPropagation = "only one root propagation mode can be used"

// validateTmpfsOptions checks --tmpfs options with the texts of podman's
// util.ProcessOptions.
func validateTmpfsOptions(opts []string) ([]string, error) {
	seen := map[string]bool{}
	out := make([]string, 0, len(opts))
	for _, o := range opts {
		key, val, hasVal := strings.Cut(o, "=")
		switch key {
		case "bind", "rbind":
			return nil, invalidf("the 'bind' and 'rbind' options are not allowed with tmpfs mounts")
		case "z", "Z":
			return nil, invalidf("the 'z' and 'Z' options are not allowed with tmpfs mounts")
		case "U", "idmap", "noswap":
			return nil, fmt.Errorf("tmpfs option %q is not supported yet: %w", o, errdefs.ErrNotImplemented)
		}
		dup, ok := tmpfsOptionGroups[key]
		if !ok || hasVal != (key == "size" || key == "mode") {
			return nil, invalidf("unknown mount option %q", o)
		}
		if seen[dup] {
			return nil, invalidf("%s", dup)
		}
		seen[dup] = true
		if key == "mode" {
			if _, err := strconv.ParseUint(val, 8, 32); err != nil {
				return nil, invalidf("invalid tmpfs mode %q, must be octal", val)
			}
		}
		if key == "size" && val == "" {
			return nil, invalidf("invalid tmpfs size %q", o)
		}
		out = append(out, o)
	}
	return out, nil
}

// ValidateMount checks a mount that a caller parsed (the CLI from -v and
// --tmpfs, the REST API from JSON) with the same rules as the parsers, so
// the engine never trusts its input. The bind source's existence is checked
// by the engine, which owns the host.
func ValidateMount(m define.Mount) error {
	if err := validateCtrDir(m.Destination); err != nil {
		return err
	}
	switch m.Type {
	case "bind":
		if m.Source == "" {
			return invalidf("host directory cannot be empty")
		}
		if !filepath.IsAbs(m.Source) {
			return invalidf("invalid host path %q, must be an absolute path", m.Source)
		}
		_, err := validateVolumeOptions(m.Options)
		return err
	case "tmpfs":
		_, err := validateTmpfsOptions(m.Options)
		return err
	case "volume":
		_, err := validateVolumeOptions(m.Options)
		return err
	case "devpts":
		return validateDevptsOptions(m.Options)
	case "image":
		if m.Source == "" {
			return invalidf("must set source image for image mounts")
		}
		return nil
	default:
		return invalidf("invalid mount type %q: only bind, tmpfs, volume, devpts and image are supported", m.Type)
	}
}
