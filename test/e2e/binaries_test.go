package e2e

import (
	"context"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// heavyPackages are what the lifecycle binary (bin/pier) leaves to the full
// one (bin/pier-full): the builder, containers/image's copy, Kubernetes
// types, sigstore. Their package inits and pages are most of a pier
// process's start-up cost.
var heavyPackages = []string{
	"go.podman.io/buildah/imagebuildah.",
	"go.podman.io/image/v5/copy.",
	"k8s.io/api/core/v1.",
	"github.com/sigstore/sigstore/pkg/signature.",
	"google.golang.org/grpc.",
}

// linkedPrefixes reports which of prefixes name a symbol of the binary.
func linkedPrefixes(t *testing.T, bin string, prefixes []string) map[string]bool {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, s := range syms {
		for _, p := range prefixes {
			if strings.HasPrefix(s.Name, p) {
				found[p] = true
			}
		}
	}
	return found
}

func TestLifecycleBinaryLeavesOutHeavyPackages(t *testing.T) {
	t.Parallel()
	full := filepath.Join(filepath.Dir(pierBin), "pier-full")
	inFull := linkedPrefixes(t, full, heavyPackages)
	inLifecycle := linkedPrefixes(t, pierBin, heavyPackages)
	for _, p := range heavyPackages {
		if !inFull[p] {
			t.Errorf("the full binary has no %s* symbol: the check below proves nothing", p)
		}
		if inLifecycle[p] {
			t.Errorf("the lifecycle binary links %s*", p)
		}
	}
}

// Commands the lifecycle binary does not serve are the full binary's,
// output and exit code alike; a served command that turns out to need the
// full binary (a pull, --env-merge, a new pod) is re-run there from the
// start, leaving nothing behind twice.
func TestLifecycleBinaryHandsOff(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	fullBin := filepath.Join(filepath.Dir(pierBin), "pier-full")
	// The full binary as the lifecycle binary runs it: same argv[0], so
	// that it names itself as pier does.
	runFull := func(args ...string) Result {
		cmd := p.Command(context.Background(), RunOpts{}, args...)
		cmd.Path = fullBin
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		r := Result{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: cmd.ProcessState.ExitCode()}
		if err != nil && cmd.ProcessState == nil {
			t.Fatalf("running %s: %v", fullBin, err)
		}
		return r
	}

	for _, args := range [][]string{
		{"images", "--format", "{{.Repository}}:{{.Tag}}"},
		{"--help"},
		{"ps", "--help"},
		{"container"},
		{"image", "inspect", "no-such-image"},
		{"version", "--format", "{{.Client.Version}}"},
	} {
		a, b := p.Run(args...), runFull(args...)
		if a.ExitCode != b.ExitCode || a.Stdout != b.Stdout || a.Stderr != b.Stderr {
			t.Errorf("pier and pier-full differ on %v:\n%s\n%s", args, a, b)
		}
	}

	// Served here: an image present locally needs no pull.
	if out := p.MustRun("run", "--rm", Image, "echo", "local").Out(); out != "local" {
		t.Errorf("run: %q", out)
	}
	// Handed off after the check that needs the full binary, before any
	// change: one container, one pod.
	if out := p.MustRun("run", "--rm", "--env-merge", "X=${PATH}", Image, "sh", "-c", "echo $X").Out(); !strings.Contains(out, "/bin") {
		t.Errorf("run --env-merge through the full binary: %q", out)
	}
	p.MustRun("run", "-d", "--name", "inpod", "--pod", "new:handoffpod", Image, "sleep", "100")
	if pods := p.MustRun("pod", "ps", "--format", "{{.Name}}").Lines(); len(pods) != 1 || pods[0] != "handoffpod" {
		t.Errorf("pods after run --pod new: through the full binary: %q", pods)
	}
	if n := len(p.PsIDs()); n != 2 { // the container and the pod's infra
		t.Errorf("%d containers after run --pod new:, want 2", n)
	}
	// A container the full binary started is cleaned up by the lifecycle
	// binary: its exit command names bin/pier, not bin/pier-full.
	cfg, err := os.ReadFile(filepath.Join(p.RunRoot, "pier", "containers", p.Inspect("inpod", "{{.Id}}"), "monitor.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), `"exitCommand":["`+pierBin+`"`) {
		t.Errorf("the monitor's exit command does not start with %s:\n%s", pierBin, cfg)
	}
	p.MustRun("pod", "rm", "-f", "-t", "0", "handoffpod")
}
