package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const journaldBin = "/lib/systemd/systemd-journald"

// privateJournald runs systemd-journald in a mount namespace of its own,
// with tmpfs over /run/systemd and the journal directory, so that tests
// get a real journal on hosts where none runs (this one, CI) and never
// touch the host's. It returns a pier binary wrapper that runs pier (and
// so its monitors) in that namespace, or why it cannot.
func privateJournald(t *testing.T) (wrapper, why string) {
	t.Helper()
	if _, err := os.Stat(journaldBin); err != nil {
		return "", journaldBin + " is not installed"
	}
	for _, tool := range []string{"unshare", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", tool + " is not installed"
		}
	}
	if st, err := os.Stat("/run/systemd"); err != nil || !st.IsDir() {
		return "", "/run/systemd does not exist to mount a private one over"
	}
	journalDir := "/var/log/journal"
	if _, err := os.Stat(journalDir); err != nil {
		journalDir = "/run/log"
	}
	// Without /var/log/journal journald writes /run/log/journal; an empty
	// /run/log made on the host's /run is harmless.
	script := "set -e; mkdir -p " + journalDir + "; mount -t tmpfs tmpfs /run/systemd; mount -t tmpfs tmpfs " + journalDir + "; exec " + journaldBin
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
	// No Pdeathsig: it follows the starting OS thread, not the process,
	// and could end journald mid-test. The cleanup kills it.
	if err := cmd.Start(); err != nil {
		return "", "unshare: " + err.Error()
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := strconv.Itoa(cmd.Process.Pid)
	// /proc/PID/root sees the namespace's mounts.
	sock := "/proc/" + pid + "/root/run/systemd/journal/socket"
	if !eventually(10*time.Second, func() bool { st, err := os.Stat(sock); return err == nil && st.Mode()&os.ModeSocket != 0 }) {
		return "", "the private journald did not come up"
	}
	wrapper = filepath.Join(t.TempDir(), "pier-in-journal-ns")
	body := "#!/bin/sh\nexec nsenter --mount=/proc/" + pid + "/ns/mnt " + pierBin + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return wrapper, ""
}

// Without journald (the host here), a journald container runs as with
// podman (attached output still shows) but `logs` fails with one clear
// line where podman shows nothing; `logs -f` with the file events backend
// fails first with podman's error; and the journald events backend fails
// each write with podman's error, the command itself succeeding.
func TestJournaldAbsent(t *testing.T) {
	t.Parallel()
	checkJournaldAbsent(t)
}

func checkJournaldAbsent(t *testing.T) {
	if _, err := os.Stat("/run/systemd/journal/socket"); err == nil {
		t.Log("journald runs on this host: the journald-absent errors were not checked")
		return
	}
	p := newPier(t)
	if got := p.MustRun("--events-backend=file", "run", "--name", "jn", "--log-driver", "journald", Image, "echo", "hi").Out(); got != "hi" {
		t.Errorf("run output %q", got)
	}
	r := p.Expect(125, "--events-backend=file", "logs", "--follow", "jn")
	p.ExpectEngineError(r, "Error: using --follow with the journald --log-driver but without the journald --events-backend (file) is not supported")
	r = p.Expect(125, "logs", "jn")
	p.ExpectEngineError(r, "cannot read the logs of container jn: journald is not running on this host (no /run/systemd/journal/socket): its output was not recorded")
	p.MustRun("rm", "jn")
	r = p.MustRun("--events-backend", "journald", "volume", "create", "jv")
	if !strings.Contains(r.Stderr, `level=error msg="Unable to write volume event: \"write unixgram @`) ||
		!strings.Contains(r.Stderr, "->/run/systemd/journal/socket: sendmsg: no such file or directory") {
		t.Errorf("want podman's write error on stderr: %s", r)
	}
	p.MustRun("--events-backend", "file", "volume", "rm", "jv")
}

// With a journald (a private one), containers log to the journal with
// conmon's fields, `logs` reads them back as podman does (stderr, a line
// without newline, --tail, -f), and the journald events backend records
// and reads podman's entries, also streamed live.
func TestJournaldRoundTrip(t *testing.T) {
	t.Parallel()
	wrapper, why := privateJournald(t)
	if why != "" {
		t.Log("journald round trip not run: " + why + "; checked the journald-absent errors instead")
		checkJournaldAbsent(t)
		return
	}
	p := newPier(t)
	p.Bin = wrapper
	p.WriteConf("[engine]\nevents_logger = \"journald\"\n")
	start := strconv.FormatInt(time.Now().Add(-time.Second).Unix(), 10)

	stream := p.Command(t.Context(), RunOpts{}, "events", "--filter", "type=container", "--format", "{{.Status}} {{.Name}}")
	var live syncBuffer
	stream.Stdout = &live
	if err := stream.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	r := p.MustRun("run", "--name", "jl", "--log-driver", "journald", "--log-opt", "tag=tg", "--label", "k=v", Image,
		"sh", "-c", "echo out1; echo err1 >&2; echo out2; printf partial")
	if r.Stdout != "out1\nout2\npartial" || r.Stderr != "err1\n" {
		t.Errorf("run output: %s", r)
	}
	r = p.MustRun("logs", "jl")
	if r.Stdout != "out1\nout2\npartial" || r.Stderr != "err1\n" {
		t.Errorf("logs: %s", r)
	}
	if got := p.MustRun("logs", "--tail", "2", "jl").Stdout; got != "out2\npartial" {
		t.Errorf("logs --tail 2: %q", got)
	}
	if got := p.MustRun("logs", "-f", "jl").Stdout; got != "out1\nout2\npartial" {
		t.Errorf("logs -f of an exited container: %q", got)
	}
	if got := p.Inspect("jl", "{{.HostConfig.LogConfig.Type}}|{{.HostConfig.LogConfig.Path}}"); got != "journald|" {
		t.Errorf("inspect LogConfig: %q", got)
	}

	// A follower of a running container gets new lines and ends with it.
	p.MustRun("run", "-d", "--name", "jf", "--log-driver", "journald", Image, "sh", "-c", "echo a; sleep 2; echo b")
	if got := p.MustRun("logs", "-f", "jf").Stdout; got != "a\nb\n" {
		t.Errorf("logs -f: %q", got)
	}

	// The events are podman's entries, read back with their fields.
	var sawDied bool
	for _, l := range p.MustRun("events", "--stream=false", "--since", start, "--filter", "container=jl", "--format", "json").Lines() {
		var e map[string]any
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e["Status"] == "died" {
			sawDied = true
			if e["ContainerExitCode"] != float64(0) || e["Name"] != "jl" || e["Attributes"].(map[string]any)["k"] != "v" {
				t.Errorf("died event: %v", e)
			}
		}
	}
	if !sawDied {
		t.Errorf("no died event of jl in the journal")
	}
	want := []string{"create jl", "init jl", "start jl", "attach jl", "died jl"}
	if !eventually(10*time.Second, func() bool { return strings.Contains(live.String(), "died jf") }) {
		t.Errorf("the live stream missed events:\n%s", live.String())
	}
	_ = stream.Process.Signal(syscall.SIGINT)
	if err := stream.Wait(); err != nil {
		t.Errorf("events stream after SIGINT: %v", err)
	}
	got := live.String()
	for _, w := range want {
		if !strings.Contains(got, w+"\n") {
			t.Errorf("live stream lacks %q:\n%s", w, got)
		}
	}
	p.MustRun("rm", "-af")
}
