package network

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// ParsePublish parses one -p value, podman's
// [[hostIP:][hostPort]:]containerPort[-end][/protocol[,protocol]]; a
// missing or empty host port is 0 (picked at create).
func ParsePublish(s string) ([]types.PortMapping, error) {
	bad := func(why string) error {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid port format %q: %s", s, why)
	}
	rest, protos := s, "tcp"
	if i := strings.LastIndex(s, "/"); i >= 0 {
		rest, protos = s[:i], s[i+1:]
	}
	var hostIP, hostPart, ctrPart string
	if strings.HasPrefix(rest, "[") { // [v6]:host:ctr
		end := strings.Index(rest, "]")
		if end < 0 {
			return nil, bad("missing ]")
		}
		hostIP = rest[1:end]
		parts := strings.Split(strings.TrimPrefix(rest[end+1:], ":"), ":")
		if len(parts) != 2 {
			return nil, bad("expected [ip]:hostPort:containerPort")
		}
		hostPart, ctrPart = parts[0], parts[1]
	} else {
		parts := strings.Split(rest, ":")
		switch len(parts) {
		case 1:
			ctrPart = parts[0]
		case 2:
			hostPart, ctrPart = parts[0], parts[1]
		case 3:
			hostIP, hostPart, ctrPart = parts[0], parts[1], parts[2]
		default:
			return nil, bad("too many colons")
		}
	}
	if hostIP != "" && net.ParseIP(hostIP) == nil {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid IP address %q in port mapping", hostIP)
	}
	ctrStart, ctrLen, err := portRange(ctrPart)
	if err != nil {
		return nil, bad(err.Error())
	}
	var hostStart uint16
	if hostPart != "" {
		hs, hl, err := portRange(hostPart)
		if err != nil {
			return nil, bad(err.Error())
		}
		if hl != ctrLen && hl != 1 {
			return nil, bad("host and container port ranges differ in length")
		}
		hostStart = hs
	}
	var out []types.PortMapping
	for _, p := range strings.Split(protos, ",") {
		switch p {
		case "tcp", "udp", "sctp":
		default:
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "unrecognized protocol %q in port mapping", p)
		}
		out = append(out, types.PortMapping{HostIP: hostIP, ContainerPort: ctrStart, HostPort: hostStart, Range: ctrLen, Protocol: p})
	}
	return out, nil
}

// portRange parses "80" or "80-82" into its start and length.
func portRange(s string) (uint16, uint16, error) {
	a, b, isRange := strings.Cut(s, "-")
	start, err := portNum(a)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return start, 1, nil
	}
	end, err := portNum(b)
	if err != nil {
		return 0, 0, err
	}
	if end < start {
		return 0, 0, fmt.Errorf("range end %d before start %d", end, start)
	}
	return start, end - start + 1, nil
}

func portNum(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a valid port number", s)
	}
	return uint16(n), nil
}

// ParseExpose parses an --expose value (port[-end][/protocol]) into
// "port/protocol" entries.
func ParseExpose(s string) ([]string, error) {
	ports, proto, _ := strings.Cut(s, "/")
	if proto == "" {
		proto = "tcp"
	}
	start, n, err := portRange(ports)
	if err != nil || (proto != "tcp" && proto != "udp" && proto != "sctp") {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid port format for --expose: %s", s)
	}
	var out []string
	for i := uint16(0); i < n; i++ {
		out = append(out, fmt.Sprintf("%d/%s", start+i, proto))
	}
	return out, nil
}

// FreePort asks the kernel for a free port of proto on hostIP, as podman
// picks random host ports.
func FreePort(proto, hostIP string) (uint16, error) {
	addr := net.JoinHostPort(hostIP, "0")
	if proto == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return 0, fmt.Errorf("finding a free udp port: %w", err)
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("finding a free %s port: %w", proto, err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port), nil
}

