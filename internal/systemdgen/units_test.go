package systemdgen

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The testdata files are podman 5.8.2's own `generate systemd` output for
// the containers and pod described in each test: pier's text must match
// them byte for byte.

const (
	p5   = "/opt/podman5/podman"
	c1ID = "9b82582313ad01c937530e02ffb89a68235b870547c603876c7514df6e258781"
	p4ID = "d65d38e7fe23a4ad9f8ddc09fc16542c7ef4ed3522f33f5239749df72fa04b05"
)

var rootFlags = []string{p5, "--root", "/tmp/p5-systemd/root", "--runroot", "/tmp/p5-systemd/run"}

func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func opts() *Options {
	return &Options{ContainerPrefix: "container", PodPrefix: "pod", Separator: "-", Version: "5.8.2", Executable: p5}
}

func ptr[T any](v T) *T { return &v }

func check(t *testing.T, got, wantFile string) {
	t.Helper()
	if want := golden(t, wantFile); got != want {
		t.Errorf("unit differs from podman's %s:\n--- got\n%s\n--- want\n%s", wantFile, got, want)
	}
}

func TestContainerUnitExisting(t *testing.T) {
	o := opts()
	o.Now, _ = time.Parse(time.UnixDate, "Mon Nov 30 10:44:58 UTC 2026")
	c := &Container{
		ID: c1ID, Name: "c1", StopTimeout: 10, RunRoot: "/tmp/p5-systemd/run",
		MonitorPidFile: "/tmp/p5-systemd/run/overlay-containers/" + c1ID + "/userdata/conmon.pid",
	}
	name, text, err := ContainerUnit(c, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if name != "container-"+c1ID {
		t.Errorf("name %q", name)
	}
	check(t, text, "c1.service")
}

func TestContainerUnitNew(t *testing.T) {
	o := opts()
	o.New, o.Name, o.NoHeader = true, true, true
	o.RestartSec, o.StartTimeout, o.StopTimeout = ptr(uint(5)), ptr(uint(20)), ptr(uint(3))
	o.After, o.Wants, o.Requires = []string{"a.service", "b.service"}, []string{"w.service"}, []string{"r.service"}
	o.Env = []string{"X=1"}
	c := &Container{
		ID: "18d9c4c0f6c0", Name: "c2", StopTimeout: 10, RunRoot: "/tmp/p5-systemd/run",
		CreateCommand: append(rootFlags[:len(rootFlags):len(rootFlags)], "create", "--name", "c2", "--restart", "on-failure:3",
			"-e", "FOO", "-e", "BAR=1", "--sdnotify=ignore", "localhost/busybox", "sh", "-c", `echo "$HOME x" 100% a\b`),
		Env: []string{"container=podman", "BAR=1", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	}
	_, text, err := ContainerUnit(c, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	check(t, text, "c2-new.service")
}

func TestPodUnitsNew(t *testing.T) {
	o := opts()
	o.New, o.NoHeader = true, true
	o.RestartSec, o.StartTimeout, o.StopTimeout = ptr(uint(5)), ptr(uint(20)), ptr(uint(3))
	o.After, o.Wants, o.Requires = []string{"a.service"}, []string{"w.service"}, []string{"r.service"}
	o.Env, o.RestartPolicy = []string{"X=1"}, ptr("always")
	pod := &Pod{
		ID: p4ID, Name: "p4", RunRoot: "/tmp/p5-systemd/run",
		CreateCommand: append(rootFlags[:len(rootFlags):len(rootFlags)], "pod", "create", "--name", "p4",
			"--exit-policy", "continue", "--infra-name", "inf4", "--label", "a=b"),
		Infra: Container{ID: "infra", Name: "inf4", StopTimeout: 10},
	}
	members := map[string]string{
		"5239228396be63752cc41e702bc717367647837e5d6208d3cfe1464b3ca5c6ab": "c4a",
		"50045ecf1d17a8d7dbe9b100f126e304806aefbdefe810b304ed4066f7b11457": "c4b",
	}
	for id := range members {
		pod.Members = append(pod.Members, "container-"+id)
	}
	svc, text, err := PodUnit(pod, o)
	if err != nil {
		t.Fatal(err)
	}
	check(t, text, "pod-p4-new.service")
	for id, name := range members {
		c := &Container{
			ID: id, Name: name, StopTimeout: 10, RunRoot: "/tmp/p5-systemd/run", BoundTo: []string{svc},
			CreateCommand: append(rootFlags[:len(rootFlags):len(rootFlags)], "create", "--pod", "p4", "--name", name, "localhost/busybox", "top"),
		}
		_, text, err := ContainerUnit(c, pod, o)
		if err != nil {
			t.Fatal(err)
		}
		check(t, text, name+"-new.service")
	}
}

func TestEscapeArg(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "a b": `"a b"`, "$HOME": "$$HOME", "100%": "100%%", `a\b`: `a\\b`, `x "y"`: `"x \"y\""`,
	} {
		if got := EscapeArg(in); got != want {
			t.Errorf("EscapeArg(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTemplateNameInserted(t *testing.T) {
	got, err := templateName([]string{"/bin/pier", "run", "--rm", "img"}, "container-x")
	if err != nil || got[2] != "--name=container-x-%i" {
		t.Fatalf("got %v, %v", got, err)
	}
}
