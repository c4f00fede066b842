package config

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	cconfig "go.podman.io/common/pkg/config"
	"go.podman.io/storage/pkg/configfile"
	"go.podman.io/storage/pkg/unshare"
)

// Environment variables with podman's meaning.
const (
	// EnvConf names the only main containers.conf to read instead of the
	// system and user files (drop-ins are skipped too).
	EnvConf = "CONTAINERS_CONF"
	// EnvConfOverride names a file read after all others; it always wins.
	EnvConfOverride = "CONTAINERS_CONF_OVERRIDE"
)

// Load returns containers.conf as podman 5 reads it: podman's own parser
// (go.podman.io/common/pkg/config) finds the files, merges them and
// validates the result, so search order, drop-ins, modules,
// CONTAINERS_CONF, CONTAINERS_CONF_OVERRIDE and the "append" syntax of
// arrays are podman's by construction. In short: the first main file that
// exists of $XDG_CONFIG_HOME/containers/containers.conf,
// /etc/containers/containers.conf and /usr/share/containers/containers.conf
// (or CONTAINERS_CONF alone), then the drop-ins of every containers.conf.d
// (and containers.rootful.conf.d) merged by name, then modules, then
// CONTAINERS_CONF_OVERRIDE.
//
// modules are names (searched in the containers.conf.modules directories)
// or paths of files read after the drop-ins, as podman's --module.
//
// Where pier's default differs from podman's (see Default), a key only
// takes podman's meaning when a file sets it.
func Load(modules ...string) (*Config, error) {
	return load(modules, func() (*cconfig.Config, error) {
		return cconfig.New(&cconfig.Options{Modules: slices.Clone(modules)})
	})
}

// LoadForProcess is Load for a CLI process, which loads its configuration
// once: without modules the files are parsed into c/common's process-wide
// default, the one buildah's build flags take their defaults from, so
// that every command parses them once instead of twice.
func LoadForProcess(modules ...string) (*Config, error) {
	if len(modules) > 0 {
		return Load(modules...)
	}
	return load(nil, cconfig.Default)
}

func load(modules []string, parse func() (*cconfig.Config, error)) (*Config, error) {
	cc, err := parse()
	if err != nil {
		// common's errors name the file and line of a malformed file
		// ("parsing containers.conf: decode configuration "f": toml: line
		// 2 ...") and podman prints them as they are.
		return nil, oneLine(err)
	}
	own, err := loadOwnKeys(modules)
	if err != nil {
		return nil, oneLine(err)
	}
	return fromCommon(cc, own), nil
}

// ownKeys are what the files say beyond common's struct: pier's own key,
// and whether a key whose pier default differs from podman's was set.
type ownKeys struct {
	Engine struct {
		MonitorPath []string `toml:"monitor_path"`
		Runtime     *string  `toml:"runtime"`
		TmpDir      *string  `toml:"tmp_dir"`
		StaticDir   *string  `toml:"static_dir"`
		VolumePath  *string  `toml:"volume_path"`
	} `toml:"engine"`
}

// loadOwnKeys reads the same files, in the same order, as cconfig.New.
// Lexing a file is what costs (BurntSushi/toml takes 0.4 ms for the 24 KB,
// mostly comments, that distributions ship), so comment lines are blanked
// first: this second pass then costs a few microseconds, and line numbers
// in its errors stay right (docs/decisions.md).
func loadOwnKeys(modules []string) (*ownKeys, error) {
	own := &ownKeys{}
	own.Engine.MonitorPath = Default().Engine.MonitorPath
	f := &configfile.File{
		Name:            "containers",
		Extension:       "conf",
		EnvironmentName: EnvConf,
		UserId:          unshare.GetRootlessUID(),
		Modules:         slices.Clone(modules),
	}
	for item, err := range configfile.Read(f) {
		if err != nil {
			return nil, fmt.Errorf("parsing containers.conf: %w", err)
		}
		data, err := io.ReadAll(item.Reader)
		if err != nil {
			return nil, fmt.Errorf("parsing containers.conf: reading %q: %w", item.Name, err)
		}
		if _, err := toml.Decode(blankComments(data), own); err != nil {
			return nil, fmt.Errorf("parsing containers.conf: decode configuration %q: %w", item.Name, err)
		}
	}
	return own, nil
}

