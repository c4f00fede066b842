package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// statusField returns the value of field (e.g. "CapEff") in the
// /proc/self/status text st.
func statusField(st, field string) string {
	for _, l := range strings.Split(st, "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// containers.conf keys change what the container's process gets.
func TestContainersConfProcessKeys(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf(`[containers]
default_capabilities = ["chown", "CAP_KILL"]
default_sysctls = ["net.ipv4.ping_group_range=0 1"]
env = ["FROM_CONF=yes", "PATH=/bin"]
umask = "0077"
`)
	st := p.MustRun("run", "--rm", Image, "cat", "/proc/self/status").Stdout
	// CAP_CHOWN is bit 0, CAP_KILL bit 5.
	for _, f := range []string{"CapEff", "CapPrm", "CapBnd"} {
		if got := statusField(st, f); got != "0000000000000021" {
			t.Errorf("%s = %q, want CHOWN+KILL only (0000000000000021)", f, got)
		}
	}
	if got := p.MustRun("run", "--rm", Image, "cat", "/proc/sys/net/ipv4/ping_group_range").Out(); got != "0\t1" {
		t.Errorf("default_sysctls not applied: ping_group_range = %q", got)
	}
	env := p.MustRun("run", "--rm", "-e", "FROM_USER=1", Image, "env").Stdout
	for _, want := range []string{"FROM_CONF=yes", "PATH=/bin", "FROM_USER=1", "TERM=xterm"} {
		if !strings.Contains(env, want+"\n") {
			t.Errorf("env lacks %s:\n%s", want, env)
		}
	}
	if got := p.MustRun("run", "--rm", Image, "sh", "-c", "umask").Out(); got != "0077" {
		t.Errorf("umask = %q, want 0077", got)
	}
	p.MustRun("create", "--name", "u", Image, "true")
	if got := p.Inspect("u", "{{.Config.Umask}}"); got != "0077" {
		t.Errorf("inspect Umask = %q, want 0077", got)
	}

	// The keys are fixed at create: a container made before the file
	// changed keeps them.
	p.WriteConf("")
	def := statusField(p.MustRun("run", "--rm", Image, "cat", "/proc/self/status").Stdout, "CapEff")
	if def != "00000000800405fb" {
		t.Errorf("podman's 11 default capabilities: CapEff = %q, want 00000000800405fb", def)
	}
	p.MustRun("create", "--name", "old-caps", Image, "cat", "/proc/self/status")
	p.WriteConf("[containers]\ndefault_capabilities = [\"KILL\"]\n")
	p.MustRun("start", "old-caps")
	p.MustRun("wait", "old-caps")
	if got := statusField(p.MustRun("logs", "old-caps").Stdout, "CapEff"); got != def {
		t.Errorf("create-time capabilities lost at start: CapEff = %q, want %q", got, def)
	}

	// Host networking keeps the host's net.* sysctls untouched.
	host := mustRead("/proc/sys/net/ipv4/ping_group_range")
	p.WriteConf("[containers]\ndefault_sysctls = [\"net.ipv4.ping_group_range=0 2\"]\n")
	p.MustRun("run", "--rm", "--network", "host", Image, "true")
	if after := mustRead("/proc/sys/net/ipv4/ping_group_range"); after != host {
		t.Errorf("host sysctl changed by a --network host container: %q -> %q", host, after)
	}
}

func TestContainersConfEnvHost(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[containers]\nenv_host = true\nenv = [\"C=from-conf\"]\n")
	p.Env = append(p.Env, "A_FROM_HOST=1")
	env := p.MustRun("run", "--rm", Image, "env").Stdout
	for _, want := range []string{"A_FROM_HOST=1", "C=from-conf"} {
		if !strings.Contains(env, want+"\n") {
			t.Errorf("env_host: env lacks %s:\n%s", want, env)
		}
	}
	if env := p.MustRun("run", "--rm", "--env-host=false", Image, "env").Stdout; strings.Contains(env, "A_FROM_HOST") {
		t.Errorf("--env-host=false must win over the file:\n%s", env)
	}
}

// tz, init, annotations and log_tag are the defaults of --tz, --init,
// --annotation and --log-opt tag=.
func TestContainersConfRunDefaults(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf(`[containers]
tz = "UTC"
annotations = ["from.conf=1", "both=conf"]
log_tag = "conftag"
`)
	p.MustRun("create", "--name", "d", "--annotation", "both=user", Image, "true")
	for format, want := range map[string]string{
		"{{.Config.Timezone}}":                      "UTC",
		`{{index .Config.Annotations "from.conf"}}`: "1",
		`{{index .Config.Annotations "both"}}`:      "user",
		"{{.HostConfig.LogConfig.Tag}}":             "conftag",
	} {
		if got := p.Inspect("d", format); got != want {
			t.Errorf("%s = %q, want %q", format, got, want)
		}
	}
	p.MustRun("create", "--name", "e", "--tz", "local", "--log-opt", "tag=mine", Image, "true")
	if got := p.Inspect("e", "{{.Config.Timezone}} {{.HostConfig.LogConfig.Tag}}"); got != "local mine" {
		t.Errorf("flags must win over the file: %q", got)
	}
	p.WriteConf("[containers]\ninit = true\ninit_path = \"/nonexistent/catatonit\"\n")
	r := p.Run("create", Image, "true")
	p.ExpectEngineError(r, "/nonexistent/catatonit")
}

// expectConfError checks podman's failure for a containers.conf it cannot
// read: exit 1 and one bare line naming what is wrong.
func expectConfError(t *testing.T, r Result, wants ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	if r.ExitCode != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "Failed to obtain pier configuration: ") {
		t.Errorf("want exit 1 and one line \"Failed to obtain pier configuration: ...\": %s", r)
	}
	for _, w := range wants {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("stderr should mention %q: %s", w, r)
		}
	}
}

