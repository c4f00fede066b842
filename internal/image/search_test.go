package image

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.podman.io/image/v5/docker"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
)

// startExtrasRegistry runs the CNCF distribution registry (Debian's
// docker-registry) on a free 127.0.0.1 port over plain HTTP, with its
// storage in a temporary directory, and returns "127.0.0.1:PORT".
func startExtrasRegistry(t *testing.T) string {
	t.Helper()
	const bin = "/usr/bin/docker-registry"
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("registry tests need %s: install the Debian package docker-registry: %v", bin, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logf.Close()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("docker-registry did not answer on %s: %v\n%s", addr, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// insecureSys talks plain HTTP to the test registry.
func insecureSys(s *Store) *types.SystemContext {
	sys := s.SystemContext()
	sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
	return sys
}

// pushForTest copies a local image to the registry with containers/image
// directly, so these tests do not depend on `push`.
func pushForTest(t *testing.T, s *Store, img *Image, dest string) {
	t.Helper()
	src, err := istorage.Transport.NewStoreReference(s.store, nil, img.ID)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := docker.ParseReference("//" + dest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.copyImage(context.Background(), src, ref, false, withDestSys(insecureSys(s))); err != nil {
		t.Fatalf("pushing %s: %v", dest, err)
	}
}

func TestSearch(t *testing.T) {
	reg := startExtrasRegistry(t)
	s := newTestStore(t)
	ctx := context.Background()
	img := importBusybox(t, s, "mybox")
	for _, d := range []string{"tools/alpha:1", "tools/alpha:2", "tools/beta:1", "other:1"} {
		pushForTest(t, s, img, reg+"/"+d)
	}
	no := false
	o := SearchOptions{Registry: RegistryOptions{TLSVerify: &no}}
	names := func(res []SearchResult) []string {
		var out []string
		for _, r := range res {
			out = append(out, r.Name)
		}
		return out
	}
	res, err := s.Search(ctx, reg+"/", o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(res), []string{reg + "/other", reg + "/tools/alpha", reg + "/tools/beta"}; !slices.Equal(got, want) {
		t.Errorf("search all = %v, want %v", got, want)
	}
	if res[0].Index != reg || res[0].Description != "" {
		t.Errorf("result fields: %+v", res[0])
	}
	res, err = s.Search(ctx, reg+"/alpha", o)
	if err != nil || !slices.Equal(names(res), []string{reg + "/tools/alpha"}) {
		t.Errorf("search alpha = %v, %v", names(res), err)
	}
	lim := o
	lim.Limit = 1
	if res, err = s.Search(ctx, reg+"/", lim); err != nil || len(res) != 1 {
		t.Errorf("search --limit 1 = %v, %v", names(res), err)
	}
	if res, err = s.Search(ctx, reg+"/nothing-like-this", o); err != nil || len(res) != 0 {
		t.Errorf("search without match = %v, %v", names(res), err)
	}

	tags := o
	tags.ListTags = true
	res, err = s.Search(ctx, reg+"/tools/alpha", tags)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		got = append(got, r.Name+" "+r.Tag)
	}
	slices.Sort(got) // in the registry's order, as podman prints them
	if want := []string{reg + "/tools/alpha 1", reg + "/tools/alpha 2"}; !slices.Equal(got, want) {
		t.Errorf("list tags = %v, want %v", got, want)
	}
	if _, err := s.Search(ctx, reg+"/tools/missing", tags); err == nil {
		t.Error("tags of a missing repository listed")
	}
	// With TLS verification (the default for 127.0.0.1 is insecure in
	// containers/image only through registries.conf), HTTP is refused.
	yes := true
	if _, err := s.Search(ctx, reg+"/", SearchOptions{Registry: RegistryOptions{TLSVerify: &yes}}); err == nil {
		t.Error("search over plain HTTP with --tls-verify=true succeeded")
	}
	if _, err := s.Search(ctx, reg+"/", SearchOptions{Filters: []string{"bogus=1"}}); err == nil {
		t.Error("unknown filter accepted")
	}
	f := o
	f.Filters = []string{"is-official"}
	if res, err = s.Search(ctx, reg+"/", f); err != nil || len(res) != 0 {
		t.Errorf("is-official on a private registry = %v, %v", names(res), err)
	}
}
