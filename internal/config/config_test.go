package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
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

// userHome points the user config at a fresh directory, and clears the
// variables that would bypass it. The user's main file, when it exists,
// is the only main file read (podman 5's rule), so the host's
// /usr/share/containers/containers.conf does not leak into the tests.
func userHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv(EnvConf, "")
	t.Setenv(EnvConfOverride, "")
	return filepath.Join(home, "containers")
}

func mustLoad(t *testing.T, modules ...string) *Config {
	t.Helper()
	c, err := Load(modules...)
	if err != nil {
		t.Fatal(err)
	}
	return c
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
	if got := c.VolumePathFor("/g"); got != "/g/volumes" {
		t.Fatalf("VolumePathFor = %q", got)
	}
}

// A file that sets nothing gives pier's defaults, not podman's where they
// differ on purpose (runtime, per-boot and static dirs).
func TestLoadEmptyKeepsPierDefaults(t *testing.T) {
	dir := userHome(t)
	writeFile(t, dir, "containers.conf", "")
	c := mustLoad(t)
	d := Default()
	if c.Engine.Runtime != "runc" || c.Engine.TmpDir != "" || c.Engine.StaticDir != "" || c.Engine.VolumePath != "" {
		t.Fatalf("podman's defaults leaked into pier's: %+v", c.Engine)
	}
	if !reflect.DeepEqual(c.Containers.Env, d.Containers.Env) ||
		!reflect.DeepEqual(c.Containers.DefaultCapabilities, d.Containers.DefaultCapabilities) ||
		!reflect.DeepEqual(c.Engine.MonitorPath, d.Engine.MonitorPath) ||
		c.Containers.Umask != "0022" || c.Containers.ReadOnly || !c.Containers.HTTPProxy || c.Engine.CgroupManager != "cgroupfs" || c.Engine.PullPolicy != "missing" {
		t.Fatalf("loaded defaults differ from Default(): %+v", c)
	}
	if c.Common == nil {
		t.Fatal("Common must hold podman's parse")
	}
}

func TestLoadKeys(t *testing.T) {
	dir := userHome(t)
	writeFile(t, dir, "containers.conf", `
[containers]
log_driver = "none"
log_size_max = 10000
default_ulimits = ["nofile=10:20"]
env = ["FOO=bar"]
env_host = true
default_capabilities = ["chown", "CAP_KILL"]
default_sysctls = ["net.ipv4.ping_group_range=0 1"]
umask = "0077"
read_only = true
http_proxy = false
[engine]
stop_timeout = 30
runtime = "crun"
tmp_dir = "/run/x"
static_dir = "/var/lib/x"
volume_path = "/var/lib/v"
events_logger = "none"
pull_policy = "ifnewer"
monitor_path = ["/opt/pier/pier-monitor"]
[engine.runtimes]
myrt = ["/opt/myrt"]
`)
	c := mustLoad(t)
	ct, en := c.Containers, c.Engine
	if ct.LogDriver != "none" || ct.LogSizeMax != 10000 || !ct.EnvHost || ct.Umask != "0077" || !ct.ReadOnly || ct.HTTPProxy {
		t.Fatalf("containers table not applied: %+v", ct)
	}
	if !reflect.DeepEqual(ct.DefaultUlimits, []string{"nofile=10:20"}) ||
		!reflect.DeepEqual(ct.Env, []string{"FOO=bar"}) ||
		!reflect.DeepEqual(ct.DefaultCapabilities, []string{"CAP_CHOWN", "CAP_KILL"}) ||
		!reflect.DeepEqual(ct.DefaultSysctls, []string{"net.ipv4.ping_group_range=0 1"}) {
		t.Fatalf("containers arrays not applied: %+v", ct)
	}
	if en.StopTimeout != 30 || en.Runtime != "crun" || en.TmpDir != "/run/x" || en.StaticDir != "/var/lib/x" ||
		en.VolumePath != "/var/lib/v" || en.EventsLogger != "none" || en.PullPolicy != "newer" {
		t.Fatalf("engine table not applied: %+v", en)
	}
	if !reflect.DeepEqual(en.MonitorPath, []string{"/opt/pier/pier-monitor"}) {
		t.Fatalf("pier's own key monitor_path not applied: %v", en.MonitorPath)
	}
	// [engine.runtimes] adds to the built-in table.
	if !reflect.DeepEqual(en.Runtimes["myrt"], []string{"/opt/myrt"}) || len(en.Runtimes["runc"]) == 0 {
		t.Fatalf("runtimes not merged: %v", en.Runtimes)
	}
}