// blankComments empties the lines that hold only a comment, keeping the
// newlines. Inside a multi-line string this changes the string's value,
// which no key read here depends on.
func blankComments(data []byte) string {
	lines := bytes.SplitAfter(data, []byte("\n"))
	var b strings.Builder
	b.Grow(len(data) / 4)
	for _, l := range lines {
		if t := bytes.TrimLeft(l, " \t"); len(t) > 0 && t[0] == '#' {
			if l[len(l)-1] == '\n' {
				b.WriteByte('\n')
			}
			continue
		}
		b.Write(l)
	}
	return b.String()
}

// fromCommon copies the keys pier acts on out of cc.
func fromCommon(cc *cconfig.Config, own *ownKeys) *Config {
	c := Default()
	c.Common = cc
	ct, en := &cc.Containers, &cc.Engine
	c.Containers.DefaultUlimits = ct.DefaultUlimits.Get()
	c.Containers.Env = ct.Env.Get()
	c.Containers.EnvHost = ct.EnvHost
	c.Containers.DefaultCapabilities = ct.DefaultCapabilities.Get()
	c.Containers.DefaultSysctls = ct.DefaultSysctls.Get()
	c.Containers.Umask = ct.Umask
	c.Containers.ReadOnly = ct.ReadOnly
	c.Containers.SeccompProfile = ct.SeccompProfile
	c.Containers.ContainerNameAsHostname = ct.ContainerNameAsHostName
	c.Containers.PidsLimit = ct.PidsLimit
	c.Containers.ShmSize = ct.ShmSize
	c.Containers.OOMScoreAdj = ct.OOMScoreAdj
	c.Containers.HTTPProxy = ct.HTTPProxy
	c.Containers.TZ = ct.TZ
	c.Containers.Init = ct.Init
	c.Containers.Annotations = ct.Annotations.Get()
	c.Containers.LogTag = ct.LogTag
	c.Containers.LogDriver = ct.LogDriver
	c.Containers.LogSizeMax = ct.LogSizeMax
	c.Containers.LogPath = ct.LogPath
	c.Containers.Volumes = ct.Volumes.Get()

	if own.Engine.Runtime != nil {
		c.Engine.Runtime = en.OCIRuntime
	}
	// common's table starts from podman's candidates for every runtime
	// it knows, and files add to and override entries of it.
	for name, paths := range en.OCIRuntimes {
		c.Engine.Runtimes[name] = paths
	}
	c.Engine.StopTimeout = en.StopTimeout
	if own.Engine.TmpDir != nil {
		c.Engine.TmpDir = en.TmpDir
	}
	if own.Engine.StaticDir != nil {
		c.Engine.StaticDir = en.StaticDir
	}
	if own.Engine.VolumePath != nil {
		c.Engine.VolumePath = en.VolumePath
	}
	c.Engine.MonitorPath = own.Engine.MonitorPath
	c.Engine.CgroupManager = en.CgroupManager
	c.Engine.EventsLogger = en.EventsLogger
	c.Engine.EventsLogFilePath = en.EventsLogFilePath
	c.Engine.EventsLogFileMaxSize = en.EventsLogMaxSize()
	c.Engine.HealthcheckEvents = en.HealthcheckEvents
	// Spelled as --pull spells it ("IfMissing" -> "missing"); common's
	// Validate already rejected what it cannot parse.
	if pp, err := cconfig.ParsePullPolicy(en.PullPolicy); err == nil {
		c.Engine.PullPolicy = pp.String()
	}
	c.Engine.HooksDir = en.HooksDir.Get()
	return c
}

// oneLine keeps an error on one line: a module missing from every module
// directory comes back as one error per directory, joined by newlines.
func oneLine(err error) error {
	if !strings.Contains(err.Error(), "\n") {
		return err
	}
	return &joinedError{err}
}

type joinedError struct{ err error }

func (e *joinedError) Error() string { return strings.ReplaceAll(e.err.Error(), "\n", "; ") }
func (e *joinedError) Unwrap() error { return e.err }
