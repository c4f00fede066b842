package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// run/create flags that shape how a container runs and which files pier
// writes for the user, each checked by its effect (podman 5 is the
// reference for texts and stored values).

func TestRunReplace(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.ExpectEngineError(p.Run("create", "--replace", Image, "true"), "cannot replace container without --name being set")

	old := p.MustRun("run", "-d", "--name", "web", "--stop-timeout", "1", Image, "sleep", "300").Out()
	// An ID prefix equal to the name is not the named container.
	other := p.MustRun("create", "--name", old[:12], Image, "true").Out()
	id := p.MustRun("run", "-d", "--replace", "--name", "web", Image, "sleep", "300").Out()
	if id == old || len(id) != 64 {
		t.Fatalf("replace must create a new container: old %s new %s", old, id)
	}
	ids := strings.Join(p.PsIDs(), " ")
	if strings.Contains(ids, old) || !strings.Contains(ids, id) || !strings.Contains(ids, other) {
		t.Errorf("after --replace want %s and %s, not %s: %s", id, other, old, ids)
	}
	if st := p.Status("web"); st != "running" {
		t.Errorf("replacement status %q", st)
	}
	// Without --replace the name stays taken.
	r := p.Run("create", "--name", "web", Image, "true")
	p.ExpectEngineError(r, `Error: creating container storage: the container name "web" is already in use by `+id+
		`. You have to remove that container to be able to reuse that name: that name is already in use, or use --replace to instruct Podman to do so.`)
	// Replacing a name nobody holds just creates.
	p.MustRun("create", "--replace", "--name", "fresh", Image, "true")
}

func TestRunCidfile(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	cidfile := filepath.Join(p.WorkDir(), "cid")
	id := p.MustRun("run", "-d", "--name", "c1", "--cidfile", cidfile, Image, "sleep", "300").Out()
	if b, _ := os.ReadFile(cidfile); string(b) != id {
		t.Errorf("cidfile holds %q, want %q", b, id)
	}
	if got := p.Inspect("c1", "{{.HostConfig.ContainerIDFile}} {{index .Config.Annotations \"io.podman.annotations.cid-file\"}}"); got != cidfile+" "+cidfile {
		t.Errorf("inspect: %q", got)
	}
	// podman 5 overwrites an existing file.
	id2 := p.MustRun("create", "--cidfile", cidfile, Image, "true").Out()
	if b, _ := os.ReadFile(cidfile); string(b) != id2 {
		t.Errorf("cidfile holds %q, want the second ID %q", b, id2)
	}
	// Removing a container removes its cidfile, whatever it holds now.
	p.MustRun("rm", "-f", "-t", "0", "c1")
	if _, err := os.Stat(cidfile); !os.IsNotExist(err) {
		t.Errorf("cidfile should go with the container: %v", err)
	}
	// A cidfile that cannot be written leaves no container behind.
	before := len(p.PsIDs())
	r := p.Run("create", "--cidfile", filepath.Join(p.WorkDir(), "no", "such", "cid"), Image, "true")
	p.ExpectEngineError(r, "creating idfile: open ", "no such file or directory")
	if after := len(p.PsIDs()); after != before {
		t.Errorf("a failed create left a container: %d -> %d", before, after)
	}
	// Relative paths are the user's working directory's.
	p.MustRun("create", "--name", "rel", "--cidfile", "rel.cid", Image, "true")
	if _, err := os.Stat(filepath.Join(p.Dir, "rel.cid")); err != nil {
		t.Errorf("relative cidfile: %v", err)
	}
}