// podman 5's order: one main file, then drop-ins sorted by name, then
// modules, then CONTAINERS_CONF_OVERRIDE; arrays may append.
func TestLoadOverrideOrder(t *testing.T) {
	dir := userHome(t)
	writeFile(t, dir, "containers.conf", "[engine]\nstop_timeout = 7\nmonitor_path = [\"/a\"]\n[containers]\nenv = [\"A=1\"]\n")
	writeFile(t, dir, "containers.conf.d/20-b.conf", "[engine]\nstop_timeout = 9\n")
	writeFile(t, dir, "containers.conf.d/10-a.conf", "[engine]\nstop_timeout = 8\nruntime = \"crun\"\nmonitor_path = [\"/b\"]\n")
	writeFile(t, dir, "containers.conf.d/ignored.txt", "garbage = = =")
	writeFile(t, dir, "containers.conf.d/30-env.conf", "[containers]\nenv = [\"B=2\", {append = true}]\n")
	c := mustLoad(t)
	if c.Engine.StopTimeout != 9 || c.Engine.Runtime != "crun" {
		t.Fatalf("drop-ins must apply in name order after the main file: %+v", c.Engine)
	}
	if !reflect.DeepEqual(c.Engine.MonitorPath, []string{"/b"}) {
		t.Fatalf("pier's own key must follow the same order: %v", c.Engine.MonitorPath)
	}
	if !reflect.DeepEqual(c.Containers.Env, []string{"A=1", "B=2"}) {
		t.Fatalf("append=true must add to the array: %v", c.Containers.Env)
	}

	mod := writeFile(t, dir, "containers.conf.modules/fast.conf", "[engine]\nstop_timeout = 3\n")
	if c := mustLoad(t, "fast.conf"); c.Engine.StopTimeout != 3 {
		t.Fatalf("module must apply after drop-ins: %d", c.Engine.StopTimeout)
	}
	if c := mustLoad(t, mod); c.Engine.StopTimeout != 3 {
		t.Fatalf("module by path must apply: %d", c.Engine.StopTimeout)
	}
	if _, err := Load("nope.conf"); err == nil || !strings.Contains(err.Error(), "nope.conf") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("a missing module must be a one-line error naming it, got %q", err)
	}

	override := writeFile(t, t.TempDir(), "override.conf", "[engine]\nstop_timeout = 42\nmonitor_path = [\"/o\"]\n")
	t.Setenv(EnvConfOverride, override)
	c = mustLoad(t, "fast.conf")
	if c.Engine.StopTimeout != 42 || !reflect.DeepEqual(c.Engine.MonitorPath, []string{"/o"}) {
		t.Fatalf("CONTAINERS_CONF_OVERRIDE must apply last: %+v", c.Engine)
	}
}

func TestLoadContainersConfEnv(t *testing.T) {
	dir := userHome(t)
	writeFile(t, dir, "containers.conf", "[engine]\nstop_timeout = 7\n")
	writeFile(t, dir, "containers.conf.d/10-a.conf", "[engine]\nstop_timeout = 8\n")
	only := writeFile(t, t.TempDir(), "only.conf", "[engine]\nruntime = \"crun\"\n")
	t.Setenv(EnvConf, only)
	c := mustLoad(t)
	if c.Engine.Runtime != "crun" || c.Engine.StopTimeout != 10 {
		t.Fatalf("user file and drop-ins must be ignored under CONTAINERS_CONF: %+v", c.Engine)
	}

	override := writeFile(t, t.TempDir(), "override.conf", "[engine]\nstop_timeout = 42\n")
	t.Setenv(EnvConfOverride, override)
	c = mustLoad(t)
	if c.Engine.Runtime != "crun" || c.Engine.StopTimeout != 42 {
		t.Fatalf("CONTAINERS_CONF_OVERRIDE must apply last: %+v", c.Engine)
	}

	missing := filepath.Join(dir, "nope.conf")
	t.Setenv(EnvConf, missing)
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("a missing CONTAINERS_CONF must be an error naming it, got %v", err)
	}
	t.Setenv(EnvConf, only)
	t.Setenv(EnvConfOverride, missing)
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("a missing CONTAINERS_CONF_OVERRIDE must be an error naming it, got %v", err)
	}
}

func TestLoadMalformed(t *testing.T) {
	for name, content := range map[string]string{
		"syntax":    "[engine]\nstop_timeout = = 3\n",
		"type":      "[engine]\nstop_timeout = \"ten\"\n",
		"own key":   "[engine]\nmonitor_path = 3\n",
		"unclosed":  "[containers\n",
		"bad value": "[containers]\numask = \"999\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := userHome(t)
			p := writeFile(t, dir, "containers.conf", content)
			_, err := Load()
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Fatalf("error must be one line: %q", msg)
			}
			if name != "bad value" && (!strings.Contains(msg, p) || !strings.Contains(msg, "line ")) {
				t.Fatalf("error must name file and line: %q", msg)
			}
		})
	}
}

func TestLoadUnknownKeysIgnored(t *testing.T) {
	dir := userHome(t)
	writeFile(t, dir, "containers.conf", "[containers]\nnot_a_key = 1\n[nosuchtable]\nx = 1\n[engine]\nstop_timeout = 4\n")
	if c := mustLoad(t); c.Engine.StopTimeout != 4 {
		t.Fatalf("known keys beside unknown ones must apply: %d", c.Engine.StopTimeout)
	}
}

func TestLoadDoesNotAliasDefaults(t *testing.T) {
	dir := userHome(t)
	writeFile(t, dir, "containers.conf", "[engine.runtimes]\nrunc = [\"/x\"]\n")
	mustLoad(t)
	if slices.Contains(Default().Engine.Runtimes["runc"], "/x") {
		t.Fatal("Load must not change the built-in defaults")
	}
}

func TestBlankComments(t *testing.T) {
	in := "# c\n[engine]\n  # indented\nruntime = \"crun\" # trailing\n#last"
	want := "\n[engine]\n\nruntime = \"crun\" # trailing\n"
	if got := blankComments([]byte(in)); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}
