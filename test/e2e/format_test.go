package e2e

import (
	"strings"
	"testing"
)

// Every command with a Go-template --format accepts {{"\n"}} (a "\n"
// inside an action) and completes template fields, as podman's 610-format
// system test demands.
func TestFormatTemplatesAndCompletion(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "fmt", Image, "true")
	for _, c := range [][]string{
		{"info"}, {"version"}, {"ps", "-a"}, {"images"}, {"history", Image},
		{"image", "inspect", Image}, {"container", "inspect", "fmt"}, {"inspect", "fmt"},
	} {
		args := append(append([]string{}, c...), "--format", `{{"\n"}}`)
		r := p.Run(args...)
		if r.ExitCode != 0 || strings.TrimSpace(r.Stdout) != "" || r.Stderr != "" {
			t.Errorf("%v: %s", c, r)
		}
		comp := append(append([]string{"__completeNoDesc"}, c...), "--format", "{{.")
		r = p.Expect(0, comp...)
		if !strings.Contains(r.Stdout, "{{.") || !strings.Contains(r.Stdout, "\n:6\n") {
			t.Errorf("completion of %v: %s", c, r)
		}
	}
	r := p.Expect(0, "__completeNoDesc", "info", "--format", "{{.Host.Con")
	if !strings.HasPrefix(r.Stdout, "{{.Host.Conmon.\n") {
		t.Errorf("nested completion: %s", r)
	}
	for _, c := range [][]string{{"search"}, {"image", "search"}} {
		r := p.Expect(0, append(append([]string{"__completeNoDesc"}, c...), "x", "--format", "{{.N")...)
		if !strings.Contains(r.Stdout, "{{.Name}}\n") {
			t.Errorf("completion of %v: %s", c, r)
		}
	}
	if r := p.Expect(0, "__completeNoDesc", "version", "--format", ""); !strings.HasPrefix(r.Stdout, "json\n:4\n") {
		t.Errorf("json completion: %s", r)
	}
}

// Arguments complete from the usage line: containers for CONTAINER (IDs
// after two characters), images for IMAGE, files for COMMAND/ARG/PATH,
// nothing past the last argument.
func TestArgumentCompletion(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("create", "--name", "c-done", Image, "true").Out()
	lines := func(args ...string) string {
		return p.Expect(0, append([]string{"__completeNoDesc"}, args...)...).Stdout
	}
	if out := lines("start", ""); out != "c-done\n:4\n" {
		t.Errorf("start: %q", out)
	}
	if out := lines("rm", "c-done", id[:2]); out != id[:12]+"\n:4\n" {
		t.Errorf("rm, second container by ID: %q", out)
	}
	if out := lines("run", ""); out != Image+"\n:4\n" {
		t.Errorf("run image: %q", out)
	}
	if out := lines("run", "bu"); out != "busybox:latest\n:4\n" {
		t.Errorf("run short image name: %q", out)
	}
	if out := lines("run", Image, ""); out != ":0\n" {
		t.Errorf("run command: files: %q", out)
	}
	if out := lines("rename", "c-done", "x", ""); out != ":4\n" {
		t.Errorf("past the last argument: %q", out)
	}
	p.MustRun("network", "create", "c-net")
	if out := lines("network", "rm", "c-"); out != "c-net\n:4\n" {
		t.Errorf("network rm: %q", out)
	}
	p.MustRun("volume", "create", "c-vol")
	if out := lines("volume", "inspect", "c-"); out != "c-vol\n:4\n" {
		t.Errorf("volume inspect: %q", out)
	}
	p.MustRun("volume", "rm", "c-vol")
}