func TestRunPidFiles(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := p.WorkDir()
	mon, ctr := filepath.Join(dir, "conmon.pid"), filepath.Join(dir, "ctr.pid")
	p.MustRun("run", "-d", "--name", "pf", "--conmon-pidfile", mon, "--pidfile", ctr, Image, "sleep", "300")
	want := p.Inspect("pf", "{{.State.ConmonPid}} {{.State.Pid}} {{.ConmonPidFile}} {{.PidFile}}")
	bm, _ := os.ReadFile(mon)
	bc, _ := os.ReadFile(ctr)
	if got := string(bm) + " " + string(bc) + " " + mon + " " + ctr; got != want {
		t.Errorf("pid files %q, inspect %q", got, want)
	}
	// The monitor's PID really is the monitor.
	exe, _ := os.Readlink("/proc/" + string(bm) + "/exe")
	if filepath.Base(exe) != "pier-monitor" {
		t.Errorf("conmon pidfile names %s", exe)
	}
	// Defaults point into the run dir; the files stay after rm, as podman's.
	p.MustRun("create", "--name", "d", Image, "true")
	if got := p.Inspect("d", "{{.PidFile}} {{.ConmonPidFile}}"); !strings.HasSuffix(strings.Fields(got)[0], "/pidfile") ||
		!strings.HasSuffix(strings.Fields(got)[1], "/monitor.pid") {
		t.Errorf("default pid files %q", got)
	}
	p.MustRun("rm", "-f", "-t", "0", "pf")
	for _, f := range []string{mon, ctr} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s should stay: %v", f, err)
		}
	}
}

func TestRunTimezone(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	// The reference time of podman's test: 2020-09-13 12:26:40 UTC.
	const at = "@1600000000"
	r := p.MustRun("run", "--rm", "--tz=Iceland", "--tz=MST7MDT", Image, "date", "-d", at)
	if got := r.Out(); got != "Sun Sep 13 06:26:40 MDT 2020" {
		t.Errorf("--tz=MST7MDT (last one wins): %q", got)
	}
	if got := p.MustRun("run", "--rm", Image, "date", "-d", at).Out(); got != "Sun Sep 13 12:26:40 UTC 2020" {
		t.Errorf("no --tz: %q", got)
	}
	// local: the host's /etc/localtime, whatever $TZ says.
	host, err := os.ReadFile("/etc/localtime")
	if err != nil {
		t.Skip("host has no /etc/localtime")
	}
	r = p.RunWith(RunOpts{Env: []string{"TZ=Pacific/Chatham"}}, "run", "--rm", "--tz=local", Image, "cat", "/etc/localtime")
	if r.ExitCode != 0 || !bytes.Equal([]byte(r.Stdout), host) {
		t.Errorf("--tz=local should give the host's zone file: %s", r)
	}
	p.MustRun("create", "--name", "tz", "--tz", "Iceland", Image, "true")
	if got := p.Inspect("tz", "{{.Config.Timezone}}"); got != "Iceland" {
		t.Errorf("inspect Timezone %q", got)
	}
	p.ExpectEngineError(p.Run("create", "--tz", "Bogus/Zone", Image, "true"),
		"running container create option: finding timezone: unknown time zone Bogus/Zone")
	p.ExpectEngineError(p.Run("create", "--tz", "../../etc/passwd", Image, "true"), "time: invalid location name")
}

func TestRunPreserveFDs(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := p.WorkDir()
	files := make([]*os.File, 2)
	for i := range files {
		path := filepath.Join(dir, "fd"+strconv.Itoa(i+3))
		os.WriteFile(path, []byte("content of fd "+strconv.Itoa(i+3)+"\n"), 0o644)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files[i] = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := p.Command(ctx, RunOpts{}, "run", "--rm", "--preserve-fds=2", Image, "sh", "-c", "cat <&3; cat <&4")
	cmd.ExtraFiles = files
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "content of fd 3\ncontent of fd 4\n" {
		t.Errorf("preserved fds: %v %q", err, out)
	}
	// Without them the run is refused before anything is created.
	r := p.Run("run", "--rm", "--preserve-fds=2", Image, "true")
	p.ExpectEngineError(r, "file descriptor 3 is not available - the preserve-fds option requires that file descriptors must be passed")
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("refused run left %v", ids)
	}
}

