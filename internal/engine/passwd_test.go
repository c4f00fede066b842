package engine

import (
	"os"
	osuser "os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

// imageRoot is a rootfs with the busybox test image's /etc files.
func imageRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"passwd": "root:x:0:0:root:/root:/bin/sh\ntest:x:1000:1000:test:/home/test:/bin/sh\n",
		"group":  "root:x:0:\ntest:x:1000:\n",
	} {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func lastLine(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return lines[len(lines)-1]
}

func TestEtcFilesNumericUser(t *testing.T) {
	// A UID no host user has, so the entry is podman's "container user".
	uid := "54321"
	if _, err := osuser.LookupId(uid); err == nil {
		t.Skip("the host has a user with UID " + uid)
	}
	root := imageRoot(t)
	cfg := &define.ContainerConfig{ID: "c1", User: uid + ":5678", WorkingDir: "/work"}
	p, g, err := etcFiles(cfg, root, t.TempDir())
	if err != nil || p != "" || g != "" {
		t.Fatalf("a writable rootfs is changed in place: %q %q %v", p, g, err)
	}
	if got, want := lastLine(t, filepath.Join(root, "etc/passwd")), uid+":*:"+uid+":5678:container user:/work:/bin/sh"; got != want {
		t.Errorf("passwd: got %q, want %q", got, want)
	}
	if got, want := lastLine(t, filepath.Join(root, "etc/group")), "5678:x:5678:"+uid; got != want {
		t.Errorf("group: got %q, want %q", got, want)
	}
	// A second start finds the entries and adds nothing.
	if _, _, err := etcFiles(cfg, root, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "etc/passwd")); strings.Count(string(data), "container user") != 1 {
		t.Errorf("entry added twice:\n%s", data)
	}
}

func TestEtcFilesTemplatesReadOnly(t *testing.T) {
	root := imageRoot(t)
	data := t.TempDir()
	cfg := &define.ContainerConfig{ID: "c2", User: "54321:5678", WorkingDir: "/", ReadOnly: true}
	cfg.PasswdEntry = "$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/false"
	cfg.GroupEntry = "$GROUPNAME:y:$GID:$USERLIST"
	p, g, err := etcFiles(cfg, root, data)
	if err != nil || p != filepath.Join(data, "passwd") || g != filepath.Join(data, "group") {
		t.Fatalf("a read-only rootfs gets copies: %q %q %v", p, g, err)
	}
	if got := lastLine(t, p); got != "54321:x:54321:5678:container user:/:/bin/false" {
		t.Errorf("passwd entry %q", got)
	}
	// podman fills $GROUPNAME and $USERLIST from the missing group: empty.
	if got := lastLine(t, g); got != ":y:5678:" {
		t.Errorf("group entry %q", got)
	}
	if got := lastLine(t, filepath.Join(root, "etc/passwd")); !strings.HasPrefix(got, "test:") {
		t.Errorf("the image's file must stay as it was: %q", got)
	}
}

func TestEtcFilesSkipped(t *testing.T) {
	root := imageRoot(t)
	off := false
	for name, cfg := range map[string]*define.ContainerConfig{
		"--passwd=false": {ID: "c3", User: "54321", Identity: define.Identity{Passwd: &off}},
		"user mount":     {ID: "c4", User: "54321:777", Mounts: []define.Mount{{Type: "bind", Source: "/x", Destination: "/etc/passwd"}, {Type: "bind", Source: "/y", Destination: "/etc/group"}}},
		"named user":     {ID: "c5", User: "test"},
		"known uid":      {ID: "c6", User: "1000:1000"},
	} {
		if _, _, err := etcFiles(cfg, root, t.TempDir()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := lastLine(t, filepath.Join(root, "etc/passwd")); !strings.HasPrefix(got, "test:") {
			t.Errorf("%s: passwd changed: %q", name, got)
		}
		if got := lastLine(t, filepath.Join(root, "etc/group")); got != "test:x:1000:" {
			t.Errorf("%s: group changed: %q", name, got)
		}
	}
}

func TestEtcFilesHostUser(t *testing.T) {
	root := imageRoot(t)
	cfg := &define.ContainerConfig{ID: "c7", WorkingDir: "/", Identity: define.Identity{HostUsers: []string{"nosuchuser-pier"}}}
	if _, _, err := etcFiles(cfg, root, t.TempDir()); err == nil || !strings.Contains(err.Error(), "creating temporary passwd file for container c7: user: unknown user nosuchuser-pier") {
		t.Fatalf("unknown host user: %v", err)
	}
	// root is in the image: nothing is added for it.
	cfg.HostUsers = []string{"root"}
	if _, _, err := etcFiles(cfg, root, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if got := lastLine(t, filepath.Join(root, "etc/passwd")); !strings.HasPrefix(got, "test:") {
		t.Errorf("root was already there: %q", got)
	}
}

func TestEtcFilesHostUserHome(t *testing.T) {
	u, err := lookupHostUser("0")
	if err != nil {
		t.Skip(err)
	}
	f := etcFile{cfg: &define.ContainerConfig{WorkingDir: "/w", ReadOnly: true}}
	root := imageRoot(t)
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f.root = r
	for home, want := range map[string]string{"/run/ircd": "/run/ircd", "/var/lib/x": "/w", "/": "/w"} {
		u.Username, u.Uid, u.HomeDir = "hu", "4242", home
		got, err := f.hostUserEntry(u)
		if err != nil || !strings.HasSuffix(got, ":"+want+":/bin/sh\n") {
			t.Errorf("home %s: got %q, %v; want home %s", home, got, err, want)
		}
	}
}
