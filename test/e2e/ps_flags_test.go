package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ps flags as podman 5 has them: --sort, --size, --pod, --watch, -n order,
// and the container filters.

func TestPsSortSizePod(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "zeta", Image, "sleep", "100")
	time.Sleep(1100 * time.Millisecond) // distinct creation and start seconds
	p.MustRun("run", "--name", "alpha", Image, "sh", "-c", "dd if=/dev/zero of=/big bs=1k count=300 2>/dev/null")
	p.MustRun("create", "--name", "mid", Image)
	names := func(args ...string) string {
		return strings.Join(p.MustRun(append([]string{"ps", "-a", "--format", "{{.Names}}"}, args...)...).Lines(), " ")
	}
	for key, want := range map[string]string{
		"names": "alpha mid zeta", "created": "zeta alpha mid", "command": "mid alpha zeta",
		"status": "mid alpha zeta", "runningfor": "mid zeta alpha", "image": "zeta alpha mid",
	} {
		if got := names("--sort", key); got != want {
			t.Errorf("ps --sort %s: %q, want %q", key, got, want)
		}
	}
	if got := names("--size", "--sort", "size"); !strings.HasSuffix(got, "alpha") {
		t.Errorf("ps --size --sort size: %q, alpha (300 kB more) last", got)
	}
	if r := p.Run("ps", "--sort", "pod"); r.ExitCode != 125 || !strings.HasPrefix(r.Stderr, `Error: invalid argument "pod" for "--sort" flag: "pod" is not a valid value.  Choose from: "command, created, id, image, names, runningfor, size, status"`) {
		t.Errorf("ps --sort pod: %s", r)
	}
	// -n keeps the newest n, oldest first.
	if got := names("-n", "2"); got != "alpha mid" {
		t.Errorf("ps -n 2: %q", got)
	}

	// --size reads the layers: alpha wrote 300 kB into its own.
	var list []struct {
		Names []string
		Size  *struct{ RootFsSize, RwSize int64 }
	}
	if err := json.Unmarshal([]byte(p.MustRun("ps", "-a", "--size", "--format", "json").Stdout), &list); err != nil {
		t.Fatal(err)
	}
	sizes := map[string][2]int64{}
	for _, c := range list {
		if c.Size == nil {
			t.Fatalf("ps --size --format json: no Size for %v", c.Names)
		}
		sizes[c.Names[0]] = [2]int64{c.Size.RwSize, c.Size.RootFsSize}
	}
	if rw := sizes["alpha"][0]; rw < 300*1024 || rw > 400*1024 {
		t.Errorf("alpha's rw size %d, want about 300 kB", rw)
	}
	if img := sizes["mid"][1] - sizes["mid"][0]; img <= 0 || sizes["alpha"][1]-sizes["alpha"][0] != img {
		t.Errorf("virtual size = image + rw, the image being the same for all: %v", sizes)
	}
	r := p.MustRun("ps", "-a", "--size", "--filter", "name=alpha")
	if !regexp.MustCompile(`(?m)^CONTAINER ID .* NAMES +SIZE$`).MatchString(r.Stdout) || !regexp.MustCompile(`alpha +3\d\dkB \(virtual \d\.\d+MB\)`).MatchString(r.Stdout) {
		t.Errorf("ps --size table: %s", r)
	}
	p.ExpectEngineError(p.Run("ps", "--size", "--ns"), "Error: size and namespace options conflict")

	// No pods exist yet: the pod columns are there and empty.
	r = p.MustRun("ps", "-a", "--pod", "--filter", "name=mid")
	lines := r.Lines()
	if len(lines) != 2 || !regexp.MustCompile(`NAMES +POD ID +PODNAME$`).MatchString(lines[0]) || !strings.HasSuffix(strings.TrimRight(lines[1], " "), "mid") {
		t.Errorf("ps --pod: %s", r)
	}
}

