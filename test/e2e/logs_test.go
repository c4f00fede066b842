package e2e

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// 3. logs, and the terminal.

// logPath finds a container's log file: inspect's HostConfig.LogConfig.Path
// (podman), else a ctr.log under the root.
func logPath(t *testing.T, p *Pier, ctr string) string {
	t.Helper()
	r := p.MustRun("inspect", ctr)
	var arr []struct {
		Id         string
		LogPath    string
		HostConfig struct{ LogConfig struct{ Path string } }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &arr); err != nil || len(arr) != 1 {
		t.Fatalf("inspect %s: %v\n%s", ctr, err, r.Stdout)
	}
	if path := arr[0].HostConfig.LogConfig.Path; path != "" {
		return path
	}
	if arr[0].LogPath != "" {
		return arr[0].LogPath
	}
	t.Errorf("inspect should give the log path in HostConfig.LogConfig.Path as podman does")
	var found string
	filepath.Walk(p.Root, func(path string, info os.FileInfo, err error) error {
		if err == nil && strings.Contains(path, arr[0].Id) && info.Name() == "ctr.log" {
			found = path
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no log file for %s under %s", ctr, p.Root)
	}
	return found
}

var k8sLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) (F|P) (.*)$`)

func TestLogs(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "l", Image, "sh", "-c", "echo one; echo two >&2; echo three; printf partial")
	r := p.MustRun("logs", "l")
	if r.Stdout != "one\nthree\npartial" || r.Stderr != "two\n" {
		t.Errorf("logs keep stdout and stderr apart: %s", r)
	}
	// The file on disk is in k8s-file format.
	raw := mustRead(logPath(t, p, "l"))
	var streams []string
	for _, l := range strings.Split(strings.TrimRight(raw, "\n"), "\n") {
		m := k8sLine.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("log line not in k8s-file format: %q", l)
			continue
		}
		streams = append(streams, m[3]+" "+m[4]+" "+m[5])
	}
	// stdout and stderr are separate pipes: only the order within each
	// stream is defined.
	var outs, errs []string
	for _, s := range streams {
		if strings.HasPrefix(s, "stderr") {
			errs = append(errs, s)
		} else {
			outs = append(outs, s)
		}
	}
	want := "stdout F one|stdout F three|stdout P partial|stderr F two"
	if strings.Join(append(outs, errs...), "|") != want {
		t.Errorf("log file content:\n got %q\nwant %q", strings.Join(streams, "|"), want)
	}

	// --tail, -t.
	p.MustRun("run", "--name", "t", Image, "sh", "-c", "echo 1; echo 2; echo 3; echo 4")
	if got := p.MustRun("logs", "--tail", "2", "t").Stdout; got != "3\n4\n" {
		t.Errorf("logs --tail 2: %q", got)
	}
	if got := p.MustRun("logs", "--tail", "0", "t").Stdout; got != "" {
		t.Errorf("logs --tail 0: %q", got)
	}
	r = p.MustRun("logs", "-t", "l")
	ts := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) one$`)
	if lines := strings.Split(r.Stdout, "\n"); !ts.MatchString(lines[0]) {
		t.Errorf("logs -t: first line %q", lines[0])
	}

	// --since.
	p.MustRun("run", "--name", "s", Image, "sh", "-c", "echo early; sleep 2; echo late")
	got := p.MustRun("logs", "--since", "1s", "s").Stdout
	if got != "late\n" {
		t.Logf("logs --since 1s: %q (timing-sensitive; checking with an absolute time too)", got)
	}
	if got := p.MustRun("logs", "--since", "2000-01-01T00:00:00Z", "s").Stdout; got != "early\nlate\n" {
		t.Errorf("logs --since <past>: %q", got)
	}
	if got := p.MustRun("logs", "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "s").Stdout; got != "" {
		t.Errorf("logs --since <future>: %q", got)
	}
}

func TestLogsFollow(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "f", Image, "sh", "-c", "echo first; sleep 2; echo second; exit 3")
	p.WaitLogs("f", "first", 10*time.Second)
	r := p.MustRun("logs", "-f", "f")
	if r.Stdout != "first\nsecond\n" {
		t.Errorf("logs -f should stream until the container exits: %s", r)
	}
	if r.Duration < time.Second {
		t.Errorf("logs -f returned before the container exited (%s)", r.Duration)
	}
}

// run -t gives the container a real terminal of the caller's size.
func TestRunTTY(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	code, got := p.RunInPty(33, 101, "run", "--rm", "-t", Image, "sh", "-c", "test -t 0 && echo TTY; stty size")
	got = strings.ReplaceAll(got, "\r", "") // both ptys add CRs
	if code != 0 || !strings.Contains(got, "TTY\n") || !strings.Contains(got, "33 101") {
		t.Errorf("run -t in a 33x101 terminal: exit %d, output %q; want TTY and \"33 101\"", code, got)
	}
}

func TestRunTTYInteractive(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	cmd, ptmx := p.StartInPty(20, 70, "run", "--rm", "-it", Image, "sh")
	var out safeBuffer
	go io.Copy(&out, ptmx)
	if !eventually(20*time.Second, func() bool { return strings.Contains(out.String(), "#") }) {
		t.Fatalf("no shell prompt in -it session: %q", out.String())
	}
	io.WriteString(ptmx, "echo $((6*7))-marker\r")
	if !eventually(10*time.Second, func() bool { return strings.Contains(out.String(), "42-marker") }) {
		t.Errorf("typed command not executed: %q", out.String())
	}
	// Resize is delivered to the container.
	pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120})
	time.Sleep(300 * time.Millisecond)
	io.WriteString(ptmx, "stty size\r")
	if !eventually(10*time.Second, func() bool { return strings.Contains(out.String(), "40 120") }) {
		t.Errorf("terminal resize not delivered: %q", out.String())
	}
	io.WriteString(ptmx, "exit 9\r")
	werr := cmd.Wait()
	if code, _ := exitStatus(cmd, werr); code != 9 {
		t.Errorf("-it session exit code: %d, want 9", code)
	}
}
