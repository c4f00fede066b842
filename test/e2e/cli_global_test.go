package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --log-level is validated before anything runs, with podman's bare line
// and exit 1; the chosen level filters podman-shaped log lines.
func TestLogLevel(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	r := p.Expect(1, "--log-level=telepathic", "info")
	if want := `Log Level "telepathic" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic` + "\n"; r.Stderr != want || r.Stdout != "" {
		t.Errorf("invalid level: %s", r)
	}
	r = p.Expect(1, "--debug", "--log-level=panic", "info")
	if r.Stderr != "Setting --log-level and --debug is not allowed\n" {
		t.Errorf("--debug with --log-level: %s", r)
	}
	r = p.Expect(0, "--log-level=trace", "info")
	for _, want := range []string{" level=trace ", " level=debug ", " level=info "} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("trace: no %q in stderr: %s", want, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, " level=warn") {
		t.Errorf("trace: warnings during info: %s", r.Stderr)
	}
	r = p.Expect(0, "--log-level=info", "info")
	if strings.Contains(r.Stderr, " level=debug ") || !strings.Contains(r.Stderr, " level=info ") {
		t.Errorf("info level: %s", r.Stderr)
	}
	r = p.Expect(0, "-D", "info")
	if !strings.Contains(r.Stderr, " level=debug ") {
		t.Errorf("-D: %s", r.Stderr)
	}
	for _, lvl := range []string{"warn", "warning", "error"} {
		if r := p.Expect(0, "--log-level="+lvl, "info"); strings.Contains(r.Stderr, " level=") {
			t.Errorf("%s: %s", lvl, r.Stderr)
		}
	}
}

// pier has no remote client: the remote flags exist (and hide --remote, as
// in podman-remote), help and usage work, every other command says so.
func TestRemoteFlags(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	noRoots := RunOpts{NoRoots: true}
	r := p.Expect(0, "--help")
	if !strings.Contains(r.Stdout, " --remote ") || !strings.Contains(r.Stdout, "\nOptions:\n") {
		t.Errorf("--help lacks --remote: %s", r)
	}
	for _, c := range []struct {
		env  []string
		args []string
	}{
		{[]string{"CONTAINER_HOST=foobar"}, []string{"--help"}},
		{[]string{"CONTAINER_CONNECTION=foobar"}, []string{"--help"}},
		{nil, []string{"--url", "foobar", "--help"}},
		{nil, []string{"--connection", "foobar", "--help"}},
	} {
		r := p.RunWith(RunOpts{NoRoots: true, Env: c.env}, c.args...)
		if r.ExitCode != 0 || strings.Contains(r.Stdout, " --remote ") || strings.Contains(r.Stdout, "--root") {
			t.Errorf("%v %v: want help without --remote and --root: %s", c.env, c.args, r)
		}
	}
	r = p.RunWith(noRoots, "--remote")
	if r.ExitCode != 125 || !strings.Contains(r.Stdout, "Usage:") || r.Stderr != "Error: missing command 'pier COMMAND'\n" {
		t.Errorf("--remote alone: %s", r)
	}
	r = p.RunWith(noRoots, "--remote", "ps")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "no remote client") {
		t.Errorf("--remote ps: %s", r)
	}
	r = p.RunWith(noRoots, "--remote", "--root", "/x", "ps")
	if r.ExitCode != 125 || !strings.HasPrefix(r.Stderr, "Error: unknown flag: --root\n") {
		t.Errorf("--remote --root: %s", r)
	}
	r = p.Run("version", "--remote")
	if r.ExitCode != 125 || r.Stderr != "Error: unknown flag: --remote\nSee 'pier version --help'\n" {
		t.Errorf("--remote after the subcommand: %s", r)
	}
}