func TestRunRestartPolicy(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	for flag, want := range map[string]string{
		"":               "no 0",
		"no":             "no 0",
		"never":          "no 0",
		"always":         "always 0",
		"unless-stopped": "unless-stopped 0",
		"on-failure":     "on-failure 0",
		"on-failure:3":   "on-failure 3",
	} {
		id := p.MustRun("create", "--restart="+flag, Image, "true").Out()
		if got := p.Inspect(id, "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}"); got != want {
			t.Errorf("--restart=%q: %q, want %q", flag, got, want)
		}
	}
	for flag, msg := range map[string]string{
		"bogus":         `running container create option: "bogus" is not a valid restart policy: invalid argument`,
		"on-failure:x":  `parsing restart policy retry count: strconv.Atoi: parsing "x": invalid syntax`,
		"always:3":      "restart policy retries can only be specified with on-failure restart policy",
		"on-failure:-1": "must specify restart policy retry count as a number greater than 0",
	} {
		p.ExpectEngineError(p.Run("create", "--restart="+flag, Image, "true"), msg)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--restart=always", Image, "true"),
		`the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"`)
	p.MustRun("run", "--rm", "--restart=no", Image, "true")
}

func TestRunRmi(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	const solo = "localhost/solo:latest"
	importSolo := func() { p.MustRun("import", imageTar, solo) }
	exists := func() bool { return p.Run("image", "exists", solo).ExitCode == 0 }

	importSolo()
	p.MustRun("run", "--rmi", solo, "true")
	if exists() || len(p.PsIDs()) != 0 {
		t.Errorf("run --rmi must remove the container and the image (implies --rm)")
	}
	// Another container on the image keeps it, with podman's warning.
	importSolo()
	p.MustRun("create", "--name", "keep", solo, "true")
	r := p.MustRun("run", "--rmi", "--rm", solo, "true")
	if !exists() || !strings.Contains(r.Stderr, "Failed to remove image") {
		t.Errorf("an image in use stays, with a warning: %s", r)
	}
	p.MustRun("rm", "keep")
	p.ExpectEngineError(p.Run("run", "--rmi", "--rm=false", solo, "true"), "the --rmi option does not work without --rm")
	// Detached: the cleanup after the exit removes both.
	p.MustRun("run", "-d", "--rmi", solo, "true")
	if !eventually(20*time.Second, func() bool { return !exists() }) {
		t.Errorf("detached --rmi left the image")
	}
}

func TestRunInit(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.MustRun("run", "--rm", "--init", Image, "cat", "/proc/1/cmdline")
	if got := strings.ReplaceAll(r.Stdout, "\x00", " "); got != "/run/podman-init -- cat /proc/1/cmdline " {
		t.Errorf("PID 1 should be the init: %q", got)
	}
	p.MustRun("create", "--name", "i", "--init", Image, "sleep", "1")
	if got := p.Inspect("i", "{{.Path}} {{.Args}} {{.HostConfig.Init}}"); got != "/run/podman-init [-- sleep 1] true" {
		t.Errorf("inspect: %q", got)
	}
	r = p.Run("create", "--init", "--init-path", "/nonexistent/init", Image, "true")
	p.ExpectEngineError(r, "container-init binary not found on the host")
}

func TestRunEnvHost(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.RunWith(RunOpts{Env: []string{"PIER_FROM_HOST=yes", "PIER_BOTH=host"}},
		"run", "--rm", "--env-host", "-e", "PIER_BOTH=flag", Image, "env")
	if !strings.Contains(r.Stdout, "PIER_FROM_HOST=yes\n") || !strings.Contains(r.Stdout, "PIER_BOTH=flag\n") {
		t.Errorf("--env-host: %s", r)
	}
	r = p.RunWith(RunOpts{Env: []string{"PIER_FROM_HOST=yes"}}, "run", "--rm", Image, "env")
	if strings.Contains(r.Stdout, "PIER_FROM_HOST") {
		t.Errorf("without --env-host the host's variables stay out: %s", r)
	}
}

func TestRunAnnotations(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("run", "-d", "--rm", "--annotation", "a=b=c", "--annotation", "x=1", Image, "sleep", "300").Out()
	var ann map[string]string
	json.Unmarshal([]byte(p.Inspect(id, "{{json .HostConfig.Annotations}}")), &ann)
	if ann["a"] != "b=c" || ann["x"] != "1" || ann["io.podman.annotations.autoremove"] != "TRUE" {
		t.Errorf("annotations %v", ann)
	}
	// They reach the runtime's spec.
	var s struct{ Annotations map[string]string }
	b, _ := os.ReadFile(p.Inspect(id, "{{.OCIConfigPath}}"))
	json.Unmarshal(b, &s)
	if s.Annotations["a"] != "b=c" {
		t.Errorf("spec annotations %v", s.Annotations)
	}
	p.ExpectEngineError(p.Run("create", "--annotation", "novalue", Image, "true"), "annotations must be formatted KEY=VALUE")
}