func TestPsWatch(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.ExpectEngineError(p.Run("ps", "-w", "1", "-l"), "Error: the watch and latest flags cannot be used together")
	p.MustRun("run", "-d", "--name", "w1", Image, "sleep", "100")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := p.Command(ctx, RunOpts{}, "ps", "-w", "1", "--format", "{{.Names}}")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Wait()
	// Redrawn every second until interrupted: two or three times in 2.5 s;
	// the interrupt ends it with podman's silent exit 1.
	if n := strings.Count(out.String(), "w1\n"); n < 2 || n > 3 {
		t.Errorf("ps -w 1 for 2.5 s drew %d times: %q", n, out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 || errOut.String() != "" {
		t.Errorf("ps -w interrupted: exit %d, stderr %q", code, errOut.String())
	}
}

func TestPsFilters(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := t.TempDir()
	p.MustRun("run", "-d", "--name", "f1", "-v", dir+":/mnt", "--label", "x=1", Image, "sleep", "100")
	p.MustRun("create", "--name", "f2", Image, "echo", "hi")
	p.MustRun("create", "--name", "f3", "--restart", "always", Image, "false")
	p.MustRun("create", "--name", "f4", "--restart", "no", Image, "false")
	for f, want := range map[string]string{
		"command=sleep": "f1", "command=ech": "f2", "volume=/mnt": "f1", "volume=" + dir + ":/mnt": "f1",
		"volume=nosuchvol": "", "network=nosuch": "", "command=false": "f3 f4", "pod=nosuch": "", "health=healthy": "",
		"until=2099-01-01": "f1 f2 f3 f4", "until=1h": "", "label!=x": "f2 f3 f4", "label!=x=1": "f2 f3 f4",
		"name=[": "", "should-start-on-boot=false": "f1 f2 f3 f4", "restart-policy=none": "f1 f2",
		"restart-policy=always": "f3", "restart-policy=no": "f4", "label!=nosuch": "f1 f2 f3 f4",
	} {
		got := strings.Join(p.MustRun("ps", "-a", "--filter", f, "--format", "{{.Names}}").Lines(), " ")
		if got != want {
			t.Errorf("ps --filter %s: %q, want %q", f, got, want)
		}
	}
	for f, want := range map[string]string{
		"status=stopping":        "Error: unknown container state: stopping: invalid argument",
		"status=configured":      "Error: unknown container state: configured: invalid argument",
		"exited=abc":             `Error: exited code out of range '\x00': strconv.ParseInt: parsing "abc": invalid syntax`,
		"until=bogus":            `Error: failed to parse value as time or duration: "bogus"`,
		"should-start-on-boot=x": `Error: strconv.ParseBool: parsing "x": invalid syntax`,
		"restart-policy=bogus":   "Error: bogus invalid restart policy",
		"bogus=1":                "Error: bogus is an invalid filter",
		"since=nosuch":           `Error: no container with name or ID "nosuch" found: no such container`,
	} {
		p.ExpectEngineError(p.Run("ps", "-a", "--filter", f), want)
	}
}

func TestPsExternalImpliesAll(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ext := externalContainer(t, p, "ext-ps")
	p.MustRun("create", "--name", "mine", Image)
	// --external lists every container, as podman's does without -a.
	got := p.MustRun("ps", "--external", "--format", "{{.Names}} {{.Status}}").Lines()
	if len(got) != 2 || got[0] != "mine Created" || got[1] != "ext-ps Storage" {
		t.Errorf("ps --external: %q", got)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(p.MustRun("ps", "--external", "--filter", "id="+ext, "--format", "json").Stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("ps --external --format json: %v %v", list, err)
	}
	if list[0]["StartedAt"] != float64(0) || list[0]["ExitedAt"] != float64(0) || list[0]["Networks"] != nil {
		t.Errorf("another tool's container has no times or networks in podman's JSON: %v", list[0])
	}
	p.MustRun("rm", "-f", ext)
}