// podman's texts for flag and command errors; the program name is argv[0]'s.
func TestCommandLineErrors(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"run", "-h"}, "Error: flag needs an argument: 'h' in -h\nSee 'pier run --help'\n"},
		{[]string{"bad", "--invalid"}, "Error: unknown flag: --invalid\nSee 'pier --help'\n"},
		{[]string{"nosuchcommand"}, "Error: unrecognized command `pier nosuchcommand`\nTry 'pier --help' for more information\n"},
		{[]string{"container", "nosuchcommand"}, "Error: unrecognized command `pier container nosuchcommand`\nTry 'pier container --help' for more information\n"},
		{[]string{"version", "extra"}, "Error: `pier version` takes no arguments\n"},
		{[]string{"system"}, "Error: missing command 'pier system COMMAND'\n"},
		{[]string{"rm", "--all", "--latest"}, "Error: --all and --latest cannot be used together\n"},
		{[]string{"restart", "--all", "--latest"}, "Error: --all and --latest cannot be used together\n"},
		{[]string{"container", "attach", "a", "b"}, "Error: `pier container attach` accepts at most one argument\n"},
		{[]string{"attach", "-l", "a"}, "Error: --latest and containers cannot be used together\n"},
		{[]string{"port", "a", "b", "c"}, "Error: `port` accepts at most 2 arguments\n"},
	} {
		r := p.Run(c.args...)
		if r.ExitCode != 125 || r.Stderr != c.err {
			t.Errorf("%v: want exit 125 and %q: %s", c.args, c.err, r)
		}
	}
	// The program names itself after argv[0], as podman does.
	link := filepath.Join(p.Dir, "podman")
	if err := os.Symlink(pierBin, link); err != nil {
		t.Fatal(err)
	}
	p.Bin = link
	r := p.Expect(125, "run", "-h")
	if r.Stderr != "Error: flag needs an argument: 'h' in -h\nSee 'podman run --help'\n" {
		t.Errorf("as podman: %s", r)
	}
	if r := p.Expect(0, "info", "--help"); !strings.Contains(r.Stdout, "Usage:\n  podman info [options]\n") ||
		!strings.Contains(r.Stdout, "\nDescription:\n") {
		t.Errorf("info --help as podman: %s", r)
	}
}

// --noout and --out replace standard output for the whole command.
func TestNoOutAndOut(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.Expect(0, "--noout", "create", "--name", "quiet", Image, "true")
	if r.Stdout != "" {
		t.Errorf("--noout create printed: %s", r)
	}
	p.Expect(0, "inspect", "quiet")
	out := filepath.Join(p.WorkDir(), "out.txt")
	r = p.Expect(0, "--out", out, "ps", "-a", "--format", "{{.Names}}")
	b, err := os.ReadFile(out)
	if err != nil || r.Stdout != "" || string(b) != "quiet\n" {
		t.Errorf("--out: file %q (%v): %s", b, err, r)
	}
	r = p.Expect(0, "--noout", "--log-level=info", "rm", "quiet")
	if r.Stdout != "" || !strings.Contains(r.Stderr, "level=info") {
		t.Errorf("--noout keeps stderr only: %s", r)
	}
}

