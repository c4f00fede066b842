package oci

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pier-engine/pier/internal/errdefs"
)

func TestMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`time="2026-11-23T09:02:27Z" level=error msg="runc create failed: unable to start container process: exec: \"nonexist\": executable file not found in $PATH"` + "\n",
			`runc create failed: unable to start container process: exec: "nonexist": executable file not found in $PATH`},
		{`time="2026-11-23T09:02:27Z" level=warning msg="a warning"` + "\n" + `time="2026-11-23T09:02:27Z" level=error msg="container does not exist"` + "\n",
			"container does not exist"},
		{`{"level":"error","msg":"container not running","time":"2026-11-23T09:02:31Z"}` + "\n", "container not running"},
		{"Error: unknown command\n", "Error: unknown command"},
		{`level=error msg="quoted \"level=info\" inside"`, `quoted "level=info" inside`},
		{"", ""},
	} {
		if got := Message([]byte(tc.in)); got != tc.want {
			t.Errorf("Message(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "myrt")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notExe := filepath.Join(dir, "plain")
	if err := os.WriteFile(notExe, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Find(exe, nil)
	if err != nil || r.Path != exe || r.Name != "myrt" {
		t.Fatalf("Find by path: %+v, %v", r, err)
	}
	r, err = Find("myrt", map[string][]string{"myrt": {filepath.Join(dir, "missing"), notExe, exe}})
	if err != nil || r.Path != exe {
		t.Fatalf("Find by candidates: %+v, %v", r, err)
	}
	t.Setenv("PATH", dir)
	if r, err = Find("myrt", nil); err != nil || r.Path != exe {
		t.Fatalf("Find in $PATH: %+v, %v", r, err)
	}
	_, err = Find("foo", map[string][]string{"foo": {"/nonexistent/foo"}})
	if !errors.Is(err, errdefs.ErrInvalidArgument) || !strings.Contains(err.Error(), `OCI runtime "foo" not found: tried /nonexistent/foo, $PATH`) {
		t.Fatalf("Find of a missing runtime: %v", err)
	}
	if _, err := Find("relative/runc", nil); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Fatalf("Find of a relative path: %v", err)
	}
	if _, err := Find(notExe, nil); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Fatalf("Find of a non-executable: %v", err)
	}
}

func TestFindDefaultRunc(t *testing.T) {
	r, err := Find("", nil)
	if err != nil {
		t.Fatalf("runc not found (install the Debian package runc): %v", err)
	}
	if r.Name != "runc" || !filepath.IsAbs(r.Path) {
		t.Fatalf("default runtime %+v", r)
	}
}

func TestClassifyExec(t *testing.T) {
	rt := &Runtime{Name: "runc"}
	for _, tc := range []struct {
		msg  string
		code int
	}{
		{`runc create failed: unable to start container process: exec: "x": executable file not found in $PATH`, 127},
		{`runc create failed: unable to start container process: exec: "/x": stat /x: no such file or directory`, 127},
		{`runc create failed: unable to start container process: exec: "/x": permission denied`, 126},
		{`open /b/config.json: no such file or directory`, 125},
	} {
		err := ClassifyExec(rt.NewError("create", []byte(tc.msg), errors.New("exit status 1")))
		if got := errdefs.ExitCode(err); got != tc.code {
			t.Errorf("%q: exit code %d, want %d", tc.msg, got, tc.code)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("error %q lost the runtime's message", err)
		}
	}
}

// With the real runc: errors carry runc's message and the sentinels.
func TestRuncErrors(t *testing.T) {
	path, err := exec.LookPath("runc")
	if err != nil {
		path = "/usr/sbin/runc"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("runc is missing: install the Debian package runc")
	}
	rt := &Runtime{Name: "runc", Path: path, Args: []string{"--root", t.TempDir()}}
	ctx := context.Background()
	_, err = rt.State(ctx, "nope")
	if !errors.Is(err, ErrNotExist) {
		t.Fatalf("State of a missing container: %v", err)
	}
	if want := "runc state: container does not exist"; err.Error() != want {
		t.Fatalf("error text %q, want %q", err, want)
	}
	if err := rt.Kill(ctx, "nope", syscall.SIGTERM, true); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Kill of a missing container: %v", err)
	}
	if err := rt.Delete(ctx, "nope", true); err != nil && !errors.Is(err, ErrNotExist) {
		t.Fatalf("Delete of a missing container: %v", err)
	}
	var ee *exec.ExitError
	if err := rt.Start(ctx, "nope"); !errors.As(err, &ee) || !errors.Is(err, ErrNotExist) {
		t.Fatalf("Start of a missing container: %v", err)
	}
}
