package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manifestDigests lists the instance digests of a local manifest list.
func manifestDigests(t *testing.T, p *Pier, list string) []string {
	t.Helper()
	var idx struct {
		Manifests []struct{ Digest string }
	}
	if err := json.Unmarshal([]byte(p.MustRun("manifest", "inspect", list).Stdout), &idx); err != nil {
		t.Fatalf("manifest inspect %s: %v", list, err)
	}
	var out []string
	for _, m := range idx.Manifests {
		out = append(out, m.Digest)
	}
	return out
}

// `manifest remove` drops one instance from a list and keeps the list and
// the image; podman's errors for a missing instance, a bad digest and an
// image that is not a list.
func TestManifestRemoveInstance(t *testing.T) {
	p := newPier(t)
	id := p.MustRun("manifest", "create", "ml", Image).Out()
	ds := manifestDigests(t, p, "ml")
	if len(ds) != 1 {
		t.Fatalf("want one instance, got %v", ds)
	}
	if got := p.MustRun("manifest", "remove", "ml", ds[0]).Out(); got != id {
		t.Errorf("manifest remove printed %q, want the list ID %q", got, id)
	}
	if left := manifestDigests(t, p, "ml"); len(left) != 0 {
		t.Errorf("instance still listed after remove: %v", left)
	}
	p.MustRun("image", "exists", Image)
	p.ExpectEngineError(p.Run("manifest", "remove", "ml", ds[0]),
		`removing from manifest list ml: no instance matching digest "`+ds[0]+`" found in manifest list`)
	p.ExpectEngineError(p.Run("manifest", "remove", "ml", "abc"), `invalid image digest "abc"`)
	p.ExpectEngineError(p.Run("manifest", "remove", Image, ds[0]), "image is not a manifest list")
	p.ExpectEngineError(p.Run("manifest", "remove", "ml"), "accepts 2 arg(s), received 1")
}

// damageImageLayer deletes a file from the top layer of img behind
// storage's back.
func damageImageLayer(t *testing.T, p *Pier, img string) {
	t.Helper()
	id := p.MustRun("image", "inspect", "--format", "{{.Id}}", img).Out()
	b, err := os.ReadFile(filepath.Join(p.Root, "overlay-images", "images.json"))
	if err != nil {
		t.Fatal(err)
	}
	var imgs []struct{ ID, Layer string }
	if err := json.Unmarshal(b, &imgs); err != nil {
		t.Fatal(err)
	}
	for _, i := range imgs {
		if i.ID == id {
			if err := os.Remove(filepath.Join(p.Root, "overlay", i.Layer, "diff", "bin", "busybox")); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("image %s not in images.json", id)
}

// `system check` reports a damaged layer (exit 125, podman's report) and
// leaves it with --quick; -r cannot remove an image a container uses;
// -r -f removes both, the container's record included.
func TestSystemCheckRepair(t *testing.T) {
	p := newPier(t)
	p.MustRun("system", "check")
	damageImageLayer(t, p, Image)
	p.MustRun("create", "--name", "victim", Image, "true")
	r := p.Expect(125, "system", "check")
	if !strings.Contains(r.Stdout, "Damaged layer ") || !strings.Contains(r.Stdout, "Damaged image ") ||
		!strings.Contains(r.Stderr, "Error: damage detected in local storage") {
		t.Errorf("system check should report the damage: %s", r)
	}
	p.MustRun("system", "check", "--quick", "--max", "1h")
	r = p.Expect(125, "system", "check", "-r")
	if !strings.Contains(r.Stderr, "image is in use by a container") {
		t.Errorf("check -r should fail on the image in use: %s", r)
	}
	p.MustRun("container", "exists", "victim")
	r = p.MustRun("system", "check", "-r", "-f")
	if !strings.Contains(r.Stdout, "Deleted damaged image: ") || !strings.Contains(r.Stdout, "Deleted damaged container: ") {
		t.Errorf("check -r -f should list what it deleted: %s", r)
	}
	p.Expect(1, "container", "exists", "victim")
	p.Expect(1, "image", "exists", Image)
	p.MustRun("system", "check")
}

// `system migrate` stops running containers ("stopped ID") and
// --new-runtime moves every container to a runtime of containers.conf; an
// unknown runtime is refused before anything is stopped.
func TestSystemMigrate(t *testing.T) {
	p := newPier(t)
	p.WriteConf("[engine.runtimes]\nmyrt = [\"" + runcBin + "\"]\n")
	id := p.MustRun("run", "-d", "--stop-timeout", "1", "--name", "up", Image, "sleep", "100").Out()
	p.MustRun("create", "--name", "idle", Image, "true")
	p.ExpectEngineError(p.Run("system", "migrate", "--new-runtime", "nosuch"),
		`change to runtime "nosuch" requested but no such runtime is defined: invalid argument`)
	if st := p.Status("up"); st != "running" {
		t.Fatalf("a refused migrate stopped the container: %s", st)
	}
	r := p.MustRun("system", "migrate", "--new-runtime", "myrt")
	if r.Out() != "stopped "+id {
		t.Errorf("migrate should list the container it stopped: %s", r)
	}
	if st := p.Status("up"); st != "exited" {
		t.Errorf("container not stopped by migrate: %s", st)
	}
	for _, c := range []string{"up", "idle"} {
		if rt := p.Inspect(c, "{{.OCIRuntime}}"); rt != "myrt" {
			t.Errorf("%s: OCIRuntime %q after migrate, want myrt", c, rt)
		}
	}
	p.MustRun("start", "idle")
	r = p.MustRun("system", "migrate", "--migrate-db")
	if r.Stdout != "No migration is necessary: backing database is already SQLite" {
		t.Errorf("migrate --migrate-db: %s", r)
	}
	p.MustRun("volume", "create", "v1")
	if r := p.MustRun("volume", "reload"); r.Stdout != "" {
		t.Errorf("volume reload with the local driver only should print nothing: %s", r)
	}
	p.MustRun("volume", "exists", "v1")
	p.MustRun("volume", "rm", "v1")
}

// `unshare` is for rootless podman: as root it refuses before running
// anything, whatever the command, as podman 5.
func TestUnshareAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("checks the behaviour as root")
	}
	p := newPierNoImage(t)
	marker := filepath.Join(p.Dir, "ran")
	for _, args := range [][]string{
		{"unshare", "touch", marker},
		{"unshare", "--rootless-netns", "touch", marker},
		{"unshare", "--rootless-cni", "touch", marker},
		{"unshare"},
	} {
		p.ExpectEngineError(p.Run(args...), "please use unshare with rootless")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("unshare ran the command as root")
	}
	if r := p.Expect(125, "unshare", "--bogus"); !strings.HasPrefix(r.Stderr, "Error: unknown flag: --bogus\n") {
		t.Errorf("unshare --bogus: %s", r)
	}
}

