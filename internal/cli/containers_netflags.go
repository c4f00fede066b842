package cli

import (
	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/engine"
)

// netFlags are the network flags of create and run.
type netFlags struct {
	publish, expose, dns, dnsSearch, dnsOptions, addHosts []string
	publishAll                                            bool
}

func (n *netFlags) add(f *pflag.FlagSet) {
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
	req.Publish, req.PublishAll, req.Expose = n.publish, n.publishAll, n.expose
	req.DNSServers, req.DNSSearch, req.DNSOptions = n.dns, n.dnsSearch, n.dnsOptions
	req.AddHosts = n.addHosts
}
