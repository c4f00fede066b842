package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// exec --cidfile takes the container from the file's first line; every
// argument is then the command. Errors as podman 5's.
func TestExecCIDFile(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("run", "-d", "--name", "ecid", Image, "sleep", "1000").Out()
	cid := filepath.Join(p.Dir, "cid")
	if err := os.WriteFile(cid, []byte(id+"\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := p.MustRun("exec", "--cidfile", cid, "sh", "-c", "echo $((6*7))").Out(); got != "42" {
		t.Errorf("exec --cidfile: %q", got)
	}
	p.ExpectEngineError(p.Run("exec", "--cidfile", cid, "-l", "true"), "--latest and --cidfile can not be used together")
	p.ExpectEngineError(p.Run("exec", "--cidfile", filepath.Join(p.Dir, "nosuch"), "true"), "reading CIDFile: open ")
	empty := filepath.Join(p.Dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	p.ExpectEngineError(p.Run("exec", "--cidfile", empty, "true"), "name or ID cannot be empty")
	p.ExpectEngineError(p.Run("exec"), "exec requires the name or ID of a container or the --latest or --cidfile flag")
}

// exec --no-session runs the command with its output and exit code but
// records no session: inspect lists none while it runs.
func TestExecNoSession(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "ens", Image, "sleep", "1000")
	r := p.Run("exec", "--no-session", "ens", "sh", "-c", "echo out; echo err >&2; exit 3")
	if r.ExitCode != 3 || r.Stdout != "out\n" || r.Stderr != "err\n" {
		t.Errorf("exec --no-session: want out/err and exit 3: %s", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, noSession := range []bool{false, true} {
		args := []string{"exec"}
		if noSession {
			args = append(args, "--no-session")
		}
		args = append(args, "ens", "sh", "-c", "touch /tmp/up; sleep 3")
		cmd := p.Command(ctx, RunOpts{}, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !eventually(20*time.Second, func() bool { return p.Run("exec", "ens", "test", "-e", "/tmp/up").ExitCode == 0 }) {
			t.Fatal("the exec did not start")
		}
		ids := p.MustRun("inspect", "--format", "{{len .ExecIDs}}", "ens").Out()
		// the probing exec itself is gone by now
		if want := map[bool]string{false: "1", true: "0"}[noSession]; ids != want {
			t.Errorf("no-session=%v: ExecIDs while running: %s, want %s", noSession, ids, want)
		}
		cmd.Wait()
		p.MustRun("exec", "ens", "rm", "/tmp/up")
	}
	p.ExpectEngineError(p.Run("exec", "--no-session", "-d", "ens", "true"), "--no-session cannot be used with --detach or --detach-keys")
	p.ExpectEngineError(p.Run("exec", "--no-session", "--detach-keys", "", "ens", "true"), "--no-session cannot be used with --detach or --detach-keys")
}

// exec --preserve-fd passes the named fds at their numbers, as run's.
func TestExecPreserveFD(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "efd", Image, "sleep", "1000")
	out, err := runPreservingFD4(t, p, "exec", "--preserve-fd", "4", "efd")
	if got := string(out); err != nil || got != "from fd 4\n/dev/null\n" {
		t.Errorf("exec --preserve-fd 4: want fd 4's content and /dev/null at fd 3, got %q (%v)", got, err)
	}
	p.ExpectEngineError(p.Run("exec", "--preserve-fd", "9", "efd", "true"), "file descriptor 9 is not available - the preserve-fd option requires that file descriptors must be passed")
	r := p.Run("exec", "--preserve-fd", "1", "efd", "true")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "cannot preserve FD 1, consider using the passthrough log-driver") {
		t.Errorf("exec --preserve-fd 1: want podman's exit 125 and text: %s", r)
	}
}

// create -a is accepted and ignored, as podman 5's create: any value, and
// start --attach still attaches every output stream.
func TestCreateAttachIgnored(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "-a", "stdout", "--name", "ca", Image, "sh", "-c", "echo out; echo err >&2")
	r := p.Run("start", "-a", "ca")
	if r.ExitCode != 0 || r.Stdout != "out\n" || r.Stderr != "err\n" {
		t.Errorf("start -a of create -a stdout: want both streams: %s", r)
	}
	p.MustRun("create", "-a", "bogus", "--name", "cb", Image, "true")
}

// create --init-ctr: pod init containers run to completion before the
// pod's other members at each pod start ("always") or at the first only,
// then are removed ("once"); podman's errors otherwise.
func TestCreateInitCtr(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.ExpectEngineError(p.Run("create", "--init-ctr", "always", Image, "true"), "must specify pod value with init-ctr")
	p.ExpectEngineError(p.Run("create", "--init-ctr", "sometimes", "--pod", "new:bad", Image, "true"), "init-ctr value must be 'always' or 'once'")
	if r := p.Run("pod", "exists", "bad"); r.ExitCode != 1 {
		t.Errorf("a refused init-ctr left its new pod: %s", r)
	}

	// The member appends its start to what the init container wrote: the
	// log shows the order across starts.
	always := p.MustRun("create", "--init-ctr", "always", "--pod", "new:ia", Image, "sh", "-c", "echo init >> /dev/shm/log").Out()
	p.MustRun("create", "--pod", "ia", "--name", "iam", Image, "sh", "-c", "echo main >> /dev/shm/log; sleep 1000")
	p.MustRun("pod", "start", "ia")
	if got := p.MustRun("pod", "inspect", "--format", "{{.State}}", "ia").Out(); got != "Running" {
		t.Errorf("an exited init container should not degrade the pod: %s", got)
	}
	p.ExpectEngineError(p.Run("create", "--init-ctr", "once", "--pod", "ia", Image, "true"), "cannot add init-ctr to a running pod")
	p.MustRun("pod", "stop", "-t", "0", "ia")
	p.MustRun("pod", "start", "ia")
	// /dev/shm is the pod's (shared ipc) and lives while the infra runs:
	// the stop restarted the infra, so the log starts afresh.
	if got := p.MustRun("exec", "iam", "cat", "/dev/shm/log").Out(); got != "init\nmain" {
		t.Errorf("always: want the init container before the member: %q", got)
	}
	if got := p.MustRun("inspect", "--format", "{{.State.Status}}", always).Out(); got != "exited" {
		t.Errorf("always: the init container stays, exited: %s", got)
	}

	once := p.MustRun("create", "--init-ctr", "once", "--pod", "new:io", Image, "sh", "-c", "echo init >> /dev/shm/log").Out()
	p.MustRun("create", "--pod", "io", "--name", "iom", Image, "sh", "-c", "echo main >> /dev/shm/log; sleep 1000")
	p.MustRun("pod", "start", "io")
	if got := p.MustRun("exec", "iom", "cat", "/dev/shm/log").Out(); got != "init\nmain" {
		t.Errorf("once: want the init container before the member: %q", got)
	}
	if r := p.Run("container", "exists", once); r.ExitCode != 1 {
		t.Errorf("once: the init container should be removed after its run: %s", r)
	}
	p.MustRun("pod", "stop", "-t", "0", "io")
	p.MustRun("pod", "start", "io")
	if got := p.MustRun("exec", "iom", "cat", "/dev/shm/log").Out(); got != "main" {
		t.Errorf("once: no init run at the second start: %q", got)
	}

	// A failing init container stops the pod start before the members.
	p.MustRun("create", "--init-ctr", "always", "--pod", "new:if", Image, "sh", "-c", "exit 3")
	p.MustRun("create", "--pod", "if", "--name", "ifm", Image, "sleep", "1000")
	p.ExpectEngineError(p.Run("pod", "start", "if"), "Error: init container ", " exited with code 3")
	if got := p.MustRun("inspect", "--format", "{{.State.Status}}", "ifm").Out(); got != "created" {
		t.Errorf("a member started despite its failed init container: %s", got)
	}
}

// pod create --shm-size-systemd sizes the systemd tmpfs mounts of every
// member, over the member's own (podman's members inherit the infra's);
// pod clone --shm-size-systemd replaces it in the clone.
func TestPodShmSizeSystemd(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.ExpectEngineError(p.Run("pod", "create", "--shm-size-systemd", "foo", "--name", "bad"), "unable to translate --shm-size-systemd: invalid size: 'foo'")
	if r := p.Run("pod", "exists", "bad"); r.ExitCode != 1 {
		t.Errorf("a refused pod create left its pod: %s", r)
	}
	p.MustRun("pod", "create", "--shm-size-systemd", "10m", "--name", "pss")
	runSize := func(name string) string {
		line := p.MustRun("exec", name, "grep", " /run ", "/proc/mounts").Out()
		for _, f := range strings.Split(line, ",") {
			if strings.HasPrefix(f, "size=") {
				return strings.Fields(f)[0]
			}
		}
		return "unlimited: " + line
	}
	p.MustRun("create", "--pod", "pss", "--name", "pss1", "--systemd", "always", Image, "sleep", "1000")
	p.MustRun("create", "--pod", "pss", "--name", "pss2", "--systemd", "always", "--shm-size-systemd", "20m", Image, "sleep", "1000")
	p.MustRun("pod", "start", "pss")
	for _, c := range []string{"pss1", "pss2"} {
		if got := runSize(c); got != "size=10240k" {
			t.Errorf("%s: want the pod's 10m on /run: %s", c, got)
		}
	}
	p.MustRun("pod", "stop", "-t", "0", "pss")
	p.MustRun("pod", "clone", "--shm-size-systemd", "5m", "--name", "pssc", "pss")
	p.MustRun("pod", "start", "pssc")
	if got := runSize("pss1-clone"); got != "size=5120k" {
		t.Errorf("pod clone: want the clone's 5m on /run: %s", got)
	}
}

// pod clone --volumes-from gives the clone's infra the container's
// volumes (inspect shows it there) and every member mounts them.
func TestPodCloneVolumesFrom(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "vsrc", "-v", "/data", Image, "sh", "-c", "echo fromsrc > /data/f")
	p.MustRun("pod", "create", "--name", "pv")
	p.MustRun("create", "--pod", "pv", "--name", "pvm", Image, "sleep", "1000")
	p.MustRun("pod", "clone", "--volumes-from", "vsrc", "--start", "--name", "pvc", "pv")
	if got := p.MustRun("exec", "pvm-clone", "cat", "/data/f").Out(); got != "fromsrc" {
		t.Errorf("clone --volumes-from: member sees %q", got)
	}
	infra := p.MustRun("pod", "inspect", "--format", "{{.InfraContainerID}}", "pvc").Out()
	if got := p.Inspect(infra, "{{.HostConfig.VolumesFrom}}"); got != "[vsrc]" {
		t.Errorf("clone --volumes-from: infra's HostConfig.VolumesFrom %q", got)
	}
	if r := p.Run("pod", "clone", "--volumes-from", "nosuch", "--name", "pvbad", "pv"); r.ExitCode != 125 {
		t.Errorf("clone --volumes-from of a missing container: %s", r)
	}
	p.Expect(1, "pod", "exists", "pvbad")
}