// --storage-opt "" drops storage.conf's driver options; --volumepath moves
// the volume directory.
func TestStorageOptEmptyAndVolumePath(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	conf := "[storage]\ndriver = \"overlay\"\ngraphroot = \"" + p.Root + "\"\nrunroot = \"" + p.RunRoot +
		"\"\n[storage.options.overlay]\nmountopt = \"nodev\"\n"
	if err := os.WriteFile(p.StorageConfPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := p.Expect(0, "info", "--format", "{{.Store.GraphOptions}}"); !strings.Contains(r.Out(), "mountopt:nodev") {
		t.Errorf("storage.conf options not in effect: %s", r)
	}
	if r := p.Expect(0, "--storage-opt=", "info", "--format", "{{.Store.GraphOptions}}"); r.Out() != "map[]" {
		t.Errorf("--storage-opt '': %s", r)
	}
	vp := filepath.Join(p.WorkDir(), "volumes")
	if r := p.Expect(0, "--volumepath", vp, "info", "--format", "{{.Store.VolumePath}}"); r.Out() != vp {
		t.Errorf("--volumepath: %s", r)
	}
}

// --runtime-flag reaches the OCI runtime on every call, with "--" added.
func TestRuntimeFlag(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	argsLog := filepath.Join(p.WorkDir(), "runtime-args")
	wrapper := filepath.Join(p.WorkDir(), "runc-wrapper")
	script := "#!/bin/sh\necho \"$@\" >> " + argsLog + "\nexec /usr/bin/runc \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p.Expect(0, "--runtime", wrapper, "--runtime-flag", "log-format=json", "run", "--rm", Image, "true")
	b, err := os.ReadFile(argsLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !strings.Contains(l, " --log-format=json ") {
			t.Errorf("runtime call without the flag: %q", l)
		}
	}
	// A refused --runtime-flag's exit codes: TestRunRuntimeFailureExitCode.
}

// completion writes cobra's scripts with podman's trailer.
func TestCompletion(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	for shell, head := range map[string]string{
		"bash": "# bash completion V2 for pier", "zsh": "#compdef pier",
		"fish": "# fish completion for pier", "powershell": "# powershell completion for pier",
	} {
		r := p.Expect(0, "completion", shell)
		if !strings.HasPrefix(r.Stdout, head) ||
			!strings.HasSuffix(r.Stdout, "# This file is generated with \"pier completion\"; see: pier-completion(1)\n") {
			t.Errorf("%s: %.200s", shell, r.Stdout)
		}
	}
	file := filepath.Join(p.WorkDir(), "_pier")
	p.Expect(0, "completion", "zsh", "--no-desc", "-f", file)
	if b, err := os.ReadFile(file); err != nil || !strings.HasPrefix(string(b), "#compdef pier") {
		t.Errorf("-f: %v %.100s", err, b)
	}
	if r := p.Expect(125, "completion", "tcsh"); r.Stderr != "Error: invalid argument \"tcsh\" for \"pier completion\"\n" {
		t.Errorf("bad shell: %s", r)
	}
	r := p.Expect(0, "__completeNoDesc", "contain")
	if !strings.HasPrefix(r.Stdout, "container\n") {
		t.Errorf("__complete: %s", r)
	}
}

// version reports the build's time (linked in by the build), not the
// commit's; the layout and JSON are podman's.
func TestVersionBuildTime(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	built := time.Unix(1700000000, 0)
	r := p.Expect(0, "version", "--format", "{{.Client.Built}} {{.Client.BuiltTime}}")
	if want := "1700000000 " + built.Format(time.ANSIC); r.Out() != want {
		t.Errorf("want %q: %s", want, r)
	}
	r = p.Expect(0, "version")
	if !strings.Contains(r.Stdout, "\nBuilt:        "+built.Format(time.ANSIC)+"\n") {
		t.Errorf("version: %s", r)
	}
	r = p.Expect(0, "version", "--format", "json")
	if !strings.HasPrefix(r.Stdout, `{"Client":{"APIVersion":`) || !strings.Contains(r.Stdout, `"Built":1700000000,`) {
		t.Errorf("json: %s", r)
	}
}

// --config names docker's config directory, whose config.json credentials
// pier finds as podman does.
func TestDockerConfigFlag(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	dir := filepath.Join(p.WorkDir(), "docker")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	auth := `{"auths":{"example.test":{"auth":"YWxpY2U6c2VjcmV0"}}}` // alice:secret
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(auth), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := p.Run("login", "--get-login", "example.test"); r.ExitCode == 0 {
		t.Errorf("logged in without --config: %s", r)
	}
	if r := p.Expect(0, "--config", dir, "login", "--get-login", "example.test"); r.Out() != "alice" {
		t.Errorf("--config: %s", r)
	}
}

// --network-config-dir moves network definitions, as podman's.
func TestNetworkConfigDirFlag(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	dir := filepath.Join(p.WorkDir(), "nets")
	p.Expect(0, "--network-config-dir", dir, "network", "create", "flagnet")
	if _, err := os.Stat(filepath.Join(dir, "flagnet.json")); err != nil {
		t.Errorf("definition not in --network-config-dir: %v", err)
	}
	if r := p.Expect(0, "--network-config-dir", dir, "network", "ls", "--format", "{{.Name}}"); !strings.Contains(r.Stdout, "flagnet\n") {
		t.Errorf("ls with the flag: %s", r)
	}
	if r := p.Expect(0, "network", "ls", "--format", "{{.Name}}"); strings.Contains(r.Stdout, "flagnet") {
		t.Errorf("ls without the flag sees it: %s", r)
	}
}

// --volumepath is where named volumes are created, and what info reports.
func TestVolumePathFlag(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	vp := filepath.Join(p.WorkDir(), "vols")
	p.Expect(0, "--volumepath", vp, "volume", "create", "flagvol")
	r := p.Expect(0, "--volumepath", vp, "volume", "inspect", "--format", "{{.Mountpoint}}", "flagvol")
	if want := filepath.Join(vp, "flagvol", "_data"); r.Out() != want {
		t.Errorf("mountpoint %q, want %q", r.Out(), want)
	}
	if _, err := os.Stat(filepath.Join(vp, "flagvol", "_data")); err != nil {
		t.Errorf("volume not under --volumepath: %v", err)
	}
	p.Expect(0, "--volumepath", vp, "volume", "rm", "flagvol")
}
