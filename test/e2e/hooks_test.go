package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// OCI hooks from --hooks-dir: a prestart hook runs with the container's
// state when its `when` condition matches, and a precreate hook may
// rewrite the spec.
func TestRunHooks(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := filepath.Join(p.WorkDir(), "hooks")
	os.MkdirAll(dir, 0o755)
	stateFile := filepath.Join(p.WorkDir(), "state.json")
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("prestart.json", `{"version":"1.0.0","hook":{"path":"/bin/sh","args":["sh","-c","cat > `+stateFile+`"]},"when":{"annotations":{"^io.pier.test$":"^yes$"}},"stages":["prestart"]}`)
	write("precreate.json", `{"version":"1.0.0","hook":{"path":"/bin/sh","args":["sh","-c","sed 's/\"env\":\\[/\"env\":[\"HOOKED=yes\",/'"]},"when":{"always":true},"stages":["precreate"]}`)

	if got := p.MustRun("--hooks-dir", dir, "run", "--rm", Image, "sh", "-c", "echo $HOOKED").Out(); got != "yes" {
		t.Errorf("the precreate hook should add HOOKED=yes to the spec: %q", got)
	}
	if _, err := os.Stat(stateFile); err == nil {
		t.Error("the prestart hook ran without its annotation")
	}
	id := p.MustRun("--hooks-dir", dir, "run", "-d", "--annotation", "io.pier.test=yes", Image, "true").Out()
	p.MustRun("wait", id)
	b, err := os.ReadFile(stateFile)
	if err != nil || !strings.Contains(string(b), `"id":"`+id+`"`) {
		t.Errorf("the prestart hook should get the container's state: %s %v", b, err)
	}
	write("bad.json", `{"version":"1.0.0","hook":{"path":"/bin/true"},"stages":["nosuchstage"]}`)
	r := p.Run("--hooks-dir", dir, "run", "--rm", Image, "true")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "nosuchstage") {
		t.Errorf("an invalid hook file should fail the start naming it: %s", r)
	}
}
