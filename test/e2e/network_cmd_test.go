package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Network definitions are podman's files: created, listed in name order
// with the implicit default network, inspected, removed.
func TestNetworkCommands(t *testing.T) {
	p := newPierNoImage(t)
	p.MustRun("network", "create", "b-net")
	p.MustRun("network", "create", "--subnet", "10.123.0.0/24", "--gateway", "10.123.0.254",
		"--label", "k=v", "--internal", "--disable-dns", "a-net")
	b, err := os.ReadFile(filepath.Join(p.NetworkDir(), "a-net.json"))
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	if def["internal"] != true || def["dns_enabled"] != false || !strings.Contains(string(b), `"gateway": "10.123.0.254"`) {
		t.Fatalf("a-net.json: %s", b)
	}
	if got := p.MustRun("network", "ls", "-q").Out(); got != "a-net\nb-net\npodman" {
		t.Fatalf("ls -q: %q", got)
	}
	if got := p.MustRun("network", "ls").Lines()[0]; !strings.HasPrefix(got, "NETWORK ID") {
		t.Fatalf("ls header: %q", got)
	}
	if got := p.MustRun("network", "ls", "--filter", "label=k=v", "--format", "{{.Name}} {{.Labels}}").Out(); got != "a-net k=v" {
		t.Fatalf("ls --filter: %q", got)
	}
	if got := p.MustRun("network", "inspect", "--format", "{{.NetworkInterface}}", "podman").Out(); got != "podman0" {
		t.Fatalf("inspect podman: %q", got)
	}
	p.ExpectEngineError(p.Expect(125, "network", "create", "a-net"), "network name a-net already used: network already exists")
	p.MustRun("network", "create", "--ignore", "a-net")
	p.Expect(125, "network", "create", "--subnet", "10.123.0.0/24", "c-net")
	p.Expect(1, "network", "exists", "c-net")
	p.MustRun("network", "exists", "podman")
	r := p.Expect(1, "network", "rm", "bogus")
	if !strings.Contains(r.Stderr, "unable to find network with name or ID bogus: network not found") {
		t.Fatalf("rm bogus: %s", r)
	}
	if r := p.MustRun("network", "rm", "-f", "bogus"); r.Out() != "" {
		t.Fatalf("rm -f bogus: %s", r)
	}
	if got := p.MustRun("network", "prune", "-f", "--filter", "label=k=v").Out(); got != "a-net" {
		t.Fatalf("prune: %q", got)
	}
	p.MustRun("network", "rm", "b-net")
	if got := p.MustRun("network", "ls", "-q").Out(); got != "podman" {
		t.Fatalf("after rm: %q", got)
	}
}
