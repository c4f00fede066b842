package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secret create/ls/inspect/rm/exists and --secret, checked from inside the
// container; the data must not reach the stored config or inspect.

func TestSecrets(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	src := filepath.Join(p.WorkDir(), "s")
	os.MkdirAll(p.WorkDir(), 0o755)
	os.WriteFile(src, []byte("topsecret"), 0o600)
	id := p.MustRun("secret", "create", "--label", "a=b", "mys", src).Out()
	if len(id) != 25 {
		t.Errorf("secret create prints a 25-character ID: %q", id)
	}
	p.ExpectEngineError(p.Run("secret", "create", "mys", src), "mys: secret name in use")
	if got := p.MustRun("secret", "ls", "--format", "{{.Name}} {{.Driver}}").Out(); got != "mys file" {
		t.Errorf("secret ls: %q", got)
	}
	if got := p.MustRun("secret", "inspect", "--showsecret", "--format", "{{.Spec.Name}} {{.SecretData}} {{.Spec.Labels}}", "mys").Out(); got != "mys topsecret map[a:b]" {
		t.Errorf("secret inspect --showsecret: %q", got)
	}
	if out := p.MustRun("secret", "inspect", "mys").Stdout; strings.Contains(out, "topsecret") {
		t.Errorf("secret inspect without --showsecret shows the data:\n%s", out)
	}

	out := p.MustRun("run", "--rm", "--secret", "mys", "--secret", "mys,type=env,target=FOO",
		"--secret", "source=mys,target=/etc/x,uid=5,gid=6,mode=0440", Image, "sh", "-c",
		"cat /run/secrets/mys; echo; echo $FOO; stat -c '%u:%g %a' /etc/x /run/secrets/mys").Lines()
	want := []string{"topsecret", "topsecret", "5:6 440", "0:0 444"}
	if strings.Join(out, "|") != strings.Join(want, "|") {
		t.Errorf("--secret: want %q, got %q", want, out)
	}
	cid := p.MustRun("create", "--secret", "mys", "--secret", "mys,type=env", Image, "true").Out()
	if got := p.Inspect(cid, "{{range .Config.Secrets}}{{.Name}} {{.Mode}}{{end}}"); got != "mys 292" {
		t.Errorf("inspect Config.Secrets: %q", got)
	}
	if r := p.MustRun("container", "inspect", cid); strings.Contains(r.Stdout, "topsecret") {
		t.Error("the secret's data is in inspect")
	}
	for _, f := range []string{"state.db", "state.db-wal"} {
		if b, _ := os.ReadFile(filepath.Join(p.Root, "pier", f)); strings.Contains(string(b), "topsecret") {
			t.Errorf("the secret's data is in the store (%s)", f)
		}
	}
	p.MustRun("rm", cid)

	p.ExpectEngineError(p.Run("run", "--rm", "--secret", "nosuch", Image, "true"), `no secret with name or id "nosuch": no such secret`)
	p.ExpectEngineError(p.Run("run", "--rm", "--secret", "mys,type=env,uid=1", Image, "true"), "cannot be set with secret type env")
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("a bad --secret created %v", ids)
	}
	if got := p.MustRun("secret", "rm", "mys").Out(); got != id {
		t.Errorf("secret rm prints the ID: %q", got)
	}
	p.Expect(1, "secret", "exists", "mys")
	p.ExpectEngineError(p.Run("secret", "rm", "mys"), `no secret with name or id "mys": no such secret`)
	p.MustRun("secret", "rm", "--ignore", "mys")
	r := p.RunWith(RunOpts{Stdin: strings.NewReader("fromstdin")}, "secret", "create", "s2", "-")
	if r.ExitCode != 0 {
		t.Fatal(r)
	}
	if got := p.MustRun("secret", "inspect", "--showsecret", "--format", "{{.SecretData}}", "s2").Out(); got != "fromstdin" {
		t.Errorf("secret create from stdin: %q", got)
	}
	p.MustRun("secret", "rm", "--all")
	if got := p.MustRun("secret", "ls", "-q").Out(); got != "" {
		t.Errorf("secret rm --all left %q", got)
	}
}
