package e2e

import (
	"strings"
	"testing"
)

// Bad input: one line "Error: ..." on stderr, exit 125, nothing created.
func TestBadInput(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "taken", Image, "true")
	cases := []struct {
		name  string
		args  []string
		wants []string
	}{
		{"unknown image", []string{"run", "--pull", "never", "localhost/nosuch:latest", "true"}, []string{"nosuch"}},
		{"invalid name", []string{"run", "--name", "a/b", Image, "true"}, []string{"names must match"}},
		{"duplicate name", []string{"run", "--name", "taken", Image, "true"}, []string{"taken"}},
		{"malformed volume", []string{"run", "-v", ":", Image, "true"}, nil},
		{"relative volume target", []string{"run", "-v", "/tmp:rel", Image, "true"}, []string{"rel"}},
		{"empty env name", []string{"run", "-e", "=x", Image, "true"}, []string{"=x"}},
		{"relative tmpfs", []string{"run", "--tmpfs", "rel", Image, "true"}, []string{"rel"}},
		{"missing runtime path", []string{"run", "--runtime", "/nonexistent/runc", Image, "true"}, []string{"/nonexistent/runc"}},
		{"missing env file", []string{"run", "--env-file", "/nonexistent/env", Image, "true"}, []string{"/nonexistent/env"}},
		{"bad stop signal", []string{"run", "--stop-signal", "SIGNOPE", Image, "true"}, []string{"SIGNOPE"}},
		{"bad label", []string{"run", "-l", "=v", Image, "true"}, nil},
	}
	for _, c := range cases {
		r := p.Run(c.args...)
		if r.ExitCode != 125 {
			t.Errorf("%s: want exit 125: %s", c.name, r)
			continue
		}
		lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "Error: ") {
			t.Errorf("%s: want one line \"Error: ...\" on stderr: %s", c.name, r)
		}
		for _, w := range c.wants {
			if !strings.Contains(r.Stderr, w) {
				t.Errorf("%s: the error should name %q: %s", c.name, w, r)
			}
		}
		if ids := p.PsIDs(); len(ids) != 1 {
			t.Errorf("%s: nothing should be created, ps -a lists %d containers", c.name, len(ids))
			p.Run("rm", "-af")
			p.MustRun("create", "--name", "taken", Image, "true")
		}
	}
	// Unknown flags and missing arguments: 125 as podman (cobra's usage hint
	// may add a second line).
	for _, args := range [][]string{{"run", "--nosuchflag", Image}, {"run"}, {"nosuchcommand"}, {"rm"}} {
		if r := p.Run(args...); r.ExitCode != 125 || !strings.HasPrefix(r.Stderr, "Error: ") {
			t.Errorf("want exit 125 and Error: %s", r)
		}
	}
	if m := p.OverlayMounts(); len(m) != 0 {
		t.Errorf("bad input left mounts: %v", m)
	}
}
