package engine

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/config"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// The engine validates typed values whoever filled the request (the CLI
// parses flags; the REST API will decode JSON without specgen's parsers).
func TestConfigFromRequestValidates(t *testing.T) {
	r := &Runtime{conf: config.Default()}
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		req  CreateRequest
		want string
	}{
		"relative destination": {CreateRequest{Mounts: []define.Mount{{Type: "tmpfs", Destination: "tmp"}}}, `invalid container path "tmp"`},
		"unknown type":         {CreateRequest{Mounts: []define.Mount{{Type: "nfs", Destination: "/x"}}}, `invalid mount type "nfs"`},
		"bad option":           {CreateRequest{Mounts: []define.Mount{{Type: "bind", Source: dir, Destination: "/x", Options: []string{"bogus"}}}}, `invalid option type "bogus"`},
		"missing source":       {CreateRequest{Mounts: []define.Mount{{Type: "bind", Source: dir + "/nope", Destination: "/x"}}}, "statfs " + dir + "/nope: no such file or directory"},
		"duplicate": {CreateRequest{Mounts: []define.Mount{
			{Type: "tmpfs", Destination: "/x"}, {Type: "bind", Source: dir, Destination: "/x/"},
		}}, "/x: duplicate mount destination"},
		"ulimit type":  {CreateRequest{Ulimits: []spec.POSIXRlimit{{Type: "RLIMIT_BOGUS"}}}, "invalid ulimit type"},
		"ulimit order": {CreateRequest{Ulimits: []spec.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 2, Hard: 1}}}, "soft limit must be less"},
		"signal":       {CreateRequest{StopSignal: syscall.Signal(99)}, "invalid signal: 99"},
		"env":          {CreateRequest{Env: []string{"NOVALUE"}}, "invalid environment variable"},
	} {
		tc.req.Image = "busybox"
		_, err := r.configFromRequest(&tc.req)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want %q (invalid argument)", name, err, tc.want)
		}
	}

	cfg, err := r.configFromRequest(&CreateRequest{
		Image:      "busybox",
		Mounts:     []define.Mount{{Type: "bind", Source: dir, Destination: "/data/", Options: []string{"ro"}}},
		Ulimits:    []spec.POSIXRlimit{{Type: "RLIMIT_CORE", Soft: 1, Hard: 2}},
		StopSignal: syscall.SIGKILL,
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Mounts[0].Destination != "/data" || cfg.StopSignal != int(syscall.SIGKILL) {
		t.Errorf("config = %+v", cfg)
	}
	found := false
	for _, l := range cfg.Rlimits {
		found = found || (l.Type == "RLIMIT_CORE" && l.Soft <= 1)
	}
	if !found {
		t.Errorf("rlimits %+v lack the caller's core limit", cfg.Rlimits)
	}
}
