package e2e

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// writeContext makes a build context directory from name -> content.
func writeContext(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const multiStage = `FROM ` + Image + ` AS builder
ARG GREETING=default
RUN mkdir /out && echo "$GREETING" > /out/greeting && ulimit -n > /out/nofile
COPY data.txt /out/data.txt

FROM ` + Image + `
ENV APPDIR=/app
WORKDIR /app
COPY --from=builder /out/ ./
USER test
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat greeting data.txt; echo $APPDIR; id -u; pwd"]
`

var imageIDLine = regexp.MustCompile(`(?m)^[0-9a-f]{64}$`)

func TestBuildMultiStageRunsAndCaches(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ctx := filepath.Join(p.WorkDir(), "ctx")
	writeContext(t, ctx, map[string]string{"Containerfile": multiStage, "data.txt": "from-context\n"})

	r := p.MustRun("build", "-t", "app", "--build-arg", "GREETING=hello", ctx)
	for _, want := range []string{"[1/2] STEP 1/4: FROM " + Image + " AS builder", "[2/2] STEP 7/7: CMD", "[2/2] COMMIT app", "Successfully tagged localhost/app:latest"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("build output should have %q: %s", want, r)
		}
	}
	lines := r.Lines()
	id := lines[len(lines)-1]
	if !imageIDLine.MatchString(id) {
		t.Fatalf("the image ID should be the last line: %s", r)
	}
	if got := p.MustRun("image", "inspect", "--format", "{{.ID}}", "app").Out(); got != id {
		t.Errorf("image app is %s, build said %s", got, id)
	}

	out := p.MustRun("run", "--rm", "app").Lines()
	if want := []string{"hello", "from-context", "/app", "1000", "/app"}; strings.Join(out, "|") != strings.Join(want, "|") {
		t.Errorf("the image should run its CMD with the build's ARG, files, ENV, USER and WORKDIR: got %q, want %q", out, want)
	}
	// RUN steps get pier's default nofile limit clamped to pier's own hard
	// limit: without CAP_SYS_RESOURCE a higher one would fail in runc.
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	want := strconv.FormatUint(min(rl.Max, 1048576), 10)
	if got := p.MustRun("run", "--rm", "--entrypoint", "cat", "app", "/app/nofile").Out(); got != want {
		t.Errorf("ulimit -n during RUN: got %s, want %s", got, want)
	}

	again := p.MustRun("build", "-t", "app", "--build-arg", "GREETING=hello", ctx)
	if n := strings.Count(again.Stdout, "Using cache"); n < 5 {
		t.Errorf("a second build should reuse every layer (%d cache hits): %s", n, again)
	}
	if l := again.Lines(); l[len(l)-1] != id {
		t.Errorf("a cached build should give the same image %s: %s", id, again)
	}
	fresh := p.MustRun("build", "--no-cache", "-t", "app", "--build-arg", "GREETING=hello", ctx)
	if strings.Contains(fresh.Stdout, "Using cache") {
		t.Errorf("--no-cache should use no cache: %s", fresh)
	}
}

func TestBuildFailingRunExitCode(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ctx := filepath.Join(p.WorkDir(), "ctx")
	writeContext(t, ctx, map[string]string{"Containerfile": "FROM " + Image + "\nRUN touch /a\nRUN exit 7\n"})
	r := p.Run("build", "-t", "broken", ctx)
	if r.ExitCode != 7 {
		t.Errorf("a failing RUN's code should be build's exit code: %s", r)
	}
	if !strings.Contains(r.Stderr, `Error: building at STEP "RUN exit 7": while running runtime: exit status 7`) {
		t.Errorf("stderr should name the failing step: %s", r)
	}
	if ext := p.MustRun("ps", "--external", "-q").Out(); ext != "" {
		t.Errorf("a failed build should leave no containers: %q", ext)
	}
	p.Expect(1, "image", "exists", "broken")
}

func TestBuildFromStdinTar(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range map[string]string{
		"Dockerfile": "FROM " + Image + "\nCOPY msg /msg\n",
		"msg":        "from a tar on stdin\n",
	} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	r := p.RunWith(RunOpts{Stdin: &buf}, "build", "-t", "fromtar", "-")
	if r.ExitCode != 0 {
		t.Fatalf("build - with a tar: %s", r)
	}
	if got := p.MustRun("run", "--rm", "fromtar", "cat", "/msg").Out(); got != "from a tar on stdin" {
		t.Errorf("the tar's file should be in the image: %q", got)
	}
}

