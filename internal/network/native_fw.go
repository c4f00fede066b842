package network

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"

	"go.podman.io/common/libnetwork/types"
)

// The firewall of the native bridge driver: netavark 1.4.0's iptables
// rules (src/firewall/varktables/types.rs), written as iptables-save
// prints them so that a rule netavark made is recognised as the same rule
// and the reverse. One iptables-save reads a family's tables and one
// iptables-restore --noflush applies all changes, instead of netavark's
// iptables execution per check and per rule.
const (
	chainForward   = "NETAVARK_FORWARD"
	chainHPDNAT    = "NETAVARK-HOSTPORT-DNAT"
	chainHPSetmark = "NETAVARK-HOSTPORT-SETMARK"
	chainHPMasq    = "NETAVARK-HOSTPORT-MASQ"

	ruleForwardJump = `-m comment --comment "netavark firewall plugin rules" -j ` + chainForward
	ruleSetmark     = "-j MARK --set-xmark 0x2000/0x2000"
	ruleMasqMark    = `-m comment --comment "netavark portfw masq mark" -m mark --mark 0x2000/0x2000 -j MASQUERADE`
	ruleHPMasqJump  = "-j " + chainHPMasq
	ruleHPDNATJump  = "-m addrtype --dst-type LOCAL -j " + chainHPDNAT
)

// fwTables is a family's nat and filter tables as iptables-save shows
// them: the chains and each chain's rules (specs after "-A CHAIN ").
type fwTables map[string]*fwTable

type fwTable struct {
	chains map[string]bool
	rules  map[string][]string
}

func parseSave(out []byte) fwTables {
	t := fwTables{}
	var cur *fwTable
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "*"):
			cur = t.table(line[1:])
		case cur == nil:
		case strings.HasPrefix(line, ":"):
			name, _, _ := strings.Cut(line[1:], " ")
			cur.chains[name] = true
		case strings.HasPrefix(line, "-A "):
			chain, spec, _ := strings.Cut(line[3:], " ")
			cur.rules[chain] = append(cur.rules[chain], spec)
		}
	}
	return t
}

func (t fwTables) table(name string) *fwTable {
	if t[name] == nil {
		t[name] = &fwTable{chains: map[string]bool{}, rules: map[string][]string{}}
	}
	return t[name]
}

// fwBatch collects iptables-restore commands against a known state, which
// it keeps up to date so that later checks see earlier changes.
type fwBatch struct {
	state fwTables
	order []string
	cmds  map[string][]string
}

func newBatch(state fwTables) *fwBatch {
	return &fwBatch{state: state, cmds: map[string][]string{}}
}

func (b *fwBatch) add(table, cmd string) {
	if _, ok := b.cmds[table]; !ok {
		b.order = append(b.order, table)
	}
	b.cmds[table] = append(b.cmds[table], cmd)
}

// chain creates a chain unless it exists. iptables-restore --noflush
// flushes an existing chain it is told to declare, so only missing chains
// are created (-N), never declared.
func (b *fwBatch) chain(table, name string) {
	t := b.state.table(table)
	if t.chains[name] {
		return
	}
	t.chains[name] = true
	b.add(table, "-N "+name)
}

func (b *fwBatch) has(table, chain, spec string) bool {
	return slices.Contains(b.state.table(table).rules[chain], spec)
}

// appendUnique is netavark's append_unique.
func (b *fwBatch) appendUnique(table, chain, spec string) {
	if b.has(table, chain, spec) {
		return
	}
	t := b.state.table(table)
	t.rules[chain] = append(t.rules[chain], spec)
	b.add(table, "-A "+chain+" "+spec)
}

// insertFirst inserts at position 1 unless the rule exists anywhere.
func (b *fwBatch) insertFirst(table, chain, spec string) {
	if b.has(table, chain, spec) {
		return
	}
	t := b.state.table(table)
	t.rules[chain] = append([]string{spec}, t.rules[chain]...)
	b.add(table, fmt.Sprintf("-I %s 1 %s", chain, spec))
}

// remove deletes a rule if it exists (netavark's remove_if_rule_exists).
func (b *fwBatch) remove(table, chain, spec string) {
	t := b.state.table(table)
	i := slices.Index(t.rules[chain], spec)
	if i < 0 {
		return
	}
	t.rules[chain] = slices.Delete(t.rules[chain], i, i+1)
	b.add(table, "-D "+chain+" "+spec)
}

