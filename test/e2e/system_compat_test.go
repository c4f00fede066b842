package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSystemDf: podman's summary rows, JSON fields, -v sections and the
// --format/--verbose conflict; a container without storage is left out.
func TestSystemDf(t *testing.T) {
	p := newPier(t)
	out := p.MustRun("system", "df").Out()
	for _, re := range []string{`(?m)^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$`, `(?m)^Images +1 +0 +\S+ +\S+ \(100%\)$`,
		`(?m)^Containers +0 +0 +0B +0B \(0%\)$`, `(?m)^Local Volumes +0 +0 +0B +0B \(0%\)$`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("system df lacks %s:\n%s", re, out)
		}
	}
	p.MustRun("run", "--name", "c1", Image, "sh", "-c", "echo data > /file")
	var sums []map[string]any
	if err := json.Unmarshal([]byte(p.MustRun("system", "df", "--format", "json").Stdout), &sums); err != nil || len(sums) != 3 {
		t.Fatalf("df json: %v %v", err, sums)
	}
	if sums[0]["Type"] != "Images" || sums[0]["Active"] != 1.0 || sums[1]["Total"] != 1.0 || sums[1]["RawSize"].(float64) <= 0 || sums[1]["TotalCount"] != 1.0 {
		t.Errorf("df json: %v", sums)
	}
	if got := p.MustRun("system", "df", "--format", "{{.Type}}={{.Total}}").Lines(); strings.Join(got, ",") != "Images=1,Containers=1,Local Volumes=0" {
		t.Errorf("df --format: %q", got)
	}
	v := p.MustRun("system", "df", "-v").Stdout
	if !strings.HasPrefix(v, "Images space usage:\n\nREPOSITORY") || !strings.Contains(v, "\nContainers space usage:\n\nCONTAINER ID") ||
		!regexp.MustCompile(`(?m)^[0-9a-f]{12} +[0-9a-f]{12} +sh -c echo data > /file +0 +\S+ +.* +exited +c1$`).MatchString(v) {
		t.Errorf("df -v:\n%s", v)
	}
	r := p.Expect(125, "system", "df", "-v", "--format", "json")
	if strings.TrimSpace(r.Stderr) != "Error: cannot combine --format and --verbose flags" {
		t.Errorf("df -v --format: %s", r)
	}
}

// TestSystemPruneAndReset: prune removes stopped containers then the
// images they held, reset removes everything pier owns, state included.
func TestSystemPruneAndReset(t *testing.T) {
	p := newPier(t)
	p.MustRun("import", imageTar, "localhost/unused:1")
	p.MustRun("untag", "localhost/unused:1")
	p.MustRun("run", "--name", "done", "--label", "k=v", Image, "true")
	p.MustRun("create", "--name", "fresh", Image, "true")
	r := p.Expect(125, "system", "prune", "-f", "--filter", "bogus=1")
	if strings.TrimSpace(r.Stderr) != "Error: bogus is an invalid filter" {
		t.Errorf("prune bogus filter: %s", r)
	}
	// Declining the prompt removes nothing.
	p.RunWith(RunOpts{Stdin: strings.NewReader("n\n")}, "system", "prune")
	if n := len(p.MustRun("ps", "-aq").Lines()); n != 2 {
		t.Fatalf("prompt declined but %d containers left", n)
	}
	// The filter applies to images too: the unlabelled dangling one stays.
	out := p.MustRun("system", "prune", "-f", "--filter", "label=k=v").Stdout
	if !regexp.MustCompile(`^Deleted Containers\n[0-9a-f]{64}\nTotal reclaimed space: `).MatchString(out) {
		t.Errorf("system prune --filter: %q", out)
	}
	p.MustRun("container", "exists", "fresh")
	out = p.MustRun("system", "prune", "-f").Stdout
	if !regexp.MustCompile(`^Deleted Containers\n[0-9a-f]{64}\nDeleted Images\n[0-9a-f]{64}\nTotal reclaimed space: [1-9]`).MatchString(out) {
		t.Errorf("system prune: %q", out)
	}
	p.MustRun("image", "exists", Image)
	p.MustRun("create", "--name", "fresh", Image, "true")

	p.MustRun("run", "-d", "--name", "busy", Image, "sleep", "100")
	out = p.MustRun("system", "reset", "-f").Stdout
	if want := fmt.Sprintf(" A %q config file exists.\nRemove this file if you did not modify the configuration.\n", p.StorageConfPath); out != want {
		t.Errorf("reset output %q, want %q", out, want)
	}
	for _, d := range []string{p.Root, p.RunRoot} {
		if _, err := os.Stat(filepath.Join(d, "pier")); !os.IsNotExist(err) {
			t.Errorf("%s/pier left after reset: %v", d, err)
		}
	}
	if out := p.MustRun("ps", "-aq").Out(); out != "" {
		t.Errorf("containers after reset: %q", out)
	}
	if out := p.MustRun("images", "-q").Out(); out != "" {
		t.Errorf("images after reset: %q", out)
	}
}

// TestPromptsWithoutAnswer: podman 5 reads the confirmation and fails on
// end of input: prune commands with "Error: EOF" (125), reset with exit 1;
// nothing is removed.
func TestPromptsWithoutAnswer(t *testing.T) {
	p := newPier(t)
	p.MustRun("create", "--name", "keep", Image, "true")
	for _, args := range [][]string{{"image", "prune"}, {"system", "prune"}} {
		r := p.RunWith(RunOpts{Stdin: strings.NewReader("")}, args...)
		if r.ExitCode != 125 || !strings.HasSuffix(strings.TrimSpace(r.Stderr), "Error: EOF") {
			t.Errorf("%v without an answer: %s", args, r)
		}
	}
	r := p.RunWith(RunOpts{Stdin: strings.NewReader("")}, "system", "reset")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, "EOF") {
		t.Errorf("reset without an answer: %s", r)
	}
	p.MustRun("container", "exists", "keep")
	r = p.Expect(125, "images", "--filter", "until=bogus")
	if strings.TrimSpace(r.Stderr) != `Error: failed to parse value as time or duration: "bogus"` {
		t.Errorf("until=bogus: %s", r)
	}
}
