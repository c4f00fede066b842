package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefault(t *testing.T) {
	c := Default()
	if c.Engine.Runtime != "runc" || c.Engine.StopTimeout != 10 ||
		c.Containers.LogDriver != "k8s-file" || c.Containers.LogSizeMax != -1 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if len(c.Containers.DefaultUlimits) != 0 {
		t.Fatalf("default ulimits should be empty, got %v", c.Containers.DefaultUlimits)
	}
	if got := c.StaticDirFor("/var/lib/containers/storage"); got != "/var/lib/containers/storage/pier" {
		t.Fatalf("StaticDirFor = %q", got)
	}
	if got := c.TmpDirFor("/run/containers/storage"); got != "/run/containers/storage/pier" {
		t.Fatalf("TmpDirFor = %q", got)
	}
}

func TestLoadFromOverrideOrder(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.conf", `
[containers]
log_driver = "journald"
default_ulimits = ["nofile=10:20"]
[engine]
stop_timeout = 30
runtime = "crun"
`)
	b := writeFile(t, dir, "b.conf", `
[containers]
default_ulimits = ["nproc=5:5"]
[engine]
stop_timeout = 5
`)
	missing := filepath.Join(dir, "missing.conf")
	c, err := LoadFrom([]string{a, missing, b})
	if err != nil {
		t.Fatal(err)
	}
	if c.Containers.LogDriver != "journald" {
		t.Errorf("log_driver from a.conf lost: %q", c.Containers.LogDriver)
	}
	if c.Engine.Runtime != "crun" {
		t.Errorf("runtime from a.conf lost: %q", c.Engine.Runtime)
	}
	if c.Engine.StopTimeout != 5 {
		t.Errorf("stop_timeout: later file must win, got %d", c.Engine.StopTimeout)
	}
	// Arrays are replaced, not appended, as podman does without {append=true}.
	if !reflect.DeepEqual(c.Containers.DefaultUlimits, []string{"nproc=5:5"}) {
		t.Errorf("default_ulimits = %v", c.Containers.DefaultUlimits)
	}
	if c.Containers.LogSizeMax != -1 {
		t.Errorf("unset key must keep its default, got %d", c.Containers.LogSizeMax)
	}
}

func TestLoadFromRuntimesMerge(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.conf", `
[engine.runtimes]
myrt = ["/opt/myrt"]
`)
	b := writeFile(t, dir, "b.conf", `
[engine.runtimes]
runc = ["/opt/runc"]
`)
	c, err := LoadFrom([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"myrt": {"/opt/myrt"},
		"runc": {"/opt/runc"},
		"crun": Default().Engine.Runtimes["crun"],
	}
	if !reflect.DeepEqual(c.Engine.Runtimes, want) {
		t.Fatalf("runtimes = %v, want %v", c.Engine.Runtimes, want)
	}
}

func TestLoadFromUnknownKeysIgnored(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "x.conf", `
[containers]
netns = "private"
seccomp_profile = "/x.json"
log_size_max = 4096
[engine]
conmon_path = ["/usr/bin/conmon"]
events_logger = "file"
[engine.service_destinations]
[network]
network_backend = "netavark"
[machine]
cpus = 2
[whatever]
x = 1
`)
	c, err := LoadFrom([]string{p})
	if err != nil {
		t.Fatalf("unknown keys must be ignored: %v", err)
	}
	if c.Containers.LogSizeMax != 4096 {
		t.Fatalf("known key beside unknown ones lost: %d", c.Containers.LogSizeMax)
	}
}

func TestLoadFromMalformed(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content, want string
	}{
		{"syntax", "[engine]\nruntime = \"runc\"\nstop_timeout = = 3\n", ": line 3: "},
		{"type", "[engine]\n\nstop_timeout = \"ten\"\n", ": line 3: "},
		{"unterminated", "[containers]\nenv = [\"A=1\"\n", ": line "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name+".conf", tc.content)
			_, err := LoadFrom([]string{p})
			if err == nil {
				t.Fatal("expected an error")
			}
			prefix := "reading containers.conf " + p + tc.want
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Fatalf("error %q does not start with %q", err, prefix)
			}
			if strings.Contains(err.Error(), "toml:") {
				t.Fatalf("error repeats the library prefix: %q", err)
			}
			if strings.Count(err.Error(), "\n") != 0 {
				t.Fatalf("error must be one line: %q", err)
			}
		})
	}
}

func TestLoadSearchOrder(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv(EnvConf, "")
	t.Setenv(EnvConfOverride, "")
	user := writeFile(t, home, "containers/containers.conf", "[engine]\nstop_timeout = 7\n")
	dropA := writeFile(t, home, "containers/containers.conf.d/10-a.conf", "[engine]\nstop_timeout = 8\n")
	dropB := writeFile(t, home, "containers/containers.conf.d/20-b.conf", "[engine]\nstop_timeout = 9\n")
	writeFile(t, home, "containers/containers.conf.d/ignored.txt", "garbage = = =")

	paths, err := searchPaths()
	if err != nil {
		t.Fatal(err)
	}
	i := indexOf(paths, vendorConf)
	j := indexOf(paths, adminConf)
	k := indexOf(paths, user)
	if i < 0 || j < i || k < j {
		t.Fatalf("wrong order: %v", paths)
	}
	if tail := paths[len(paths)-2:]; !reflect.DeepEqual(tail, []string{dropA, dropB}) {
		t.Fatalf("user drop-ins must come last and sorted: %v", paths)
	}

	override := writeFile(t, t.TempDir(), "override.conf", "[engine]\nstop_timeout = 42\n")
	t.Setenv(EnvConfOverride, override)
	paths, err = searchPaths()
	if err != nil {
		t.Fatal(err)
	}
	if paths[len(paths)-1] != override {
		t.Fatalf("override must be read last: %v", paths)
	}
}

func TestLoadContainersConfEnv(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	writeFile(t, home, "containers/containers.conf", "[engine]\nstop_timeout = 7\n")
	only := writeFile(t, t.TempDir(), "only.conf", "[engine]\nruntime = \"crun\"\n")
	t.Setenv(EnvConf, only)
	t.Setenv(EnvConfOverride, "")

	paths, err := searchPaths()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(paths, []string{only}) {
		t.Fatalf("CONTAINERS_CONF must be the only file: %v", paths)
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Engine.Runtime != "crun" || c.Engine.StopTimeout != 10 {
		t.Fatalf("user file must be ignored under CONTAINERS_CONF: %+v", c.Engine)
	}

	override := writeFile(t, t.TempDir(), "override.conf", "[engine]\nstop_timeout = 42\n")
	t.Setenv(EnvConfOverride, override)
	c, err = Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Engine.Runtime != "crun" || c.Engine.StopTimeout != 42 {
		t.Fatalf("CONTAINERS_CONF_OVERRIDE must apply last: %+v", c.Engine)
	}

	t.Setenv(EnvConf, filepath.Join(home, "nope.conf"))
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "CONTAINERS_CONF file") {
		t.Fatalf("a missing CONTAINERS_CONF must be an error, got %v", err)
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
