package specgen

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/pier-engine/pier/internal/errdefs"
)

func makeRootfs(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const testPasswd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
app:x:1000:1000:app:/home/app:/bin/sh
`

const testGroup = `root:x:0:root
bin:x:1:root,daemon
wheel:x:10:root,app
app:x:1000:
audio:x:29:app
`

func TestResolveUser(t *testing.T) {
	root := makeRootfs(t, map[string]string{"etc/passwd": testPasswd, "etc/group": testGroup})
	cases := []struct {
		spec          string
		uid, gid      uint32
		gids          []uint32
		home, wantErr string
	}{
		{spec: "", uid: 0, gid: 0, gids: []uint32{0, 1, 10}, home: "/root"},
		{spec: "root", uid: 0, gid: 0, gids: []uint32{0, 1, 10}, home: "/root"},
		{spec: "app", uid: 1000, gid: 1000, gids: []uint32{10, 29}, home: "/home/app"},
		{spec: "1000", uid: 1000, gid: 1000, gids: []uint32{10, 29}, home: "/home/app"},
		// An explicit group replaces the supplementary ones, as in podman.
		{spec: "app:wheel", uid: 1000, gid: 10, home: "/home/app"},
		{spec: "1000:29", uid: 1000, gid: 29, home: "/home/app"},
		// Numeric IDs need no entry.
		{spec: "4242", uid: 4242, gid: 0, home: "/"},
		{spec: "4242:4343", uid: 4242, gid: 4343, home: "/"},
		{spec: "foo", wantErr: "unable to find user foo: no matching entries in passwd file"},
		{spec: "app:nogroup", wantErr: "unable to find group nogroup: no matching entries in group file"},
		{spec: "-5", wantErr: "uids and gids must be in range 0-2147483647"},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			u, home, err := ResolveUser(root, tc.spec)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				if !errors.Is(err, errdefs.ErrInvalidArgument) {
					t.Fatalf("%v is not an invalid argument", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.UID != tc.uid || u.GID != tc.gid || !slices.Equal(u.AdditionalGids, tc.gids) || home != tc.home {
				t.Fatalf("got %+v home %q, want %d:%d %v %q", u, home, tc.uid, tc.gid, tc.gids, tc.home)
			}
		})
	}
}

func TestResolveUserNoPasswd(t *testing.T) {
	root := t.TempDir()
	u, home, err := ResolveUser(root, "1000:1000")
	if err != nil || u.UID != 1000 || u.GID != 1000 || home != "/" {
		t.Fatalf("numeric user without /etc/passwd: %+v %q %v", u, home, err)
	}
	if u, _, err := ResolveUser(root, ""); err != nil || u.UID != 0 {
		t.Fatalf("default user without /etc/passwd: %+v %v", u, err)
	}
	if _, _, err := ResolveUser(root, "app"); err == nil || err.Error() != "unable to find user app: no matching entries in passwd file" {
		t.Fatalf("named user without /etc/passwd: %v", err)
	}
	if _, _, err := ResolveUser(filepath.Join(root, "missing"), ""); err == nil {
		t.Fatal("a missing rootfs must be an error")
	}
}

// A symlinked /etc/passwd resolves inside the rootfs, never on the host.
func TestResolveUserSymlinkStaysInRootfs(t *testing.T) {
	// Absolute link: must resolve to <rootfs>/lib/passwd.
	root := makeRootfs(t, map[string]string{"lib/passwd": "img:x:77:77::/img:/bin/sh\n"})
	if err := os.Symlink("/lib/passwd", filepath.Join(root, "etc/passwd")); err != nil {
		if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/lib/passwd", filepath.Join(root, "etc/passwd")); err != nil {
			t.Fatal(err)
		}
	}
	u, home, err := ResolveUser(root, "img")
	if err != nil || u.UID != 77 || home != "/img" {
		t.Fatalf("absolute symlink inside the image: %+v %q %v", u, home, err)
	}

	// Escaping link: the host's /etc/passwd has root, the image has no
	// passwd at all, so "root" must not be found.
	root = t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../../../etc/passwd", filepath.Join(root, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Skip("host has no /etc/passwd to leak")
	}
	if u, _, err := ResolveUser(root, "root"); err == nil {
		t.Fatalf("resolved through the host's /etc/passwd: %+v", u)
	}
}

func TestResolveUserRejectsFIFO(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "etc/passwd"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Would block forever if the FIFO were opened for reading.
	if _, _, err := ResolveUser(root, "root"); err == nil {
		t.Fatal("a FIFO /etc/passwd must be an error")
	}
}
