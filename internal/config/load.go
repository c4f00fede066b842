package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// Environment variables with podman's meaning.
const (
	// EnvConf names the only containers.conf to read instead of the
	// system and user files.
	EnvConf = "CONTAINERS_CONF"
	// EnvConfOverride names a file read after all others; it always wins.
	EnvConfOverride = "CONTAINERS_CONF_OVERRIDE"
)

// System locations, lowest precedence first.
const (
	vendorConf = "/usr/share/containers/containers.conf"
	adminConf  = "/etc/containers/containers.conf"
)

// Load returns the defaults overridden by the containers.conf files podman 5
// reads, in podman's order (each file overrides the keys it sets):
//
//  1. /usr/share/containers/containers.conf
//  2. /etc/containers/containers.conf
//  3. /etc/containers/containers.conf.d/*.conf (sorted by name)
//  4. $XDG_CONFIG_HOME/containers/containers.conf ($HOME/.config when
//     unset) and its containers.conf.d/*.conf. podman 5 reads the user
//     file for root too (containers/common dropped the rootless-only rule),
//     so pier does the same.
//
// When CONTAINERS_CONF is set, only that file is read, and it must exist.
// CONTAINERS_CONF_OVERRIDE, when set, names a file read last in both cases;
// it must exist too. Missing system and user files are skipped.
func Load() (*Config, error) {
	paths, err := searchPaths()
	if err != nil {
		return nil, err
	}
	return LoadFrom(paths)
}

// LoadFrom returns the defaults overridden by each file of paths in order.
// A file that does not exist is skipped; any other failure, including a
// malformed file, is an error naming the file and, for syntax and type
// errors, the line.
func LoadFrom(paths []string) (*Config, error) {
	c := Default()
	for _, p := range paths {
		if err := decodeFile(p, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// searchPaths lists the files Load reads, in order.
func searchPaths() ([]string, error) {
	var paths []string
	if p := os.Getenv(EnvConf); p != "" {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s file: %w", EnvConf, err)
		}
		paths = []string{p}
	} else {
		paths = append(paths, vendorConf, adminConf)
		var err error
		if paths, err = appendDropIns(paths, adminConf+".d"); err != nil {
			return nil, err
		}
		if user, ok := userConfPath(); ok {
			paths = append(paths, user)
			if paths, err = appendDropIns(paths, user+".d"); err != nil {
				return nil, err
			}
		}
	}
	if p := os.Getenv(EnvConfOverride); p != "" {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s file: %w", EnvConfOverride, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// userConfPath returns the per-user containers.conf, or false when there is
// no home to find it in (a daemon started with an empty environment).
func userConfPath() (string, bool) {
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "containers", "containers.conf"), true
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", false
	}
	return filepath.Join(home, ".config", "containers", "containers.conf"), true
}

// appendDropIns appends dir's *.conf files, sorted by name; a missing dir
// adds nothing.
func appendDropIns(paths []string, dir string) ([]string, error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return paths, nil
		}
		return nil, fmt.Errorf("reading containers.conf directory %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".conf") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	return paths, nil
}

// decodeFile merges the keys path sets into c. Decoding into the existing
// value is what gives override semantics: a key absent from the file keeps
// its earlier value, and a TOML table decoded into an existing map adds to
// it, so [engine.runtimes] entries merge across files as in podman.
func decodeFile(path string, c *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("reading containers.conf %s: %w", path, err)
	}
	// Undecoded keys (podman's many options pier does not implement) are
	// deliberately not reported: the same file configures podman.
	if _, err := toml.Decode(string(data), c); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return fmt.Errorf("reading containers.conf %s: line %d: %w", path, pe.Position.Line, parseError{pe})
		}
		// Type mismatches come back as plain errors worded
		// `toml: line N (last key "k"): msg`; reword them like syntax
		// errors so every malformed file reads the same.
		if m := typeErrRe.FindStringSubmatch(err.Error()); m != nil {
			return fmt.Errorf("reading containers.conf %s: line %s: key %q: %s", path, m[1], m[2], m[3])
		}
		return fmt.Errorf("reading containers.conf %s: %w", path, err)
	}
	return nil
}

var typeErrRe = regexp.MustCompile(`^toml: line (\d+) \(last key "(.*?)"\): (.*)$`)

// parseError words a TOML error without the library's own "toml: line N"
// prefix, since the caller already names the file and line, and keeps the
// original reachable for errors.As.
type parseError struct{ pe toml.ParseError }

func (e parseError) Error() string {
	if e.pe.LastKey != "" {
		return fmt.Sprintf("key %q: %s", e.pe.LastKey, e.pe.Message)
	}
	return e.pe.Message
}

func (e parseError) Unwrap() error { return e.pe }
