package specgen

import (
	"encoding/csv"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// mountKeys says which --mount keys each type takes (podman's
// parseMountOptions); keys of no type are "invalid mount option".
var mountKeys = map[string]map[string]bool{
	"bind":   setOf("src", "source", "bind-propagation", "bind-nonrecursive", "relabel", "consistency", "U", "chown", "idmap"),
	"volume": setOf("src", "source", "volume-nocopy", "relabel", "consistency", "U", "chown", "idmap"),
	"tmpfs":  setOf("tmpfs-size", "tmpfs-mode", "tmpcopyup", "notmpcopyup"),
	"devpts": setOf("uid", "gid", "mode", "max"),
	"glob":   setOf("src", "source", "bind-propagation", "bind-nonrecursive", "relabel", "consistency"),
	"image":  setOf("src", "source"),
}

var commonMountKeys = setOf("type", "dst", "destination", "target", "ro", "readonly", "rw",
	"exec", "noexec", "suid", "nosuid", "dev", "nodev")

var allMountKeys = func() map[string]bool {
	all := setOf("U", "chown", "idmap", "volume-opt", "tmpfs-noswap", "noswap")
	for _, keys := range mountKeys {
		for k := range keys {
			all[k] = true
		}
	}
	for k := range commonMountKeys {
		all[k] = true
	}
	return all
}()

func setOf(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// ParseMount parses a --mount value, "type=TYPE,key=value,...", into the
// same mount -v or --tmpfs would give, with podman's texts for bad input.
// The type defaults to volume, as in podman 5. A glob mount is one bind
// per match (see ExpandGlob); an image mount names the image, which the
// engine resolves. Types ramfs and artifact are refused as not
// implemented yet.
func ParseMount(s string) (define.Mount, error) {
	fields, err := csv.NewReader(strings.NewReader(s)).Read()
	if err != nil {
		return define.Mount{}, invalidf("parsing --mount %q: %v", s, err)
	}
	typ := "volume"
	for _, f := range fields {
		if k, v, _ := strings.Cut(f, "="); k == "type" {
			typ = v
		}
	}
	switch typ {
	case "bind", "volume", "tmpfs", "devpts", "glob", "image":
	case "ramfs", "artifact":
		return define.Mount{}, fmt.Errorf("mount type %q is not supported yet: %w", typ, errdefs.ErrNotImplemented)
	default:
		return define.Mount{}, invalidf("invalid filesystem type %q", typ)
	}
	m := define.Mount{Type: typ}
	seen := map[string]bool{}
	recursive := true
	for _, f := range fields {
		key, val, hasVal := strings.Cut(f, "=")
		if !allMountKeys[key] {
			return define.Mount{}, invalidf("%s: invalid mount option", key)
		}
		if !commonMountKeys[key] && !mountKeys[typ][key] {
			if key == "idmap" || key == "volume-opt" || strings.HasSuffix(key, "noswap") {
				return define.Mount{}, fmt.Errorf("--mount option %q is not supported yet: %w", key, errdefs.ErrNotImplemented)
			}
			return define.Mount{}, invalidf("%q option not supported for %q mount types", key, typ)
		}
		canon := canonicalMountKey(key)
		if seen[canon] {
			return define.Mount{}, invalidf("cannot pass %q option more than once: must provide an argument for option", key)
		}
		seen[canon] = true
		opt, err := mountKeyOption(&m, key, val, hasVal, &recursive)
		if err != nil {
			return define.Mount{}, err
		}
		if opt != "" {
			m.Options = append(m.Options, opt)
		}
	}
	return finishMount(m, recursive)
}

func canonicalMountKey(k string) string {
	switch k {
	case "source":
		return "src"
	case "destination", "target":
		return "dst"
	case "readonly", "rw":
		return "ro"
	}
	return k
}

// mountKeyOption applies one key to m and returns the -v style option it
// stands for, if any.
func mountKeyOption(m *define.Mount, key, val string, hasVal bool, recursive *bool) (string, error) {
	need := func() error {
		if !hasVal || val == "" {
			return invalidf("option %q requires a value: must provide an argument for option", key)
		}
		return nil
	}
	switch key {
	case "type", "consistency":
		return "", nil
	case "src", "source":
		if err := need(); err != nil {
			return "", err
		}
		if m.Type == "volume" && !filepath.IsAbs(val) {
			m.Name = val
		} else {
			m.Source = val
		}
		return "", nil
	case "dst", "destination", "target":
		if err := need(); err != nil {
			return "", err
		}
		m.Destination = val
		return "", nil
	case "ro", "readonly", "rw":
		on := !hasVal || val == "true" || val == "1"
		if !hasVal || on || val == "false" || val == "0" {
			if (key == "rw") == on {
				return "rw", nil
			}
			return "ro", nil
		}
		return "", invalidf("invalid %s value %q", key, val)
	case "bind-propagation":
		return val, need()
	case "bind-nonrecursive":
		*recursive = false
		return "", nil
	case "relabel":
		switch val {
		case "shared":
			return "z", nil
		case "private":
			return "Z", nil
		}
		return "", invalidf("%s mount option must be 'private' or 'shared'", key)
	case "volume-nocopy":
		return "nocopy", nil
	case "U", "chown":
		on := !hasVal || val == "true"
		if hasVal && !on && val != "false" {
			return "", invalidf("invalid %s value %q", key, val)
		}
		if on {
			return "U", nil
		}
		return "", nil
	case "uid", "gid", "mode", "max":
		return key + "=" + val, need()
	case "idmap":
		if !hasVal {
			return "idmap", nil
		}
		_, _, err := IDMapMappings("idmap="+val, nil, nil)
		return "idmap=" + val, err
	case "tmpfs-size":
		return "size=" + val, need()
	case "tmpfs-mode":
		return "mode=" + val, need()
	}
	return key, nil // exec, noexec, suid, nosuid, dev, nodev, [no]tmpcopyup
}

// finishMount checks the whole mount as -v and --tmpfs values are checked.
func finishMount(m define.Mount, recursive bool) (define.Mount, error) {
	if m.Destination == "" {
		return define.Mount{}, invalidf("must set volume destination")
	}
	if err := validateCtrDir(m.Destination); err != nil {
		return define.Mount{}, err
	}
	m.Destination = filepath.Clean(m.Destination)
	switch m.Type {
	case "tmpfs":
		m.Source = "tmpfs"
		opts, err := validateTmpfsOptions(m.Options)
		if len(opts) > 0 {
			m.Options = opts
		}
		return m, err
	case "bind":
		if m.Source == "" {
			m.Source = m.Destination // podman's default: then the host path must exist
		}
		if !recursive {
			m.Options = append(m.Options, "bind")
		}
		m.Source = filepath.Clean(m.Source)
	case "volume":
		if m.Source != "" {
			return define.Mount{}, invalidf("invalid volume name %q: named volumes cannot be paths", m.Source)
		}
	case "devpts":
		m.Source = "devpts"
		return m, validateDevptsOptions(m.Options)
	case "image":
		if m.Source == "" {
			return define.Mount{}, invalidf("must set source image for image mounts")
		}
		// rw=true: podman's overlay over the image, whose writes the
		// next start drops.
		rw := "ro"
		if slices.Contains(m.Options, "rw") {
			rw = "rw"
		}
		m.Options = []string{rw}
		return m, nil
	case "glob":
		if m.Source == "" {
			return define.Mount{}, invalidf("must set source for glob mounts")
		}
		if !recursive {
			m.Options = append(m.Options, "bind")
		}
	}
	opts, err := validateVolumeOptions(m.Options)
	if len(opts) > 0 {
		m.Options = opts
	}
	return m, err
}

// validateDevptsOptions checks a devpts mount's uid, gid, mode and max.
func validateDevptsOptions(opts []string) error {
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		base := 10
		if k == "mode" {
			base = 8
		}
		if _, err := strconv.ParseUint(v, base, 32); err != nil {
			return invalidf("invalid devpts option %q", o)
		}
	}
	return nil
}

// ExpandGlob turns a glob mount into a bind mount of every file matching
// its source, at DESTINATION/BASENAME, as podman does; no match is an
// error with podman's text.
func ExpandGlob(m define.Mount) ([]define.Mount, error) {
	matches, err := filepath.Glob(m.Source)
	if err != nil {
		return nil, invalidf("invalid glob %q: %w", m.Source, err)
	}
	if len(matches) == 0 {
		return nil, invalidf("no file paths matching glob %q", m.Source)
	}
	out := make([]define.Mount, 0, len(matches))
	for _, p := range matches {
		out = append(out, define.Mount{Type: "bind", Source: p, Destination: filepath.Join(m.Destination, filepath.Base(p)), Options: m.Options})
	}
	return out, nil
}