// CheckPorts fails with podman's "address already in use" error when a
// host port of pm is taken.
func CheckPorts(pm []types.PortMapping) error {
	for _, m := range pm {
		for i := uint16(0); i < max(m.Range, 1); i++ {
			port := strconv.Itoa(int(m.HostPort + i))
			addr := net.JoinHostPort(m.HostIP, port)
			family := "4"
			if ip := net.ParseIP(m.HostIP); ip != nil && ip.To4() == nil {
				family = "6"
			}
			switch m.Protocol {
			case "udp":
				c, err := net.ListenPacket("udp"+family, addr)
				if err != nil {
					return errdefs.Errorf(define.ErrPortInUse, "cannot listen on the UDP port: %v", err)
				}
				c.Close()
			case "sctp":
			default:
				l, err := net.Listen("tcp"+family, addr)
				if err != nil {
					return errdefs.Errorf(define.ErrPortInUse, "cannot listen on the TCP port: %v", err)
				}
				l.Close()
			}
		}
	}
	return nil
}

// FormatPorts renders mappings as ps shows them:
// "0.0.0.0:8080->80/tcp, 0.0.0.0:9000-9001->90-91/udp".
func FormatPorts(pm []types.PortMapping) string {
	var parts []string
	for _, m := range pm {
		ip := m.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		host, ctr := strconv.Itoa(int(m.HostPort)), strconv.Itoa(int(m.ContainerPort))
		if m.Range > 1 {
			host += "-" + strconv.Itoa(int(m.HostPort+m.Range-1))
			ctr += "-" + strconv.Itoa(int(m.ContainerPort+m.Range-1))
		}
		parts = append(parts, fmt.Sprintf("%s->%s/%s", net.JoinHostPort(ip, host), ctr, m.Protocol))
	}
	return strings.Join(parts, ", ")
}

// PortsColumn is the PORTS column of ps: published ports, then the
// exposed ("80/tcp") that are not published.
func PortsColumn(pm []types.PortMapping, exposed []string) string {
	s := FormatPorts(pm)
	for _, e := range exposed {
		port, proto, _ := strings.Cut(e, "/")
		n, err := strconv.ParseUint(port, 10, 16)
		if err == nil && isPublished(pm, uint16(n), proto) {
			continue
		}
		if s != "" {
			s += ", "
		}
		s += e
	}
	return s
}

func isPublished(pm []types.PortMapping, port uint16, proto string) bool {
	for _, m := range pm {
		if m.Protocol == proto && port >= m.ContainerPort && port < m.ContainerPort+max(m.Range, 1) {
			return true
		}
	}
	return false
}

// CheckPortsAgainst fails as CheckPorts does when pm takes a host port
// that held (the mappings of running containers) already takes: netavark
// forwards ports without listening, so the kernel would not notice.
func CheckPortsAgainst(pm, held []types.PortMapping) error {
	for _, m := range pm {
		for _, h := range held {
			if m.Protocol != h.Protocol || !sameHostIP(m.HostIP, h.HostIP) {
				continue
			}
			if m.HostPort < h.HostPort+max(h.Range, 1) && h.HostPort < m.HostPort+max(m.Range, 1) {
				port := max(m.HostPort, h.HostPort)
				family := "4"
				if ip := net.ParseIP(m.HostIP); ip != nil && ip.To4() == nil {
					family = "6"
				}
				return errdefs.Errorf(define.ErrPortInUse, "cannot listen on the %s port: listen %s%s %s: bind: address already in use",
					strings.ToUpper(m.Protocol), m.Protocol, family, net.JoinHostPort(m.HostIP, strconv.Itoa(int(port))))
			}
		}
	}
	return nil
}

// sameHostIP: an empty (any) address overlaps every address.
func sameHostIP(a, b string) bool {
	return a == "" || b == "" || a == "0.0.0.0" || b == "0.0.0.0" || net.ParseIP(a).Equal(net.ParseIP(b))
}