// removeChain deletes a chain that exists and has no rule left; a chain
// with rules is left, as netavark leaves it.
func (b *fwBatch) removeChain(table, name string) {
	t := b.state.table(table)
	if !t.chains[name] || len(t.rules[name]) > 0 {
		return
	}
	for _, rules := range t.rules {
		for _, r := range rules {
			if strings.HasSuffix(r, "-j "+name) || strings.Contains(r, "-j "+name+" ") {
				return // still a jump target
			}
		}
	}
	delete(t.chains, name)
	b.add(table, "-X "+name)
}

func (b *fwBatch) empty() bool { return len(b.order) == 0 }

func (b *fwBatch) restoreInput() []byte {
	var sb strings.Builder
	for _, table := range b.order {
		sb.WriteString("*" + table + "\n")
		for _, c := range b.cmds[table] {
			sb.WriteString(c + "\n")
		}
		sb.WriteString("COMMIT\n")
	}
	return []byte(sb.String())
}

// fwNet is what the rules of one network need for one IP family.
type fwNet struct {
	v6      bool
	hash    string // NETAVARK-<hash>: the first 13 hex digits of sha512(name)
	name    string
	subnets []*net.IPNet // the network's subnets of this family
}

// fwCtr is a container's port forwarding in one family: its first address
// of the family and that address's subnet, as netavark's PortForwardConfig.
type fwCtr struct {
	id     string
	ip     net.IP
	subnet *net.IPNet
	ports  []types.PortMapping
}

func (n fwNet) chain() string   { return "NETAVARK-" + n.hash }
func (n fwNet) dnChain() string { return "NETAVARK-DN-" + n.hash }

func (n fwNet) multicast() string {
	if n.v6 {
		return "ff00::/8"
	}
	return "224.0.0.0/4"
}

func (n fwNet) localhost() string {
	if n.v6 {
		return "::1/128"
	}
	return "127.0.0.1/32"
}

