package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// podman5Env names the podman 5 binary the cross-engine test runs; CI
// does not build podman 5 (minutes of build), so the test is opt-in.
const podman5Env = "PIER_TEST_PODMAN5"

// A pier container and a podman 5 container on one network get distinct
// addresses (one IPAM database) and reach each other by name (one
// aardvark-dns). podman's netavark run dir as root is fixed
// (/run/containers/networks), so both engines run in a private mount
// namespace where a temporary directory is mounted there: the host's
// IPAM database and aardvark stay untouched. network_config_dir is the
// test's own for both.
func TestNetworkCrossEnginePodman5(t *testing.T) {
	bin := os.Getenv(podman5Env)
	if bin == "" {
		t.Skipf("%s is not set: set it to a podman 5 binary (e.g. /opt/podman5/podman) to run pier and podman containers on one network", podman5Env)
	}
	if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("%s=%s: no podman 5 executable there (%v)", podman5Env, bin, err)
	}
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !strings.Contains(string(out), "version 5.") {
		t.Fatalf("%s=%s is not podman 5: %q %v", podman5Env, bin, out, err)
	}
	for _, tool := range []string{"unshare", "nsenter", "/usr/lib/podman/netavark", "/usr/lib/podman/aardvark-dns"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the cross-engine test needs %s: %v", tool, err)
		}
	}
	p, podman := pierBesidePodman5(t, bin)
	mustPodman := func(args ...string) string {
		t.Helper()
		out, err := podman(args...)
		if err != nil {
			t.Fatalf("podman %v: %v\n%s", args, err, out)
		}
		return out
	}
	t.Cleanup(func() {
		if out, err := podman("rm", "-af", "-t", "0"); err != nil {
			t.Errorf("podman rm: %v\n%s", err, out)
		}
	})
	mustPodman("import", "-q", imageTar, Image)

	p.MustRun("network", "create", "--subnet", "10.231.88.0/24", "xeng")
	serve := func(who string) []string {
		return []string{Image, "sh", "-c", "echo from-" + who + " > /index.html; httpd -f -p 80 -h /"}
	}
	p.MustRun(append([]string{"run", "-d", "--name", "pierctr", "--network", "xeng"}, serve("pier")...)...)
	mustPodman(append([]string{"run", "-d", "--name", "podmanctr", "--network", "xeng"}, serve("podman")...)...)

	pierIP := p.Inspect("pierctr", "{{.NetworkSettings.Networks.xeng.IPAddress}}")
	podmanIP := mustPodman("inspect", "--format", "{{.NetworkSettings.Networks.xeng.IPAddress}}", "podmanctr")
	if pierIP == "" || pierIP == podmanIP {
		t.Fatalf("addresses on one network: pier %q, podman %q", pierIP, podmanIP)
	}

	// Each resolves the other's name through the one aardvark and
	// connects to it.
	var got string
	if !eventually(15*time.Second, func() bool {
		got = p.Run("exec", "pierctr", "wget", "-qO-", "http://podmanctr/index.html").Out()
		return got == "from-podman"
	}) {
		t.Fatalf("pier container fetching podmanctr by name: %q", got)
	}
	if !eventually(15*time.Second, func() bool {
		got, _ = podman("exec", "podmanctr", "wget", "-qO-", "http://pierctr/index.html")
		return got == "from-pier"
	}) {
		t.Fatalf("podman container fetching pierctr by name: %q", got)
	}
	if got := p.MustRun("exec", "pierctr", "nslookup", "podmanctr").Out(); !strings.Contains(got, podmanIP) {
		t.Fatalf("nslookup podmanctr from pier: %s", got)
	}

	// A static address podman holds is refused to pier with podman's
	// IPAM error.
	r := p.Run("run", "--rm", "--network", "xeng", "--ip", podmanIP, Image, "true")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "IPAM error: requested ip address "+podmanIP+" is already allocated") {
		t.Fatalf("pier with podman's address: %s", r)
	}
	mustPodman("rm", "-f", "-t", "0", "podmanctr")
	p.MustRun("rm", "-f", "-t", "0", "pierctr")
	p.MustRun("network", "rm", "xeng")
}

// privateNetRunDir starts a process in a mount namespace of its own where
// a temporary directory is mounted on /run/containers/networks, and
// returns the nsenter command prefix that runs commands there.
func privateNetRunDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ready := filepath.Join(dir, ".ready")
	script := fmt.Sprintf("mkdir -p /run/containers/networks && mount --bind %s /run/containers/networks && touch %s && exec sleep 3600", dir, ready)
	holder := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
	if err := holder.Start(); err != nil {
		t.Fatalf("unshare: %v", err)
	}
	t.Cleanup(func() {
		_ = holder.Process.Kill()
		_ = holder.Wait()
	})
	if !eventually(5*time.Second, func() bool { _, err := os.Stat(ready); return err == nil }) {
		t.Fatal("the private mount namespace did not come up")
	}
	return "nsenter --mount=/proc/" + strconv.Itoa(holder.Process.Pid) + "/ns/mnt --"
}

// wrapper writes an executable script running cmd with the arguments.
func wrapper(t *testing.T, dir, name, cmd string) string {
	t.Helper()
	path := filepath.Join(dir, name+"-wrapper")
	writeFile(t, path, "#!/bin/sh\nexec "+cmd+" \"$@\"\n")
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pierBesidePodman5 is a pier and podman 5.8.2 (bin) sharing a private
// /run/containers/networks (podman's root run dir cannot be configured)
// and pier's network config dir; podman runs the command and returns its
// trimmed output.
func pierBesidePodman5(t *testing.T, bin string) (*Pier, func(args ...string) (string, error)) {
	t.Helper()
	enter := privateNetRunDir(t)
	p := newPier(t)
	p.Bin = wrapper(t, p.Dir, "pier", enter+" "+pierBin)
	conf := filepath.Join(p.Dir, "podman5.conf")
	writeFile(t, conf, fmt.Sprintf("[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n"+
		"[engine]\nruntime = \"runc\"\n[network]\nnetwork_config_dir = %q\n", p.NetworkDir()))
	podmanBin := wrapper(t, p.Dir, "podman5", fmt.Sprintf("%s %s --root %s --runroot %s", enter, bin,
		filepath.Join(p.Dir, "p5root"), filepath.Join(p.Dir, "p5run")))
	podman := func(args ...string) (string, error) {
		cmd := exec.Command(podmanBin, args...)
		cmd.Env = []string{"PATH=" + baseEnvPath, "HOME=" + p.Home, "CONTAINERS_CONF=" + conf,
			"PODMAN_IGNORE_CGROUPSV1_WARNING=1", "CONTAINERS_REGISTRIES_CONF=" + filepath.Join(p.Dir, "registries.conf")}
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	return p, podman
}
