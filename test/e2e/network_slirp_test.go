package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// slirpProcs lists the slirp4netns processes serving one of pier's
// namespaces of id (their command line names the namespace).
func slirpProcs(t *testing.T, id string) string {
	t.Helper()
	out, _ := exec.Command("pgrep", "-af", "slirp4netns").Output()
	var mine []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "pier-"+id) {
			mine = append(mine, l)
		}
	}
	return strings.Join(mine, "\n")
}

// --network slirp4netns:cidr= gives the container podman's layout: the
// tap at cidr+100, slirp's resolver (cidr+3) first in resolv.conf, its
// name on the address in /etc/hosts; a published port answers on the
// host; stop kills slirp4netns and nothing of the namespace stays.
func TestNetworkSlirp4netns(t *testing.T) {
	if _, err := exec.LookPath("slirp4netns"); err != nil {
		t.Skip("slirp4netns not installed")
	}
	p := newPier(t)
	before := hostNetState(t)
	out := p.MustRun("run", "--rm", "--network", "slirp4netns:cidr=10.231.11.0/24", "--name", "sl", "--hostname", "slh",
		Image, "sh", "-c", "ip -o -4 addr show tap0; cat /etc/resolv.conf /etc/hosts").Out()
	for _, want := range []string{"inet 10.231.11.100/24", "nameserver 10.231.11.3\n", "10.231.11.100\tslh sl", "\thost.containers.internal"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	port := freeTCPPort(t)
	id := p.MustRun("run", "-d", "--name", "web", "--network", "slirp4netns", "-p", fmt.Sprintf("127.0.0.1:%d:80", port),
		Image, "sh", "-c", "echo via-slirp > /index.html; exec httpd -f -p 80 -h /").Out()
	url := fmt.Sprintf("http://127.0.0.1:%d/index.html", port)
	waitHTTPBody(t, url, "via-slirp")
	if slirpProcs(t, id) == "" {
		t.Fatal("no slirp4netns process for the running container")
	}
	p.MustRun("stop", "-t", "0", "web")
	if !eventually(5*time.Second, func() bool { return slirpProcs(t, id) == "" }) {
		t.Fatalf("slirp4netns left after stop:\n%s", slirpProcs(t, id))
	}
	if _, err := os.Stat("/run/netns/pier-" + id); err == nil {
		t.Fatal("namespace left after stop")
	}
	p.MustRun("rm", "web")
	checkNetStateSame(t, before, id, "10.231.11.")
	r := p.Run("run", "--rm", "--network", "slirp4netns:foo=bar", Image, "true")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, `unknown option for slirp4netns: "foo=bar"`) {
		t.Fatalf("bad option: %s", r)
	}
}
