package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	quadletOnce sync.Once
	quadletBin  string
	quadletErr  error
)

// buildQuadlet builds the generator once, static as the Makefile builds it.
func buildQuadlet(t *testing.T) string {
	t.Helper()
	quadletOnce.Do(func() {
		quadletBin = filepath.Join(binDir, "pier-quadlet")
		cmd := exec.Command("go", "build", "-tags", buildTags, "-o", quadletBin, "./cmd/pier-quadlet")
		cmd.Dir = moduleRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			quadletErr = &exec.ExitError{Stderr: out}
		}
	})
	if quadletErr != nil {
		t.Fatalf("building pier-quadlet: %s", quadletErr.(*exec.ExitError).Stderr)
	}
	return quadletBin
}

// TestQuadletContainerRuns writes a .container file, runs the generator
// with -dryrun on it (QUADLET_UNIT_DIRS) and then the unit's ExecStart,
// ExecStop and ExecStopPost by hand, as systemd would.
func TestQuadletContainerRuns(t *testing.T) {
	systemdNote(t)
	gen := buildQuadlet(t)
	p := newPier(t)
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(dir, "data"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "data", "hello"), []byte("from the host\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "app.env"), []byte("FROMFILE=yes\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "app.container"), []byte(`[Unit]
Description=quadlet e2e

[Container]
Image=`+Image+`
Exec=sleep 1000
Environment="GREETING=a b" OTHER=1
EnvironmentFile=app.env
Label=app=quadlet
Annotation=note=kept
WorkingDir=/tmp
Volume=./data:/data:ro
Network=none
ReadOnly=true
Timezone=UTC
DropCapability=all
AddCapability=CAP_CHOWN

[Install]
WantedBy=multi-user.target
`), 0o644))
	// A file with a key pier does not support gets no unit, and says which key.
	must(os.WriteFile(filepath.Join(dir, "bad.container"), []byte("[Container]\nImage="+Image+"\nSecret=s\n"), 0o644))

	cmd := exec.Command(gen, "-dryrun")
	cmd.Env = append(os.Environ(), "QUADLET_UNIT_DIRS="+dir, "PIER="+pierBin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("generator with a bad file: %v, want exit 1; stderr %s", err, stderr.String())
	}
	if want := `converting "bad.container": unsupported key 'Secret' in group 'Container' in ` + filepath.Join(dir, "bad.container"); !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q does not name the key (%q)", stderr.String(), want)
	}
	out := stdout.String()
	if strings.Contains(out, "bad.service") || !strings.HasPrefix(out, "---app.service---\n[Unit]\n") {
		t.Fatalf("dryrun output:\n%s", out)
	}
	k := unitKeys(out)
	for key, want := range map[string]string{"Type": "notify", "NotifyAccess": "all", "KillMode": "mixed",
		"SyslogIdentifier": "%N", "Description": "quadlet e2e", "WantedBy": "multi-user.target"} {
		if got := k[key]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%v, want %s", key, got, want)
		}
	}
	if env := k["Environment"]; env[len(env)-1] != "PODMAN_SYSTEMD_UNIT=%n" {
		t.Errorf("[Service] Environment=%v", env)
	}
	if !strings.Contains(out, "\n[X-Container]\nImage="+Image+"\n") {
		t.Errorf("no [X-Container] copy of the source keys:\n%s", out)
	}
	start := k["ExecStart"][0]
	if !strings.Contains(start, " --rm --cgroups=no-conmon ") || !strings.Contains(start, " --sdnotify=conmon -d ") {
		t.Errorf("ExecStart=%s", start)
	}

	// %N is the unit name without its suffix: the container is systemd-app.
	unit, rt := "app.service", t.TempDir()
	expand := func(l string) string { return strings.ReplaceAll(l, "%N", "app") }
	n := newNotifyListener(t, p)
	p.runExec(t, expand(start), rt, unit, n.env()...)
	msgs := n.waitFor(t, 1)
	if pid := p.Inspect("systemd-app", "{{.State.ConmonPid}}"); msgs[0] != "MAINPID="+pid+"\nREADY=1" {
		t.Errorf("ExecStart notified %q, want MAINPID=%s and READY=1", msgs, pid)
	}
	got := p.Inspect("systemd-app", "{{.State.Running}} {{.Config.WorkingDir}} {{.HostConfig.ReadonlyRootfs}} {{.Config.Labels.app}} {{.Config.Annotations.note}} {{.HostConfig.NetworkMode}} {{.Config.Timezone}}")
	if got != "true /tmp true quadlet kept none UTC" {
		t.Errorf("inspect: %q", got)
	}
	env := p.Inspect("systemd-app", "{{.Config.Env}}")
	for _, e := range []string{"GREETING=a b", "OTHER=1", "FROMFILE=yes"} {
		if !strings.Contains(env, e) {
			t.Errorf("env %s lacks %s", env, e)
		}
	}
	if caps := p.Inspect("systemd-app", "{{.EffectiveCaps}}"); caps != "[CAP_CHOWN]" {
		t.Errorf("capabilities: %s", caps)
	}
	if r := p.MustRun("exec", "systemd-app", "cat", "/data/hello"); r.Stdout != "from the host\n" {
		t.Errorf("volume: %q", r.Stdout)
	}
	// A restart of the unit replaces what a crash may have left (--replace).
	p.runExec(t, expand(start), rt, unit)

	p.runExec(t, expand(k["ExecStop"][0]), rt, unit)
	if r := p.Run("container", "exists", "systemd-app"); r.ExitCode != 1 {
		t.Fatalf("container left after ExecStop: %s", r)
	}
	// ExecStopPost ("-" prefix: systemd ignores its failure) must succeed
	// on its own too: rm -i of a container already gone.
	p.runExec(t, strings.TrimPrefix(expand(k["ExecStopPost"][0]), "-"), rt, unit)
	if r := p.Run("ps", "-aq"); strings.TrimSpace(r.Stdout) != "" {
		t.Fatalf("containers left: %s", r)
	}
}
