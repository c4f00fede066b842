package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// info claims only what pier has: no network backend or driver, the
// monitor's package unknown (it is not from a distribution package), the
// runtime's package from the package manager, podman 5's field shapes.
func TestInfoClaimsOnlyWhatPierHas(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	r := p.Expect(0, "info", "--format", "json")
	var info struct {
		Host struct {
			NetworkBackend     string `json:"networkBackend"`
			BuildahVersion     string `json:"buildahVersion"`
			NetworkBackendInfo struct {
				Backend        string `json:"backend"`
				DefaultNetwork string `json:"defaultNetwork"`
			} `json:"networkBackendInfo"`
			Conmon     struct{ Package, Path string }
			OCIRuntime struct{ Name, Package string } `json:"ociRuntime"`
			Security   struct {
				Capabilities string `json:"capabilities"`
			} `json:"security"`
			Uptime      string `json:"uptime"`
			Slirp4NetNS *struct {
				Executable, Package string
			} `json:"slirp4netns"`
		} `json:"host"`
		Plugins struct {
			Network []string `json:"network"`
			Volume  []string `json:"volume"`
		} `json:"plugins"`
		Store struct {
			GraphOptions map[string]any `json:"graphOptions"`
		} `json:"store"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &info); err != nil {
		t.Fatalf("%v: %s", err, r)
	}
	h := info.Host
	if h.BuildahVersion == "" || h.BuildahVersion[0] < '1' || h.BuildahVersion[0] > '9' {
		t.Errorf("buildahVersion %q: pier links buildah for commit", h.BuildahVersion)
	}
	if h.NetworkBackend != "netavark" || strings.Join(info.Plugins.Network, ",") != "bridge" ||
		h.NetworkBackendInfo.Backend != "netavark" || h.NetworkBackendInfo.DefaultNetwork != "podman" {
		t.Errorf("network backend %q %+v, plugins %v: pier drives netavark's bridge", h.NetworkBackend, h.NetworkBackendInfo, info.Plugins.Network)
	}
	if strings.Join(info.Plugins.Volume, ",") != "local" {
		t.Errorf("volume plugins %v: pier has the local driver", info.Plugins.Volume)
	}
	if h.Conmon.Package != "Unknown" || !strings.HasSuffix(h.Conmon.Path, "/pier-monitor") {
		t.Errorf("monitor: %+v", h.Conmon)
	}
	if _, err := os.Stat("/usr/bin/dpkg"); err == nil && !strings.HasPrefix(h.OCIRuntime.Package, h.OCIRuntime.Name+"_") {
		t.Errorf("runtime package %q", h.OCIRuntime.Package)
	}
	if !strings.HasPrefix(h.Security.Capabilities, "CAP_CHOWN,CAP_DAC_OVERRIDE,") {
		t.Errorf("capabilities %q", h.Security.Capabilities)
	}
	if strings.Contains(h.Uptime, "Approximately") || !strings.HasSuffix(h.Uptime, "s") {
		t.Errorf("uptime %q: podman 5's shape is 0h 25m 11.00s", h.Uptime)
	}
	// slirp4netns (for --network slirp4netns) as podman reports it.
	if path, err := exec.LookPath("slirp4netns"); err == nil {
		if h.Slirp4NetNS == nil || h.Slirp4NetNS.Executable != path {
			t.Errorf("slirp4netns %+v, want %s", h.Slirp4NetNS, path)
		}
	} else if h.Slirp4NetNS != nil {
		t.Errorf("slirp4netns %+v reported, none installed", h.Slirp4NetNS)
	}
	if r := p.Expect(0, "info"); !strings.Contains(r.Stdout, "\n  networkBackend: netavark\n  networkBackendInfo:\n    backend: netavark\n") ||
		!strings.Contains(r.Stdout, "\n  conmon:\n    package: Unknown\n") {
		t.Errorf("yaml: %s", r)
	}
}

// info reports the capabilities containers.conf gives containers.
func TestInfoCapabilitiesFromConf(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	p.WriteConf("[containers]\ndefault_capabilities = [\"CHOWN\", \"KILL\"]\n")
	r := p.Expect(0, "info", "--format", "{{.Host.Security.DefaultCapabilities}}")
	if r.Out() != "CAP_CHOWN,CAP_KILL" {
		t.Errorf("capabilities: %s", r)
	}
}

// info lists registries.conf as podman: each registry under its prefix,
// the search list under "search".
func TestInfoRegistries(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	conf := "unqualified-search-registries = [\"docker.io\", \"quay.io\"]\n" +
		"[[registry]]\nprefix = \"quay.io/libpod\"\nlocation = \"quay.io/libpod\"\n" +
		"[[registry.mirror]]\nlocation = \"127.0.0.1:5000/libpod\"\ninsecure = true\n"
	if err := os.WriteFile(filepath.Join(p.Dir, "registries.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	r := p.Expect(0, "info", "--format", "json")
	var info struct {
		Registries map[string]json.RawMessage `json:"registries"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &info); err != nil {
		t.Fatal(err)
	}
	var search []string
	if err := json.Unmarshal(info.Registries["search"], &search); err != nil || strings.Join(search, ",") != "docker.io,quay.io" {
		t.Errorf("search: %v %s", err, info.Registries["search"])
	}
	var reg struct {
		Location string
		Mirrors  []struct {
			Location string
			Insecure bool
		}
	}
	if err := json.Unmarshal(info.Registries["quay.io/libpod"], &reg); err != nil || reg.Location != "quay.io/libpod" ||
		len(reg.Mirrors) != 1 || !reg.Mirrors[0].Insecure {
		t.Errorf("quay.io/libpod: %v %s", err, info.Registries["quay.io/libpod"])
	}
}
