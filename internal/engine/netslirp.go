package engine

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"go.podman.io/common/libnetwork/slirp4netns"
	"go.podman.io/common/pkg/config"

	"github.com/pier-engine/pier/internal/define"
)

// slirpMode is --network slirp4netns: a user-mode stack (slirp4netns on
// a tap device) in the container's own namespace, as podman runs it.
const slirpMode = "slirp4netns"

// setupSlirp starts slirp4netns on the container's namespace with
// common's slirp4netns.Setup, as podman does. There is no conmon to hold
// an exit pipe, so the process is detached from pier (it outlives `run
// -d`) and its PID recorded: teardown kills it.
func (r *Runtime) setupSlirp(ctx context.Context, c *define.Container) error {
	conf := config.Config{}
	if r.conf.Common != nil {
		conf = *r.conf.Common
	}
	// Its log file is made and unlinked at once; pier's run dir exists.
	conf.Engine.TmpDir = r.runDir
	res, err := slirp4netns.Setup(&slirp4netns.SetupOptions{
		Config:       &conf,
		ContainerID:  c.Config.ID,
		Netns:        c.State.NetNS,
		Ports:        c.Config.PortMappings,
		ExtraOptions: slirpOptions(c),
	})
	if err != nil {
		return err // common's errors name slirp4netns, as podman prints them
	}
	c.State.SlirpPID, c.State.SlirpSubnet = res.Pid, res.Subnet.String()
	return r.save(ctx, c)
}

// slirpOptions are the container's slirp4netns options. With ports, and
// no port_handler chosen, slirp4netns forwards them itself: podman's
// default handler is its rootlessport helper, which pier does not have.
func slirpOptions(c *define.Container) []string {
	opts := c.Config.NetworkOptions[slirpMode]
	if len(c.Config.PortMappings) > 0 && !slices.ContainsFunc(opts, func(o string) bool {
		return strings.HasPrefix(o, "port_handler=")
	}) {
		opts = append(slices.Clone(opts), "port_handler=slirp4netns")
	}
	return opts
}

// stopSlirp kills the container's slirp4netns if the recorded PID is
// still one (a PID alone may have been reused after a reboot or crash).
func (r *Runtime) stopSlirp(ctx context.Context, c *define.Container) {
	pid := c.State.SlirpPID
	c.State.SlirpPID, c.State.SlirpSubnet = 0, ""
	// The API socket slirp4netns makes for port forwarding (Setup names
	// it so); killed, it leaves the file.
	_ = os.Remove(filepath.Join(r.runDir, c.Config.ID+".net"))
	if pid <= 0 {
		return
	}
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil || strings.TrimSpace(string(comm)) != slirpMode {
		return
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		slog.WarnContext(ctx, fmt.Sprintf("stopping slirp4netns of container %s: %v", c.Config.ID, err))
	}
	// Reap it when it is pier's own child (run --rm in the foreground);
	// for any other process Wait4 returns ECHILD at once.
	var ws syscall.WaitStatus
	_, _ = syscall.Wait4(pid, &ws, 0, nil)
}

// slirpSubnet is the recorded subnet, else slirp4netns's default.
func slirpSubnet(c *define.Container) *net.IPNet {
	if _, n, err := net.ParseCIDR(c.State.SlirpSubnet); err == nil {
		return n
	}
	return nil
}

// slirpIP is the container's address under slirp4netns (subnet + 100).
func slirpIP(c *define.Container) string {
	ip, err := slirp4netns.GetIP(slirpSubnet(c))
	if err != nil {
		return ""
	}
	return ip.String()
}

// slirpDNS is slirp4netns's built-in resolver (subnet + 3).
func slirpDNS(c *define.Container) string {
	ip, err := slirp4netns.GetDNS(slirpSubnet(c))
	if err != nil {
		return ""
	}
	return ip.String()
}

// slirpIPv6 follows podman: enable_ipv6 is on unless the last such
// option (containers.conf's network_cmd_options, then the container's)
// turns it off.
func (r *Runtime) slirpIPv6(c *define.Container) bool {
	var opts []string
	if r.conf.Common != nil {
		opts = append(opts, r.conf.Common.Engine.NetworkCmdOptions.Get()...)
	}
	opts = append(opts, c.Config.NetworkOptions[slirpMode]...)
	for i := len(opts) - 1; i >= 0; i-- {
		switch opts[i] {
		case "enable_ipv6=true":
			return true
		case "enable_ipv6=false":
			return false
		}
	}
	return true
}