// `generate spec` writes the container's SpecGenerator (NAME-clone by
// default, -n=false keeps the name, -c compact, -f a file), and libpod's
// create endpoint takes it back as a copy of the container.
func TestGenerateSpec(t *testing.T) {
	p := newPier(t)
	p.MustRun("create", "--name", "orig", "-e", "FOO=bar", "-l", "a=b", "--memory", "100m",
		"-v", p.Dir+":/mnt:ro", "--workdir", "/tmp", Image, "sleep", "5")
	var sp struct {
		Name    string
		Image   string
		Command []string
		Env     map[string]string
		Labels  map[string]string
		Mounts  []struct{ Destination, Source string }
	}
	out := p.MustRun("generate", "spec", "orig").Stdout
	if err := json.Unmarshal([]byte(out), &sp); err != nil {
		t.Fatalf("generate spec: %v\n%s", err, out)
	}
	if sp.Name != "orig-clone" || sp.Env["FOO"] != "bar" || sp.Labels["a"] != "b" ||
		strings.Join(sp.Command, " ") != "sleep 5" || len(sp.Mounts) != 1 || sp.Mounts[0].Source != p.Dir {
		t.Errorf("spec does not describe the container: %+v", sp)
	}
	if !strings.HasPrefix(out, "{\n \"name\"") {
		t.Errorf("want podman's one-space indent: %q", out[:20])
	}
	compact := p.MustRun("generate", "spec", "-c", "-n=false", "orig").Stdout
	if strings.Count(compact, "\n") != 1 || !strings.Contains(compact, `"name":"orig"`) {
		t.Errorf("-c -n=false: %q", compact)
	}
	file := filepath.Join(p.Dir, "spec.json")
	if got := p.MustRun("generate", "spec", "-f", file, "orig").Out(); got != file {
		t.Errorf("-f should print the file name, got %q", got)
	}
	body, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(body), `"orig-clone"`) {
		t.Fatalf("-f file: %v %q", err, body)
	}
	p.ExpectEngineError(p.Run("generate", "spec", "nosuch"), "could not find a pod or container with the id nosuch")

	p.MustRun("pod", "create", "--name", "gp", "--label", "x=y", "--share", "ipc,net")
	var ps struct {
		Name   string
		Labels map[string]string
		Shared []string                `json:"shared_namespaces"`
		NetNS  struct{ Nsmode string } `json:"netns"`
	}
	out = p.MustRun("generate", "spec", "-c", "-n=false", "gp").Stdout
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Fatalf("generate spec of a pod: %v\n%s", err, out)
	}
	if ps.Name != "gp" || ps.Labels["x"] != "y" || strings.Join(ps.Shared, ",") != "ipc,net" || ps.NetNS.Nsmode != "bridge" {
		t.Errorf("pod spec does not describe the pod: %s", out)
	}
	p.MustRun("pod", "rm", "gp")

	s := startService(t, p, "tcp", freeTCPAddr(t), "--time=0")
	var spec map[string]any
	if err := json.Unmarshal(body, &spec); err != nil {
		t.Fatal(err)
	}
	s.want(201, "POST", "/v5.0.0/libpod/containers/create", spec)
	if got := p.Inspect("orig-clone", "{{.Config.WorkingDir}} {{.HostConfig.Memory}} {{index .Config.Labels \"a\"}}"); got != "/tmp 104857600 b" {
		t.Errorf("the clone differs from the original: %q", got)
	}
	if env := p.Inspect("orig-clone", "{{.Config.Env}}"); !strings.Contains(env, "FOO=bar") {
		t.Errorf("the clone lost the environment: %s", env)
	}
}