func TestRunLogOpts(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	for opt, want := range map[string]string{
		"max-size=1.5m": "1.5MB",
		"max-size=100k": "100kB",
		"max-size=0":    "-1B",
		"tag=abc":       "-1B abc",
	} {
		id := p.MustRun("create", "--log-opt", opt, Image, "true").Out()
		got := p.Inspect(id, "{{.HostConfig.LogConfig.Size}} {{.HostConfig.LogConfig.Tag}}")
		if strings.TrimSpace(got) != want {
			t.Errorf("--log-opt %s: %q, want %q", opt, got, want)
		}
	}
	path := filepath.Join(p.WorkDir(), "ctr.log")
	p.MustRun("run", "--name", "lp", "--log-opt", "path="+path, Image, "echo", "to the log")
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), " stdout F to the log") {
		t.Errorf("log at --log-opt path: %q", b)
	}
	if got := p.Inspect("lp", "{{.HostConfig.LogConfig.Path}}"); got != path {
		t.Errorf("inspect log path %q", got)
	}
	if got := p.MustRun("logs", "lp").Out(); got != "to the log" {
		t.Errorf("logs from --log-opt path: %q", got)
	}
	// max-size caps the file.
	small := filepath.Join(p.WorkDir(), "small.log")
	p.MustRun("run", "--rm", "--log-opt", "path="+small, "--log-opt", "max-size=1k", Image,
		"sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line $i; i=$((i+1)); done")
	if fi, err := os.Stat(small); err != nil || fi.Size() > 1000 {
		t.Errorf("max-size=1k: %v %v", fi, err)
	}
	p.ExpectEngineError(p.Run("create", "--log-opt", "max-size=bogus", Image, "true"), "invalid size: 'bogus'")
	p.ExpectEngineError(p.Run("create", "--log-opt", "nokey", Image, "true"), `invalid log option "nokey"`)
}

// containers.conf's tz, init and init_path are the flags' defaults.
func TestRunConfDefaults(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[containers]\ntz = \"Iceland\"\ninit = true\ninit_path = \"/usr/bin/catatonit\"\n")
	p.MustRun("create", "--name", "c", Image, "true")
	if got := p.Inspect("c", "{{.Config.Timezone}} {{.HostConfig.Init}} {{.Path}}"); got != "Iceland true /run/podman-init" {
		t.Errorf("defaults from containers.conf: %q", got)
	}
	p.MustRun("create", "--name", "o", "--tz", "local", "--init=false", Image, "true")
	if got := p.Inspect("o", "{{.Config.Timezone}} {{.HostConfig.Init}} {{.Path}}"); got != "local false true" {
		t.Errorf("flags over containers.conf: %q", got)
	}
	if _, err := os.Stat("/usr/bin/catatonit"); err == nil {
		r := p.MustRun("run", "--rm", Image, "cat", "/proc/1/cmdline")
		if !strings.HasPrefix(r.Stdout, "/run/podman-init\x00") {
			t.Errorf("init from containers.conf: %q", r.Stdout)
		}
	}
}

