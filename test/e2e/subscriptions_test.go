package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --default-mounts-file (podman's hidden global flag): its subscriptions
// reach containers and build RUN steps, copied, not bind-mounted from the
// host directory.
func TestDefaultMountsFileSubscriptions(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := p.WorkDir()
	secrets := filepath.Join(dir, "secrets")
	if err := os.MkdirAll(secrets, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(secrets, "token"), []byte("shhh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "mounts.conf")
	if err := os.WriteFile(conf, []byte(secrets+":/run/secrets\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	flag := "--default-mounts-file=" + conf
	if got := p.MustRun(flag, "run", "--rm", Image, "cat", "/run/secrets/token").Out(); got != "shhh" {
		t.Errorf("run should see the subscription: %q", got)
	}
	if r := p.Run("run", "--rm", Image, "ls", "/run/secrets"); r.ExitCode == 0 {
		t.Errorf("without the flag nothing is mounted: %s", r)
	}
	ctx := filepath.Join(dir, "ctx")
	writeContext(t, ctx, map[string]string{"Containerfile": "FROM " + Image + "\nRUN cat /run/secrets/token\n"})
	if r := p.MustRun(flag, "build", ctx); !strings.Contains(r.Stdout, "shhh\n") {
		t.Errorf("a RUN step should see the subscription: %s", r)
	}
}
