package specgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const testID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func baseConfig() *define.ContainerConfig {
	return &define.ContainerConfig{
		ID:          testID,
		Name:        "test",
		Cmd:         []string{"/bin/sh"},
		Env:         []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"},
		NetworkMode: "none",
	}
}

func baseHost() *Host {
	return &Host{
		RootfsPath:     "/var/lib/containers/storage/overlay/abc/merged",
		HostsPath:      "/run/pier/" + testID + "/hosts",
		ResolvConfPath: "/run/pier/" + testID + "/resolv.conf",
		HostnamePath:   "/run/pier/" + testID + "/hostname",
		User:           spec.User{UID: 0, GID: 0, AdditionalGids: []uint32{0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27}},
		Home:           "/root",
		CgroupsPath:    "/pier/" + testID,
	}
}

func TestGenerateGolden(t *testing.T) {
	cases := []struct {
		name   string
		config func(c *define.ContainerConfig, h *Host)
	}{
		{"plain", func(c *define.ContainerConfig, h *Host) {}},
		{"terminal_env", func(c *define.ContainerConfig, h *Host) {
			c.Terminal = true
			c.Stdin = true
			c.Hostname = "web"
			c.Entrypoint = []string{"/entry.sh"}
			c.Cmd = []string{"serve", "--port", "80"}
			c.Env = []string{"PATH=/custom/bin:/bin", "FOO=bar", "HOME=/srv"}
			c.WorkingDir = "/app"
			c.Annotations = map[string]string{"io.podman.annotations.autoremove": "TRUE"}
			h.User = spec.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10}}
			h.Home = "/home/app"
		}},
		{"read_only", func(c *define.ContainerConfig, h *Host) {
			c.ReadOnly = true
			// The user's /tmp replaces the read-only default one.
			c.Mounts = []define.Mount{{Type: "tmpfs", Source: "tmpfs", Destination: "/tmp", Options: []string{"size=1m", "exec"}}}
		}},
		{"mounts", func(c *define.ContainerConfig, h *Host) {
			c.Mounts = []define.Mount{
				{Type: "bind", Source: "/srv/data/sub", Destination: "/data/sub", Options: []string{"ro", "z"}},
				{Type: "bind", Source: "/srv/data", Destination: "/data"},
				{Type: "bind", Source: "/srv/one", Destination: "/one", Options: []string{"bind", "rshared"}},
				{Type: "bind", Source: "/srv/hosts", Destination: "/etc/hosts", Options: []string{"ro"}},
				{Type: "tmpfs", Source: "tmpfs", Destination: "/scratch", Options: []string{"size=64m", "mode=1777", "notmpcopyup"}},
			}
		}},
		{"host_network", func(c *define.ContainerConfig, h *Host) {
			c.NetworkMode = "host"
			c.Hostname = "myhost"
		}},
		{"rlimits", func(c *define.ContainerConfig, h *Host) {
			c.Rlimits = []spec.POSIXRlimit{
				{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 2048},
				{Type: "RLIMIT_NPROC", Soft: 4096, Hard: 4096},
				{Type: "RLIMIT_CORE", Soft: 0, Hard: 0},
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, h := baseConfig(), baseHost()
			tc.config(c, h)
			s, err := Generate(c, h)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(s, "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", tc.name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("spec differs from %s (run go test -update after checking the change):\n%s", golden, got)
			}
		})
	}
}

func findMount(s *spec.Spec, dest string) *spec.Mount {
	for i := range s.Mounts {
		if s.Mounts[i].Destination == dest {
			return &s.Mounts[i]
		}
	}
	return nil
}

// The properties below are what the golden files encode; asserting them
// directly keeps an -update from silently accepting a regression.
func TestGenerateProperties(t *testing.T) {
	c, h := baseConfig(), baseHost()
	c.ReadOnly = true
	c.Mounts = []define.Mount{
		{Type: "bind", Source: "/a/b", Destination: "/x/y"},
		{Type: "bind", Source: "/a", Destination: "/x"},
		{Type: "bind", Source: "/r", Destination: "/etc/resolv.conf"},
	}
	s, err := Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Process.Args, []string{"/bin/sh"}) || s.Process.Cwd != "/" {
		t.Errorf("args/cwd: %v %q", s.Process.Args, s.Process.Cwd)
	}
	if s.Hostname != testID[:12] {
		t.Errorf("default hostname must be the short ID, got %q", s.Hostname)
	}
	for _, want := range []string{"container=podman", "HOME=/root", "HOSTNAME=" + testID[:12], "TERM=xterm"} {
		if !slices.Contains(s.Process.Env, want) {
			t.Errorf("env %v lacks %q", s.Process.Env, want)
		}
	}
	if !s.Root.Readonly {
		t.Error("root must be read-only")
	}
	for _, d := range []string{"/tmp", "/var/tmp", "/run"} {
		if m := findMount(s, d); m == nil || m.Type != "tmpfs" {
			t.Errorf("read-only container lacks tmpfs on %s", d)
		}
	}
	if m := findMount(s, "/etc/resolv.conf"); m == nil || m.Source != "/r" {
		t.Errorf("user mount must replace the engine's resolv.conf: %+v", m)
	}
	var x, xy int
	for i, m := range s.Mounts {
		switch m.Destination {
		case "/x":
			x = i
		case "/x/y":
			xy = i
		}
	}
	if x > xy {
		t.Errorf("parent mount /x must come before /x/y: %d > %d", x, xy)
	}
	if len(s.Process.Capabilities.Effective) != 11 || len(s.Process.Capabilities.Inheritable) != 0 || len(s.Process.Capabilities.Ambient) != 0 {
		t.Errorf("root caps: %+v", s.Process.Capabilities)
	}
	if *s.Process.User.Umask != 0o022 {
		t.Errorf("umask %o", *s.Process.User.Umask)
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == spec.CgroupNamespace {
			t.Error("no cgroup namespace on a v1/hybrid host")
		}
	}
	if s.Linux.Seccomp != nil {
		t.Error("seccomp is not implemented yet; a profile here would be a surprise")
	}

	// Mutating the spec must not reach the config (the spec is written
	// after generation and the config is saved in the state).
	s.Process.Env[0] = "X=1"
	s.Process.User.AdditionalGids[0] = 99
	if c.Env[0] == "X=1" || h.User.AdditionalGids[0] == 99 {
		t.Error("spec aliases its inputs")
	}
}

