package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A numeric -u user and group the image lacks get entries in the
// container's /etc/passwd and /etc/group, shaped by --passwd-entry and
// --group-entry; run --passwd=false adds none, and create has no --passwd.
func TestRunPasswdEntries(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	show := "id; tail -1 /etc/passwd; tail -1 /etc/group"
	got := p.MustRun("run", "--rm", "-u", "54321:5678", "-w", "/tmp", Image, "sh", "-c", show+"; echo $HOME").Lines()
	want := []string{"uid=54321(54321) gid=5678(5678) groups=5678(5678)",
		"54321:*:54321:5678:container user:/tmp:/bin/sh", "5678:x:5678:54321", "/tmp"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("numeric user:\n got %q\nwant %q", got, want)
	}
	got = p.MustRun("run", "--rm", "-u", "54321:5678", "--passwd-entry", "$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/false",
		"--group-entry", "$GROUPNAME:y:$GID:$USERLIST", Image, "sh", "-c", "tail -1 /etc/passwd; tail -1 /etc/group").Lines()
	if strings.Join(got, "|") != "54321:x:54321:5678:container user:/:/bin/false|:y:5678:" {
		t.Errorf("templates: %q", got)
	}
	got = p.MustRun("run", "--rm", "--passwd=false", "-u", "54321:5678", Image, "sh", "-c", show).Lines()
	if strings.Join(got, "|") != "uid=54321 gid=5678 groups=5678|nobody:x:65534:65534:nobody:/nonexistent:/bin/false|nogroup:x:65534:" {
		t.Errorf("--passwd=false: %q", got)
	}
	if got := p.MustRun("run", "--name", "pw", "--passwd=false", Image, "true"); got.ExitCode == 0 {
		if v := p.Inspect("pw", "{{.Config.Passwd}}"); v != "false" {
			t.Errorf("inspect Config.Passwd: %q", v)
		}
	}
	// --read-only: the image's files stay; copies with the entries are bound over them.
	got = p.MustRun("run", "--rm", "--read-only", "-u", "54321:5678", Image, "sh", "-c",
		"tail -1 /etc/passwd; grep -c ' /etc/passwd .* ro,' /proc/mounts").Lines()
	if strings.Join(got, "|") != "54321:*:54321:5678:container user:/:/bin/sh|1" {
		t.Errorf("--read-only passwd: %q", got)
	}
	// A user's own /etc/passwd (a file or with /etc) is where -u is looked up.
	pw := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(pw, []byte("root:x:0:0:root:/root:/bin/sh\nfoo:x:777:888:foo:/foohome:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got = p.MustRun("run", "--rm", "-v", pw+":/etc/passwd", "-u", "foo", Image, "sh", "-c", "id -u; id -g; echo $HOME").Lines()
	if strings.Join(got, " ") != "777 888 /foohome" {
		t.Errorf("-u looked up in a mounted /etc/passwd: %q", got)
	}
	if r := p.Expect(125, "create", "--passwd=false", Image); !strings.HasPrefix(r.Stderr, "Error: unknown flag: --passwd\n") {
		t.Errorf("create has no --passwd: %s", r)
	}
}

// --hostuser copies a host user missing from the image (its home when a
// mount provides it, else the working dir); an unknown one fails the
// start with exit 126, as podman's run.
func TestRunHostUser(t *testing.T) {
	t.Parallel()
	name, uid, home := hostUserNotInImage(t)
	p := newPier(t)
	got := p.MustRun("run", "--rm", "--hostuser", name, "-u", name, Image, "sh", "-c", "id -u; tail -1 /etc/passwd").Lines()
	if len(got) != 2 || got[0] != uid || !strings.HasPrefix(got[1], name+":*:"+uid+":") || !strings.HasSuffix(got[1], ":/:/bin/sh") {
		t.Errorf("--hostuser %s: %q", name, got)
	}
	if home != "/" && home != "" {
		got = p.MustRun("run", "--rm", "--hostuser", name, "--tmpfs", home, Image, "tail", "-1", "/etc/passwd").Lines()
		if len(got) != 1 || !strings.HasSuffix(got[0], ":"+home+":/bin/sh") {
			t.Errorf("mounted home %s: %q", home, got)
		}
	}
	r := p.Expect(126, "run", "--rm", "--hostuser", "nosuchuser-pier", Image, "true")
	if !strings.Contains(r.Stderr, "user: unknown user nosuchuser-pier") {
		t.Errorf("unknown host user: %s", r)
	}
}

// hostUserNotInImage picks a host user whose name and UID the test image
// does not have.
func hostUserNotInImage(t *testing.T) (name, uid, home string) {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Split(sc.Text(), ":")
		if len(fl) < 7 || strings.ContainsAny(fl[4], ",") {
			continue
		}
		switch {
		case fl[0] == "root" || fl[0] == "test" || fl[0] == "nobody":
		case fl[2] == "0" || fl[2] == "1000" || fl[2] == "65534":
		default:
			return fl[0], fl[2], fl[5]
		}
	}
	t.Skip("no host user missing from the test image")
	return "", "", ""
}

// --umask, --env-merge, --sysctl and --no-hostname, with podman's errors.
// --env-merge sees the image's variables, not HOME (set at start).
func TestRunUmaskEnvSysctlHostname(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	got := p.MustRun("run", "--name", "u", "--umask", "77", "--no-hostname",
		"--env-merge", "PATH=/x:${PATH}", "--env-merge", "FOO=${NOPE}bar", "--env-merge", "B=$FOO-$HOME",
		"--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.msgmax=12345",
		Image, "sh", "-c", "umask; echo $PATH $FOO $B; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax; test -e /etc/hostname || echo nohostname").Lines()
	want := []string{"0077", "/x:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bar bar-", "1", "12345", "nohostname"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if v := p.Inspect("u", "{{.Config.Umask}} {{.UseImageHostname}} {{.Config.Passwd}}"); v != "0077 true true" {
		t.Errorf("inspect: %q", v)
	}
	for args, msg := range map[string]string{
		"--umask 8":             "running container create option: invalid umask string 8: invalid argument",
		"--umask 12345":         "running container create option: invalid umask string 12345: invalid argument",
		"--env-merge NOEQ":      "missing `=` for --env-merge substitution NOEQ",
		"--sysctl kernel.foo=1": "sysctl 'kernel.foo' is not allowed",
		"--sysctl net.a=b=c":    "'net.a=b=c' is invalid, extra spaces found",
		"--network host --sysctl net.core.somaxconn=1": "sysctl net.core.somaxconn=1 can't be set since Network Namespace set to host: invalid argument",
		"--ipc host --sysctl fs.mqueue.msg_max=10":     "sysctl fs.mqueue.msg_max=10 can't be set since IPC Namespace set to host: invalid argument",
		"--shm-size-systemd 10x":                       "unable to translate --shm-size-systemd: invalid suffix: 'x'",
	} {
		p.ExpectEngineError(p.Expect(125, append(append([]string{"run", "--rm"}, strings.Fields(args)...), Image, "true")...), msg)
	}
	if ids := p.PsIDs(); len(ids) != 1 {
		t.Errorf("refused runs left containers: %v", ids)
	}
}

// --read-only gives writable tmpfs on /run, /tmp and /var/tmp (exec, as
// podman 5.8); --read-only-tmpfs=false gives none and a read-only /dev.
func TestRunReadOnlyTmpfs(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	check := "for d in /run /tmp /var/tmp /dev; do touch $d/x 2>/dev/null && echo $d:rw || echo $d:ro; done; grep -c ' /tmp tmpfs .*noexec' /proc/mounts"
	if got := strings.Join(p.Run("run", "--rm", "--read-only", Image, "sh", "-c", check).Lines(), " "); got != "/run:rw /tmp:rw /var/tmp:rw /dev:rw 0" {
		t.Errorf("--read-only: %q", got)
	}
	if got := strings.Join(p.Run("run", "--rm", "--read-only", "--read-only-tmpfs=false", Image, "sh", "-c", check).Lines(), " "); got != "/run:ro /tmp:ro /var/tmp:ro /dev:ro 0" {
		t.Errorf("--read-only --read-only-tmpfs=false: %q", got)
	}
}

// --chrootdirs binds /etc/hosts and /etc/resolv.conf into each dir;
// --shm-size-systemd sizes systemd mode's tmpfs mounts.
func TestRunChrootDirsShmSizeSystemd(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	got := p.MustRun("run", "--name", "c", "--chrootdirs", "/c1", Image, "sh", "-c",
		"cmp /etc/hosts /c1/etc/hosts && echo same; grep -c ' /c1/etc/' /proc/mounts").Lines()
	if strings.Join(got, " ") != "same 1" && strings.Join(got, " ") != "same 2" {
		t.Errorf("--chrootdirs: %q", got)
	}
	if v := p.Inspect("c", "{{.Config.ChrootDirs}}"); v != "[/c1]" {
		t.Errorf("inspect Config.ChrootDirs: %q", v)
	}
	got = p.MustRun("run", "--rm", "--systemd", "always", "--shm-size-systemd", "10m", Image, "sh", "-c",
		"grep ' /run/lock ' /proc/mounts").Lines()
	if len(got) != 1 || !strings.Contains(got[0], "size=10240k") {
		t.Errorf("--shm-size-systemd: %q", got)
	}
}

// --image-volume: the image's VOLUMEs become anonymous volumes (default),
// tmpfs mounts or nothing; podman 5 refuses "bind".
func TestRunImageVolume(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "src", Image, "sh", "-c", "mkdir -p /data && echo seed >/data/f")
	p.MustRun("commit", "-q", "-c", "VOLUME /data", "src", "withvol")
	if got := p.MustRun("run", "--rm", "--image-volume", "tmpfs", "withvol", "sh", "-c", "stat -f -c %T /data; cat /data/f").Lines(); strings.Join(got, " ") != "tmpfs seed" {
		t.Errorf("--image-volume tmpfs: %q", got)
	}
	if got := p.Run("run", "--rm", "--image-volume", "ignore", "withvol", "sh", "-c", "grep -c ' /data ' /proc/mounts; cat /data/f").Lines(); strings.Join(got, " ") != "0 seed" {
		t.Errorf("--image-volume ignore: /data is the image's own directory: %q", got)
	}
	if got := p.MustRun("volume", "ls", "-q").Out(); got != "" {
		t.Errorf("tmpfs and ignore make no volumes: %q", got)
	}
	p.ExpectEngineError(p.Expect(125, "run", "--rm", "--image-volume", "bind", "withvol", "true"),
		`invalid image volume mode "bind" required value: anonymous, tmpfs, ignore`)
	p.MustRun("create", "--name", "anon", "withvol")
	if v := p.Inspect("anon", "{{range .HostConfig.Binds}}{{.}}{{end}}"); !strings.HasSuffix(v, ":/data:rprivate,rw,nodev,exec,nosuid,rbind") {
		t.Errorf("anonymous image volume options: %q", v)
	}
	p.MustRun("rm", "-v", "anon")
}