func TestBuildContextSymlinkStaysInside(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ctx := filepath.Join(p.WorkDir(), "ctx")
	secret := filepath.Join(p.WorkDir(), "host-secret")
	if err := os.WriteFile(secret, []byte("host only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeContext(t, ctx, map[string]string{"Containerfile": "FROM " + Image + "\nCOPY . /ctx/\n"})
	if err := os.Symlink(secret, filepath.Join(ctx, "leak")); err != nil {
		t.Fatal(err)
	}
	p.MustRun("build", "-t", "symctx", ctx)
	// The link is copied as a link: the host file's content never enters
	// the image.
	out := p.MustRun("run", "--rm", "symctx", "sh", "-c", "readlink /ctx/leak; cat /ctx/leak 2>&1 || true").Out()
	if strings.Contains(out, "host only") {
		t.Errorf("a symlink in the context leaked a host file into the image: %q", out)
	}
	if !strings.HasPrefix(out, secret) {
		t.Errorf("the symlink should be copied as a symlink: %q", out)
	}
}

// A VOLUME that is not valid JSON keeps docker's odd words, and a relative
// one is mounted under /, as podman does (its buildx test checks this).
func TestBuildOddVolumesMountUnderRoot(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ctx := filepath.Join(p.WorkDir(), "ctx")
	writeContext(t, ctx, map[string]string{"Containerfile": "FROM " + Image + "\nVOLUME /a/b/c\nVOLUME ['/etc/foo', '/etc/bar']\n"})
	p.MustRun("buildx", "build", "--load", "-t", "vols", ctx)
	out := p.MustRun("run", "--rm", "vols", "find", "/[", "/etc/bar]", "-print").Out()
	if want := "/[\n/[/etc\n/[/etc/foo,\n/etc/bar]"; out != want {
		t.Errorf("volumes should be mounted at /[/etc/foo, and /etc/bar]: got %q, want %q", out, want)
	}
}

// RUN steps get the default seccomp filter (or none when unconfined) and
// the user's --ulimit.
func TestBuildRunSeccompAndUlimit(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ctx := filepath.Join(p.WorkDir(), "ctx")
	writeContext(t, ctx, map[string]string{"Containerfile": "FROM " + Image + "\nRUN grep Seccomp: /proc/self/status; ulimit -Sn; ulimit -Hn\n"})
	r := p.MustRun("build", "--ulimit", "nofile=101:102", ctx)
	if !regexp.MustCompile(`Seccomp:\s+2\n101\n102\n`).MatchString(r.Stdout) {
		t.Errorf("RUN should be filtered (Seccomp: 2) with nofile 101:102: %s", r)
	}
	r = p.MustRun("build", "--no-cache", "--security-opt", "seccomp=unconfined", ctx)
	if !regexp.MustCompile(`Seccomp:\s+0\n`).MatchString(r.Stdout) {
		t.Errorf("seccomp=unconfined should leave RUN unfiltered: %s", r)
	}
}

// ADD of a tar whose entries climb out with ../ (or are absolute) extracts
// them inside the destination: nothing lands on the host or outside the
// rootfs.
func TestBuildAddTarTraversalStaysInside(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ctx := filepath.Join(p.WorkDir(), "ctx")
	escape := filepath.Join(p.WorkDir(), "escaped")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range []string{"../../../../../../../.." + escape, "ok"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: 3})
		tw.Write([]byte("hi\n"))
	}
	tw.Close()
	writeContext(t, ctx, map[string]string{
		"Containerfile": "FROM " + Image + "\nADD evil.tar /dst/\n",
		"evil.tar":      buf.String(),
	})
	p.MustRun("build", "-t", "tarimg", ctx)
	if _, err := os.Lstat(escape); err == nil {
		t.Fatalf("ADD wrote %s on the host", escape)
	}
	out := p.MustRun("run", "--rm", "tarimg", "find", "/dst", "-type", "f").Lines()
	if strings.Join(out, " ") != "/dst/ok /dst"+escape && strings.Join(out, " ") != "/dst"+escape+" /dst/ok" {
		t.Errorf("the tar's entries should land under /dst: %q", out)
	}
}

// COPY --from a stage whose file is a symlink to a host path copies the
// link, resolved inside that stage's rootfs, never the host's file.
func TestBuildCopyFromSymlinkStaysInside(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	secret := filepath.Join(p.WorkDir(), "host-secret")
	if err := os.WriteFile(secret, []byte("host only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := filepath.Join(p.WorkDir(), "ctx")
	writeContext(t, ctx, map[string]string{"Containerfile": "FROM " + Image + " AS a\nRUN mkdir /out && ln -s " + secret + " /out/link\n" +
		"FROM " + Image + "\nCOPY --from=a /out/ /in/\n"})
	p.MustRun("build", "-t", "fromlink", ctx)
	out := p.MustRun("run", "--rm", "fromlink", "sh", "-c", "readlink /in/link; cat /in/link 2>&1 || true").Out()
	if strings.Contains(out, "host only") {
		t.Errorf("COPY --from followed a symlink to the host: %q", out)
	}
	if !strings.HasPrefix(out, secret) {
		t.Errorf("the symlink should be copied as a symlink: %q", out)
	}
}
