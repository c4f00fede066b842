package engine

import (
	"net"
	"regexp"
	"strings"
	"sync"

	"go.podman.io/common/libnetwork/etchosts"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// domainRE is podman's check of a --dns-search domain.
var domainRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(:?(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))(:?\.(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])))*)\.?\s*$`)
})

// applyNameFlags checks and records --dns, --dns-search, --dns-option,
// --add-host, --no-hosts and --hosts-file with podman 5's checks and
// texts; containers.conf no_hosts is --no-hosts's default.
func (r *Runtime) applyNameFlags(cfg *define.ContainerConfig, req *CreateRequest) error {
	invalid := func(format string, a ...any) error { return errdefs.Errorf(errdefs.ErrInvalidArgument, format, a...) }
	dnsSet := len(req.DNSServers) > 0 || len(req.DNSSearch) > 0 || len(req.DNSOptions) > 0
	mode := cfg.NetworkMode
	if dnsSet && (mode == "none" || strings.HasPrefix(mode, netnsPrefix)) {
		if strings.HasPrefix(mode, netnsPrefix) {
			mode = "container"
		}
		return invalid("conflicting options: dns and the network mode: %s", mode)
	}
	noHosts := req.NoHosts || r.containersConf().NoHosts
	if noHosts && len(req.AddHosts) > 0 {
		return invalid("--no-hosts and --add-host cannot be set together")
	}
	if noHosts && req.HostsFile != "" {
		return invalid("--no-hosts and --hosts-file cannot be set together")
	}
	for _, h := range req.AddHosts {
		if err := validateExtraHost(h); err != nil {
			return err
		}
	}
	if len(req.AddHosts) > 0 && strings.HasPrefix(cfg.NetworkMode, netnsPrefix) {
		return invalid("invalid config provided: cannot set extra host entries when the container is joined to another containers network namespace: invalid configuration")
	}
	for _, d := range req.DNSServers {
		if d == "none" {
			if len(req.DNSServers) > 1 {
				return invalid("%s is not allowed to be specified with other DNS ip addresses", d)
			}
			cfg.UseImageResolvConf = true
			continue
		}
		if net.ParseIP(d) == nil {
			return invalid("%s is not an ip address", d)
		}
		cfg.DNSServers = append(cfg.DNSServers, d)
	}
	for _, d := range req.DNSSearch {
		if d == "." {
			if len(req.DNSSearch) > 1 {
				return invalid("cannot pass additional search domains when also specifying '.'")
			}
			continue
		}
		if m := domainRE().FindStringSubmatch(d); m == nil || len(m[1]) >= 255 {
			return invalid("%s is not a valid domain", d)
		}
	}
	if cfg.UseImageResolvConf && len(req.DNSSearch) > 0 {
		return invalid("invalid config provided: UseImageResolvConf and DNSSearch are mutually exclusive options")
	}
	if cfg.UseImageResolvConf && len(req.DNSOptions) > 0 {
		return invalid("invalid config provided: UseImageResolvConf and DNSOption are mutually exclusive options")
	}
	cfg.DNSSearch, cfg.DNSOptions, cfg.AddHosts = req.DNSSearch, req.DNSOptions, req.AddHosts
	cfg.UseImageHosts, cfg.BaseHostsFile = noHosts, req.HostsFile
	return nil
}

// validateExtraHost is podman's check of --add-host NAME[;NAME...]:IP
// (or host-gateway).
func validateExtraHost(val string) error {
	names, ip, ok := strings.Cut(val, ":")
	if !ok || names == "" {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "bad format for add-host: %q", val)
	}
	for _, n := range strings.Split(names, ";") {
		if n == "" {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "hostname in add-host %q is empty", val)
		}
	}
	if ip != etchosts.HostGateway && net.ParseIP(strings.TrimSpace(ip)) == nil {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid IP address in add-host: %q", ip)
	}
	return nil
}