func TestGenerateNonRootCaps(t *testing.T) {
	c, h := baseConfig(), baseHost()
	h.User = spec.User{UID: 1000, GID: 1000}
	s, err := Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	caps := s.Process.Capabilities
	if len(caps.Bounding) != 11 || len(caps.Effective) != 0 || len(caps.Permitted) != 0 {
		t.Fatalf("non-root caps: %+v", caps)
	}
}

func TestGenerateNamespaces(t *testing.T) {
	types := func(s *spec.Spec) []spec.LinuxNamespaceType {
		var out []spec.LinuxNamespaceType
		for _, ns := range s.Linux.Namespaces {
			out = append(out, ns.Type)
		}
		return out
	}
	c, h := baseConfig(), baseHost()
	c.NetworkMode = "host"
	h.CgroupV2 = true
	s, err := Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	want := []spec.LinuxNamespaceType{spec.PIDNamespace, spec.IPCNamespace, spec.UTSNamespace, spec.MountNamespace, spec.CgroupNamespace}
	if got := types(s); !slices.Equal(got, want) {
		t.Fatalf("host network on v2: %v, want %v", got, want)
	}

	c, h = baseConfig(), baseHost()
	c.NetworkMode = "bridge"
	h.NetNSPath = "/run/netns/x"
	if s, err = Generate(c, h); err != nil {
		t.Fatal(err)
	}
	if ns := s.Linux.Namespaces[1]; ns.Type != spec.NetworkNamespace || ns.Path != "/run/netns/x" {
		t.Fatalf("prepared netns not joined: %+v", ns)
	}
	h.NetNSPath = ""
	if _, err := Generate(c, h); !errors.Is(err, errdefs.ErrNotImplemented) {
		t.Fatalf("bridge without a prepared netns: %v", err)
	}
}

func TestGenerateUserDev(t *testing.T) {
	c, h := baseConfig(), baseHost()
	c.Mounts = []define.Mount{{Type: "bind", Source: "/dev", Destination: "/dev"}}
	s, err := Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range s.Mounts {
		if strings.HasPrefix(m.Destination, "/dev/") {
			t.Fatalf("default %s kept under a user /dev", m.Destination)
		}
		if m.Destination == "/dev" && m.Type != "bind" {
			t.Fatalf("default /dev kept: %+v", m)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	cases := []struct {
		name string
		mod  func(c *define.ContainerConfig)
		want string
	}{
		{"no command", func(c *define.ContainerConfig) { c.Cmd = nil }, "no command or entrypoint provided, and no CMD or ENTRYPOINT from image"},
		{"relative workdir", func(c *define.ContainerConfig) { c.WorkingDir = "app" }, `the working directory "app" is invalid, it needs to be an absolute path`},
		{"duplicate dest", func(c *define.ContainerConfig) {
			c.Mounts = []define.Mount{
				{Type: "bind", Source: "/a", Destination: "/data"},
				{Type: "tmpfs", Destination: "/data/"},
			}
		}, "/data: duplicate mount destination"},
		{"relative dest", func(c *define.ContainerConfig) {
			c.Mounts = []define.Mount{{Type: "bind", Source: "/a", Destination: "data"}}
		}, `invalid container path "data", must be an absolute path`},
		{"bad type", func(c *define.ContainerConfig) {
			c.Mounts = []define.Mount{{Type: "volume", Source: "v", Destination: "/v"}}
		}, `mount on /v: unsupported mount type "volume"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := baseConfig()
			tc.mod(c)
			_, err := Generate(c, baseHost())
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if !errors.Is(err, errdefs.ErrInvalidArgument) {
				t.Fatalf("%v is not an invalid argument", err)
			}
		})
	}
}