// networkRules are get_network_chains' rules for subnet s (isolation off).
func (n fwNet) networkRules(s *net.IPNet) []fwRule {
	sub := s.String()
	return []fwRule{
		{"nat", n.chain(), "-d " + sub + " -j ACCEPT", tdOnComplete},
		{"nat", n.chain(), "! -d " + n.multicast() + " -j MASQUERADE", tdOnComplete},
		{"nat", "POSTROUTING", "-s " + sub + " -j " + n.chain(), tdOnComplete},
		{"filter", chainForward, "-d " + sub + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", tdOnComplete},
		{"filter", chainForward, "-s " + sub + " -j ACCEPT", tdOnComplete},
	}
}

type teardownPolicy int

const (
	tdAlways     teardownPolicy = iota // a container's own rule
	tdOnComplete                       // the network's, when its last container goes
	tdNever                            // shared by every network
)

type fwRule struct {
	table, chain, spec string
	td                 teardownPolicy
}

// setupNetwork is netavark's setup_network for one family.
func (b *fwBatch) setupNetwork(n fwNet) {
	for _, s := range n.subnets {
		b.chain("nat", n.chain())
		b.chain("filter", chainForward)
		for _, r := range n.networkRules(s)[:3] {
			b.appendUnique(r.table, r.chain, r.spec)
		}
		b.insertFirst("filter", "FORWARD", ruleForwardJump)
		for _, r := range n.networkRules(s)[3:] {
			b.appendUnique(r.table, r.chain, r.spec)
		}
	}
}

// teardownNetwork is netavark's teardown_network (called on a complete
// teardown only): the network's rules, then its chain when empty.
func (b *fwBatch) teardownNetwork(n fwNet) {
	for _, s := range n.subnets {
		for _, r := range n.networkRules(s) {
			b.remove(r.table, r.chain, r.spec)
		}
		b.removeChain("nat", n.chain())
	}
}

// portRules are the container's own rules in NETAVARK-DN-<hash> and
// NETAVARK-HOSTPORT-DNAT for its published ports (get_port_forwarding_chains).
func (n fwNet) portRules(c fwCtr) (dn, hpdnat []string) {
	for _, p := range c.ports {
		if hip := net.ParseIP(p.HostIP); hip != nil && (hip.To4() == nil) != n.v6 {
			continue // a host address of the other family
		}
		hostPort := fmt.Sprint(p.HostPort)
		ctrPort := fmt.Sprint(p.ContainerPort)
		if p.Range > 1 {
			hostPort = fmt.Sprintf("%d:%d", p.HostPort, p.HostPort+p.Range-1)
			ctrPort = fmt.Sprintf("%d-%d/%d", p.ContainerPort, p.ContainerPort+p.Range-1, p.HostPort)
		}
		dst := ""
		if p.HostIP != "" {
			dst = "-d " + hostNet(p.HostIP) + " "
		}
		match := fmt.Sprintf("-p %s -m %s --dport %s", p.Protocol, p.Protocol, hostPort)
		ip := c.ip.String()
		if n.v6 {
			ip = "[" + ip + "]"
		}
		dn = append(dn,
			"-s "+c.subnet.String()+" "+dst+match+" -j "+chainHPSetmark,
			"-s "+n.localhost()+" "+dst+match+" -j "+chainHPSetmark,
			dst+match+" -j DNAT --to-destination "+ip+":"+ctrPort)
		hpdnat = append(hpdnat, fmt.Sprintf("%s -m comment --comment \"dnat name: %s id: %s\" -j %s", match, n.name, c.id, n.dnChain()))
	}
	return dn, hpdnat
}

// hostNet is a host address as iptables-save prints a -d match.
func hostNet(s string) string {
	ip := net.ParseIP(s)
	if ip.To4() != nil {
		return ip.String() + "/32"
	}
	return ip.String() + "/128"
}

// setupPorts is netavark's setup_port_forward for one family.
func (b *fwBatch) setupPorts(n fwNet, c fwCtr) {
	b.chain("nat", chainHPSetmark)
	b.chain("nat", chainHPMasq)
	if len(c.ports) > 0 {
		b.chain("nat", n.dnChain())
	}
	b.chain("nat", chainHPDNAT)
	b.appendUnique("nat", chainHPSetmark, ruleSetmark)
	b.appendUnique("nat", chainHPMasq, ruleMasqMark)
	b.insertFirst("nat", "POSTROUTING", ruleHPMasqJump)
	dn, hp := n.portRules(c)
	for _, r := range dn {
		b.appendUnique("nat", n.dnChain(), r)
	}
	for _, r := range hp {
		b.appendUnique("nat", chainHPDNAT, r)
	}
	b.appendUnique("nat", "PREROUTING", ruleHPDNATJump)
	b.appendUnique("nat", "OUTPUT", ruleHPDNATJump)
}

// teardownPorts is netavark's teardown_port_forward: the container's
// rules, and on a complete teardown the network's DNAT chain when empty.
// netavark keeps that chain when the last container has no published
// port; it is removed here all the same (empty, and nothing jumps to it),
// so no chain outlives the network's last container.
func (b *fwBatch) teardownPorts(n fwNet, c fwCtr, complete bool) {
	dn, hp := n.portRules(c)
	for _, r := range dn {
		b.remove("nat", n.dnChain(), r)
	}
	for _, r := range hp {
		b.remove("nat", chainHPDNAT, r)
	}
	if complete {
		b.removeChain("nat", n.dnChain())
	}
}

// iptables runs the family's save and restore tools.
type iptables struct{ v6 bool }

// tool is the family's binary: tool("save") is iptables-save or
// ip6tables-save.
func (ipt iptables) tool(verb string) string {
	name := "iptables-" + verb
	if ipt.v6 {
		name = "ip6tables-" + verb
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return "/usr/sbin/" + name
}

func (ipt iptables) save(ctx context.Context) (fwTables, error) {
	out, err := exec.CommandContext(ctx, ipt.tool("save")).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ipt.tool("save"), err)
	}
	return parseSave(out), nil
}

// restore applies the batch, each table by its own iptables-restore, side
// by side: a table's commit that deletes rules waits for an RCU grace
// period in the kernel, and two waits overlap.
func (ipt iptables) restore(ctx context.Context, b *fwBatch) error {
	errs := make(chan error, len(b.order))
	for _, table := range b.order {
		go func() {
			one := &fwBatch{order: []string{table}, cmds: map[string][]string{table: b.cmds[table]}}
			cmd := exec.CommandContext(ctx, ipt.tool("restore"), "--noflush", "-w")
			cmd.Stdin = bytes.NewReader(one.restoreInput())
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("%s: %s: %w", ipt.tool("restore"), strings.TrimSpace(string(out)), err)
				return
			}
			errs <- nil
		}()
	}
	var all []error
	for range b.order {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}
