package cli

import (
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/network"
)

// netFlags are the network flags of create and run.
type netFlags struct {
	networks, publish, expose, dns, dnsSearch, dnsOptions, addHosts []string
	publishAll, noHosts                                             bool
	hostsFile                                                       string
	static                                                          network.StaticFlags
}

func (n *netFlags) add(f *pflag.FlagSet) {
	f.StringArrayVar(&n.networks, "network", nil, "Connect a container to a network")
	f.StringArrayVar(&n.networks, "net", nil, "Connect a container to a network")
	_ = f.MarkHidden("net")
	f.StringVar(&n.static.IP, "ip", "", "Specify a static IPv4 address for the container")
	f.StringVar(&n.static.IP6, "ip6", "", "Specify a static IPv6 address for the container")
	f.StringVar(&n.static.MAC, "mac-address", "", "Container MAC address (e.g. 92:d0:c6:0a:29:33)")
	f.StringSliceVar(&n.static.Aliases, "network-alias", nil, "Add network-scoped alias for the container")
	f.BoolVar(&n.noHosts, "no-hosts", false, "Do not create /etc/hosts within the container, instead use the version from the image")
	f.StringVar(&n.hostsFile, "hosts-file", "", "Base file to create the /etc/hosts file inside the container, or one of the special values. (\"image\"|\"none\")")
	f.StringArrayVarP(&n.publish, "publish", "p", nil, "Publish a container's port, or a range of ports, to the host (default [])")
	f.BoolVarP(&n.publishAll, "publish-all", "P", false, "Publish all exposed ports to random ports on the host interface")
	f.StringArrayVar(&n.expose, "expose", nil, "Expose a port or a range of ports")
	f.StringSliceVar(&n.dns, "dns", nil, "Set custom DNS servers")
	f.StringSliceVar(&n.dnsSearch, "dns-search", nil, "Set custom DNS search domains")
	f.StringSliceVar(&n.dnsOptions, "dns-option", nil, "Set custom DNS options")
	f.StringSliceVar(&n.dnsOptions, "dns-opt", nil, "Set custom DNS options")
	_ = f.MarkHidden("dns-opt")
	f.StringSliceVar(&n.addHosts, "add-host", nil, "Add a custom host-to-IP mapping (host:ip) (default [])")
}

func (n *netFlags) apply(req *engine.CreateRequest) {
	if len(n.networks) > 0 {
		req.NetworkMode, req.ExtraNetworks = n.networks[0], n.networks[1:]
	}
	req.Static, req.NoHosts, req.HostsFile = n.static, n.noHosts, n.hostsFile
	req.Publish, req.PublishAll, req.Expose = n.publish, n.publishAll, n.expose
	req.DNSServers, req.DNSSearch, req.DNSOptions = n.dns, n.dnsSearch, n.dnsOptions
	req.AddHosts = n.addHosts
}

// addPod adds the network flags of pod create: those of create and run
// that the infra container takes for the whole pod.
func (n *netFlags) addPod(f *pflag.FlagSet) {
	f.StringArrayVar(&n.networks, "network", nil, "Connect a container to a network")
	f.StringArrayVar(&n.networks, "net", nil, "Connect a container to a network")
	_ = f.MarkHidden("net")
	f.StringVar(&n.static.IP, "ip", "", "Specify a static IPv4 address for the container")
	f.StringVar(&n.static.IP6, "ip6", "", "Specify a static IPv6 address for the container")
	f.StringVar(&n.static.MAC, "mac-address", "", "Container MAC address (e.g. 92:d0:c6:0a:29:33)")
	f.StringSliceVar(&n.static.Aliases, "network-alias", nil, "Add network-scoped alias for the container")
	f.BoolVar(&n.noHosts, "no-hosts", false, "Do not create /etc/hosts within the container, instead use the version from the image")
	f.StringVar(&n.hostsFile, "hosts-file", "", "Base file to create the /etc/hosts file inside the container, or one of the special values. (\"image\"|\"none\")")
	f.StringSliceVarP(&n.publish, "publish", "p", nil, "Publish a container's port, or a range of ports, to the host (default [])")
	f.StringSliceVar(&n.dns, "dns", nil, "Set custom DNS servers")
	f.StringSliceVar(&n.dnsSearch, "dns-search", nil, "Set custom DNS search domains")
	f.StringSliceVar(&n.dnsOptions, "dns-option", nil, "Set custom DNS options")
	f.StringSliceVar(&n.addHosts, "add-host", nil, "Add a custom host-to-IP mapping (host:ip) (default [])")
}

// applyPod fills a pod create request's network fields.
func (n *netFlags) applyPod(req *engine.PodCreateRequest) {
	if len(n.networks) > 0 {
		req.NetworkMode, req.ExtraNetworks = n.networks[0], n.networks[1:]
	}
	req.Static, req.NoHosts, req.HostsFile = n.static, n.noHosts, n.hostsFile
	req.Publish = n.publish
	req.DNSServers, req.DNSSearch, req.DNSOptions = n.dns, n.dnsSearch, n.dnsOptions
	req.AddHosts = n.addHosts
}