// Memory limits are the resources the typed request carries so far.
func TestRunMemory(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	if _, err := os.Stat("/sys/fs/cgroup/memory"); err == nil {
		r := p.MustRun("run", "--rm", "--memory=100m", Image, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
		if r.Out() != "104857600" {
			t.Errorf("memory limit in the cgroup: %s", r)
		}
	}
	if r := p.MustRun("run", "--rm", "--memory=0", Image, "echo", "hello"); r.Out() != "hello" {
		t.Errorf("--memory=0 is no limit: %s", r)
	}
	p.MustRun("create", "--name", "a", "--memory=100m", Image, "true")
	p.MustRun("create", "--name", "b", "--memory=100m", "--memory-swap=300m", "--memory-reservation=50m", Image, "true")
	p.MustRun("create", "--name", "c", "--memory=100m", "--memory-swap=-1", Image, "true")
	const f = "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}}"
	for name, want := range map[string]string{
		"a": "104857600 209715200 0", // swap defaults to twice the limit
		"b": "104857600 314572800 52428800",
		"c": "104857600 0 0",
	} {
		if got := p.Inspect(name, f); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	p.ExpectEngineError(p.Run("create", "--memory=bogus", Image, "true"), "invalid value for memory: invalid size: 'bogus'")
	p.ExpectEngineError(p.Run("create", "--memory-swap=50m", Image, "true"), "you should always set a memory limit when using a memoryswap limit, see usage")
	p.ExpectEngineError(p.Run("create", "--memory=100m", "--memory-swap=50m", Image, "true"), "minimum memoryswap limit should be larger than memory limit, see usage")
	r := p.MustRun("run", "--rm", "--kernel-memory", "100", Image, "true")
	if !strings.Contains(r.Stderr, "The --kernel-memory flag is no longer supported. This flag is a noop.") {
		t.Errorf("--kernel-memory warns: %s", r)
	}
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.Run("run", "--name", "to", "--timeout", "2", Image, "sleep", "60")
	if r.ExitCode != 255 || r.Duration > 20*time.Second {
		t.Errorf("--timeout 2 should kill the container with exit -1 (255): %s", r)
	}
	if got := p.Inspect("to", "{{.State.Status}} {{.State.ExitCode}} {{.Config.Timeout}}"); got != "exited -1 2" {
		t.Errorf("inspect: %q", got)
	}
	// A container that ends in time keeps its own code.
	if r := p.Run("run", "--rm", "--timeout", "30", Image, "sh", "-c", "exit 3"); r.ExitCode != 3 {
		t.Errorf("exit before the timeout: %s", r)
	}
}

// inspect shows the image's digest and the runtime as the user named it.
func TestRunInspectDigestRuntime(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "d", Image, "true")
	want := p.MustRun("image", "inspect", "--format", "{{.Digest}}", Image).Out()
	if got := p.Inspect("d", "{{.ImageDigest}}"); got != want || !strings.HasPrefix(got, "sha256:") {
		t.Errorf("ImageDigest %q, image's %q", got, want)
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("no runc in PATH")
	}
	path := filepath.Join(p.WorkDir(), "myruntime")
	b, _ := os.ReadFile(runc)
	os.WriteFile(path, b, 0o755)
	p.MustRun("run", "--name", "r", "--runtime", path, Image, "true")
	if got := p.Inspect("r", "{{.OCIRuntime}}"); got != path {
		t.Errorf("OCIRuntime %q, want the full path %q", got, path)
	}
}

func TestRunSecurityOpt(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	status := func(args ...string) string {
		r := p.MustRun(append(append([]string{"run", "--rm"}, args...), Image, "grep", "-E", "^(Seccomp|NoNewPrivs):", "/proc/self/status")...)
		return strings.Join(strings.Fields(r.Stdout), " ")
	}
	if got := status(); got != "NoNewPrivs: 0 Seccomp: 2" {
		t.Errorf("defaults: %q", got)
	}
	for _, o := range []string{"no-new-privileges", "no-new-privileges=true", "no-new-privileges:true"} {
		if got := status("--security-opt", o); got != "NoNewPrivs: 1 Seccomp: 2" {
			t.Errorf("%s: %q", o, got)
		}
	}
	if got := status("--security-opt", "no-new-privileges=false"); got != "NoNewPrivs: 0 Seccomp: 2" {
		t.Errorf("no-new-privileges=false: %q", got)
	}
	if got := status("--security-opt", "seccomp=unconfined"); got != "NoNewPrivs: 0 Seccomp: 0" {
		t.Errorf("seccomp=unconfined: %q", got)
	}
	p.MustRun("create", "--name", "s", "--security-opt", "label=disable", "--security-opt", "seccomp=unconfined",
		"--security-opt", "no-new-privileges", Image, "true")
	if got := p.Inspect("s", "{{json .HostConfig.SecurityOpt}}"); got != `["label=disable","seccomp=unconfined","no-new-privileges"]` {
		t.Errorf("inspect SecurityOpt %s", got)
	}
	p.ExpectEngineError(p.Run("create", "--security-opt", "bogus", Image, "true"), `invalid --security-opt 1: "bogus"`)
	p.ExpectEngineError(p.Run("create", "--security-opt", "no-new-privileges=maybe", Image, "true"), `invalid --security-opt 2: "no-new-privileges=maybe"`)
	// apparmor is security_opt_proc_test.go's.
}

// podman run exits 126 when the OCI runtime refuses the container; start
// keeps 125.
func TestRunRuntimeFailureExitCode(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	for _, args := range [][]string{{"run", "--rm", Image, "true"}, {"run", "-d", Image, "true"}} {
		r := p.Run(append([]string{"--runtime-flag", "invalidflag"}, args...)...)
		if r.ExitCode != 126 || !strings.Contains(r.Stderr, "invalidflag") {
			t.Errorf("want 126 naming the flag: %s", r)
		}
	}
	p.MustRun("create", "--name", "s", Image, "true")
	if r := p.Run("--runtime-flag", "invalidflag", "start", "s"); r.ExitCode != 125 {
		t.Errorf("start keeps 125: %s", r)
	}
}

func TestRunAttach(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	const script = "echo out; echo err >&2; exit 3"
	r := p.Run("run", "--rm", "--attach", "stderr", Image, "sh", "-c", script)
	if r.ExitCode != 3 || r.Stdout != "" || r.Stderr != "err\n" {
		t.Errorf("--attach stderr: %s", r)
	}
	r = p.Run("run", "--rm", "-a", "stdout", Image, "sh", "-c", script)
	if r.ExitCode != 3 || r.Stdout != "out\n" || r.Stderr != "" {
		t.Errorf("-a stdout: %s", r)
	}
	// No output attached: the ID is printed, the output goes to the log.
	r = p.MustRun("run", "--name", "in", "--attach", "stdin", Image, "echo", "hello")
	if id := p.Inspect("in", "{{.Id}}"); r.Out() != id {
		t.Errorf("--attach stdin should print the ID %s: %s", id, r)
	}
	if got := p.MustRun("logs", "in").Out(); got != "hello" {
		t.Errorf("logs %q", got)
	}
	r = p.RunWith(RunOpts{Stdin: strings.NewReader("typed\n")}, "run", "--rm", "-i", "-a", "stdout", Image, "cat")
	if r.Stdout != "typed\n" {
		t.Errorf("-i -a stdout: %s", r)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "-a", "bogus", Image, "true"),
		`invalid stream "bogus" for --attach - must be one of stdin, stdout, or stderr`)
}