// A bad file or value is one line naming the file, and nothing is created.
func TestContainersConfErrors(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[engine]\nstop_timeout = = 3\n")
	r := p.Run("run", "--rm", Image, "true")
	expectConfError(t, r, p.ConfPath, "line 2")
	p.WriteConf("[containers]\ndefault_sysctls = [\"kernel.panic=1\"]\n")
	r = p.Run("run", "--rm", Image, "true")
	p.ExpectEngineError(r, "sysctl 'kernel.panic' is not allowed")
	p.WriteConf("")
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("nothing should have been created: %v", ids)
	}
}

// Drop-ins and CONTAINERS_CONF_OVERRIDE apply in podman's order.
func TestContainersConfFileOrder(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	conf := filepath.Join(p.Home, ".config", "containers")
	write := func(name, content string) string {
		path := filepath.Join(conf, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Without CONTAINERS_CONF the user's files are read.
	p.ConfPath = write("containers.conf", "[engine]\nstop_timeout = 7\n")
	write("containers.conf.d/10-a.conf", "[engine]\nstop_timeout = 8\n")
	p.Env = append(p.Env, "CONTAINERS_CONF=")
	p.MustRun("create", "--name", "a", Image, "true")
	if got := p.Inspect("a", "{{.Config.StopTimeout}}"); got != "8" {
		t.Errorf("drop-in must override the main file: StopTimeout %q", got)
	}
	override := write("override.conf", "[engine]\nstop_timeout = 9\n")
	p.Env = append(p.Env, "CONTAINERS_CONF_OVERRIDE="+override)
	p.MustRun("create", "--name", "b", Image, "true")
	if got := p.Inspect("b", "{{.Config.StopTimeout}}"); got != "9" {
		t.Errorf("CONTAINERS_CONF_OVERRIDE must win: StopTimeout %q", got)
	}
}

// pull_policy is --pull's default: "never" fails on a missing image
// without trying a registry.
func TestContainersConfPullPolicy(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[engine]\npull_policy = \"never\"\n")
	r := p.Run("run", "--rm", "127.0.0.1:1/none:latest", "true")
	p.ExpectEngineError(r, "image not known")
	if strings.Contains(r.Stderr, "Trying to pull") {
		t.Errorf("pull_policy=never must not pull: %s", r)
	}
}

// --module loads a containers.conf module after the main file.
func TestContainersConfModule(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[engine]\nstop_timeout = 7\n")
	mod := filepath.Join(p.Dir, "fast.conf")
	if err := os.WriteFile(mod, []byte("[engine]\nstop_timeout = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.MustRun("--module", mod, "create", "--name", "m", Image, "true")
	if got := p.Inspect("m", "{{.Config.StopTimeout}}"); got != "2" {
		t.Errorf("--module must override the main file: StopTimeout %q", got)
	}
	vol := filepath.Join(p.Dir, "vols")
	if err := os.WriteFile(mod, []byte("[engine]\nvolume_path = \""+vol+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := p.MustRun("--module", mod, "info", "--format", "{{.Store.VolumePath}}").Out(); got != vol {
		t.Errorf("volume_path: info says %q, want %q", got, vol)
	}
	r := p.Run("--module", "nosuch.conf", "ps")
	expectConfError(t, r, "nosuch.conf")
}

// read_only and http_proxy are the defaults of --read-only and
// --http-proxy; the flags still win.
func TestContainersConfFlagDefaults(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.Env = append(p.Env, "http_proxy=http://proxy.invalid:3128")
	p.WriteConf("[containers]\nread_only = true\nhttp_proxy = false\n")
	if r := p.Run("run", "--rm", Image, "touch", "/x"); r.ExitCode == 0 {
		t.Errorf("read_only = true: the root filesystem was writable: %s", r)
	}
	p.MustRun("run", "--rm", "--read-only=false", Image, "touch", "/x")
	if env := p.MustRun("run", "--rm", Image, "env").Stdout; strings.Contains(env, "proxy.invalid") {
		t.Errorf("http_proxy = false: proxy variables passed:\n%s", env)
	}
	if env := p.MustRun("run", "--rm", "--http-proxy", Image, "env").Stdout; !strings.Contains(env, "http_proxy=http://proxy.invalid:3128") {
		t.Errorf("--http-proxy must win over the file:\n%s", env)
	}
}

// pids_limit, shm_size and oom_score_adj shape the container's cgroup,
// /dev/shm and OOM score; cgroup_manager other than cgroupfs is refused.
func TestContainersConfResources(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	const probe = `cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; df -k /dev/shm | tail -1 | awk '{print $2}'; cat /proc/self/oom_score_adj`
	host := strings.TrimSpace(mustRead("/proc/self/oom_score_adj"))
	if got := p.MustRun("run", "--rm", Image, "sh", "-c", probe).Lines(); strings.Join(got, " ") != "2048 64000 "+host {
		t.Errorf("podman's defaults (pids 2048, /dev/shm 64000 KiB, OOM score unchanged %s): got %q", host, got)
	}
	p.WriteConf("[containers]\npids_limit = 100\nshm_size = \"4096k\"\noom_score_adj = 200\n")
	if got := p.MustRun("run", "--rm", Image, "sh", "-c", probe).Lines(); strings.Join(got, " ") != "100 4000 200" {
		t.Errorf("pids_limit=100 shm_size=4096k oom_score_adj=200: got %q", got)
	}
	p.MustRun("create", "--name", "r", Image, "true")
	if got := p.Inspect("r", "{{.HostConfig.PidsLimit}} {{.HostConfig.ShmSize}} {{.HostConfig.OomScoreAdj}}"); got != "100 4096000 200" {
		t.Errorf("inspect: %q", got)
	}
	p.WriteConf("[engine]\ncgroup_manager = \"systemd\"\n")
	p.ExpectEngineError(p.Run("create", Image, "true"), `cgroup_manager "systemd" is not supported`)
	p.MustRun("ps", "-a")
}

// container_name_as_hostname: the name, without underscores, is the
// hostname unless --hostname is given.
func TestContainersConfNameAsHostname(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[containers]\ncontainer_name_as_hostname = true\n")
	if got := p.MustRun("run", "--rm", "--name", "my_ctr.x", Image, "hostname").Out(); got != "myctr.x" {
		t.Errorf("hostname = %q, want myctr.x", got)
	}
	if got := p.MustRun("run", "--rm", "--name", "n2", "--hostname", "given", Image, "hostname").Out(); got != "given" {
		t.Errorf("--hostname must win: %q", got)
	}
	r := p.MustRun("run", "-d", Image, "hostname")
	id := r.Out()
	p.MustRun("wait", id)
	if got, name := p.MustRun("logs", id).Out(), p.Inspect(id, "{{.Name}}"); got != strings.ReplaceAll(name, "_", "") {
		t.Errorf("a generated name is the hostname too: hostname %q, name %q", got, name)
	}
}

// [engine] env sets pier's own environment, as podman's: here a proxy
// variable that --http-proxy then passes to the container.
func TestContainersConfEngineEnv(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[engine]\nenv = [\"https_proxy=http://engine.invalid:1\"]\n")
	if env := p.MustRun("run", "--rm", Image, "env").Stdout; !strings.Contains(env, "https_proxy=http://engine.invalid:1\n") {
		t.Errorf("[engine] env not in pier's environment:\n%s", env)
	}
}

// seccomp_profile (and --security-opt seccomp=FILE) load a profile file;
// a missing file fails at create.
func TestContainersConfSeccompProfile(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	prof := filepath.Join(p.Dir, "no-mkdir.json")
	body := `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`
	if err := os.WriteFile(prof, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p.MustRun("run", "--rm", Image, "mkdir", "/tmp/ok")
	p.WriteConf("[containers]\nseccomp_profile = \"" + prof + "\"\n")
	r := p.Run("run", "--rm", Image, "mkdir", "/tmp/denied")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Operation not permitted") {
		t.Errorf("seccomp_profile denying mkdir not applied: %s", r)
	}
	p.MustRun("run", "--rm", "--security-opt", "seccomp=unconfined", Image, "mkdir", "/tmp/ok")
	p.WriteConf("")
	if r := p.Run("run", "--rm", "--security-opt", "seccomp="+prof, Image, "mkdir", "/tmp/denied"); r.ExitCode == 0 {
		t.Errorf("--security-opt seccomp=FILE not applied: %s", r)
	}
	p.ExpectEngineError(p.Run("create", "--security-opt", "seccomp=/nonexistent/profile.json", Image, "true"), "/nonexistent/profile.json")
}

// log_path puts k8s-file logs in <log_path>/<id>/ctr.log.
func TestContainersConfLogPath(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := filepath.Join(p.Dir, "logs")
	p.WriteConf("[containers]\nlog_path = \"" + dir + "\"\n")
	id := p.MustRun("run", "-d", Image, "echo", "to-log-path").Out()
	p.MustRun("wait", id)
	want := filepath.Join(dir, id, "ctr.log")
	if got := p.Inspect(id, "{{.HostConfig.LogConfig.Path}}"); got != want {
		t.Errorf("log path %q, want %q", got, want)
	}
	if log := mustRead(want); !strings.Contains(log, "to-log-path") {
		t.Errorf("%s lacks the output: %q", want, log)
	}
	if got := p.MustRun("logs", id).Out(); got != "to-log-path" {
		t.Errorf("logs: %q", got)
	}
}

// volumes are mounts every container gets (bind mounts or named volumes);
// the user's -v on the same destination wins.
func TestContainersConfVolumes(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	a, b := filepath.Join(p.Dir, "va"), filepath.Join(p.Dir, "vb")
	for dir, content := range map[string]string{a: "from-conf", b: "from-user"} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p.WriteConf("[containers]\nvolumes = [\"" + a + ":/data:ro\"]\n")
	if got := p.MustRun("run", "--rm", Image, "cat", "/data/f").Out(); got != "from-conf" {
		t.Errorf("volume from containers.conf: %q", got)
	}
	if r := p.Run("run", "--rm", Image, "touch", "/data/g"); r.ExitCode == 0 {
		t.Errorf("the file's :ro was not applied: %s", r)
	}
	if got := p.MustRun("run", "--rm", "-v", b+":/data", Image, "cat", "/data/f").Out(); got != "from-user" {
		t.Errorf("-v must replace the file's volume on the same destination: %q", got)
	}
	// A source that is not a path names a volume, as in podman: created on use.
	p.WriteConf("[containers]\nvolumes = [\"confvol:/data\"]\n")
	if got := p.MustRun("run", "--rm", Image, "sh", "-c", "echo kept > /data/k").Out(); got != "" {
		t.Errorf("run with the file's named volume: %q", got)
	}
	if got := p.MustRun("run", "--rm", Image, "cat", "/data/k").Out(); got != "kept" {
		t.Errorf("the file's named volume does not persist: %q", got)
	}
	p.MustRun("volume", "rm", "confvol")
}

// containers.conf env is a default: --unsetenv and --unsetenv-all drop it;
// the container gets container=podman, as podman's do.
func TestContainersConfEnvUnset(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[containers]\nenv = [\"FROM_CONF=1\", \"OTHER=2\"]\n")
	env := p.MustRun("run", "--rm", "--unsetenv", "FROM_CONF", Image, "env").Stdout
	if strings.Contains(env, "FROM_CONF=") || !strings.Contains(env, "OTHER=2\n") || !strings.Contains(env, "container=podman\n") {
		t.Errorf("--unsetenv FROM_CONF:\n%s", env)
	}
	if env := p.MustRun("run", "--rm", "--unsetenv-all", Image, "/bin/env").Stdout; strings.Contains(env, "OTHER=") {
		t.Errorf("--unsetenv-all left containers.conf's env:\n%s", env)
	}
}