// A container run with --preserve-fds starts again later without them.
func TestRunPreserveFDsRestart(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	f, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := p.Command(ctx, RunOpts{}, "run", "--name", "pf", "--preserve-fds=1", Image, "sh", "-c", "test -e /proc/self/fd/3 && echo has-fd3 || echo no-fd3")
	cmd.ExtraFiles = []*os.File{f}
	if out, err := cmd.CombinedOutput(); err != nil || string(out) != "has-fd3\n" {
		t.Fatalf("run: %v %q", err, out)
	}
	r := p.MustRun("start", "-a", "pf")
	if r.Out() != "no-fd3" {
		t.Errorf("start without the fds: %s", r)
	}
}

func TestRunUnsetEnv(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	env := func(args ...string) string {
		r := p.MustRun(append(append([]string{"run", "--rm", "--hostname", "h"}, args...), Image, "/bin/env")...)
		return strings.Join(r.Lines(), " ")
	}
	if got := env("--unsetenv-all"); got != "HOME=/root HOSTNAME=h" {
		t.Errorf("--unsetenv-all: %q", got)
	}
	if got := env("--unsetenv-all", "-e", "FOO=1"); got != "FOO=1 HOME=/root HOSTNAME=h" {
		t.Errorf("--unsetenv-all keeps -e: %q", got)
	}
	got := env("--unsetenv", "PATH", "--unsetenv", "container", "--unsetenv", "HOME")
	if strings.Contains(got, "PATH=") || strings.Contains(got, "container=") || !strings.Contains(got, "HOME=/root") {
		t.Errorf("--unsetenv PATH,container,HOME (HOME stays): %q", got)
	}
	if got := env("--unsetenv", "TERM"); strings.Contains(got, "TERM=") || !strings.Contains(got, "PATH=") {
		t.Errorf("--unsetenv TERM: %q", got)
	}
}
