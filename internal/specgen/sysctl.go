package specgen

import (
	"strings"
)

// sysctlNames and sysctlPrefixes are what podman lets a container set:
// the namespaced sysctls (IPC, network, mqueue) and nothing host-wide.
var (
	sysctlNames = map[string]bool{
		"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true,
		"kernel.sem": true, "kernel.shmall": true, "kernel.shmmax": true,
		"kernel.shmmni": true, "kernel.shm_rmid_forced": true,
	}
	sysctlPrefixes = []string{"net.", "fs.mqueue."}
)

// ParseSysctls parses "name=value" entries (--sysctl, containers.conf
// default_sysctls) with podman's checks and wording. With netHost (the
// container shares the host's network namespace) net.* entries are
// dropped, as podman drops them, rather than changing the host.
func ParseSysctls(list []string, netHost bool) (map[string]string, error) {
	out := make(map[string]string, len(list))
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, invalidf("%s is invalid, sysctl values must be in the form of KEY=VALUE", kv)
		}
		if strings.TrimSpace(k)+"="+strings.TrimSpace(v) != kv {
			return nil, invalidf("'%s' is invalid, extra spaces found", kv)
		}
		if !sysctlAllowed(k) {
			return nil, invalidf("sysctl '%s' is not allowed", k)
		}
		if netHost && strings.HasPrefix(k, "net.") {
			continue
		}
		out[k] = v
	}
	return out, nil
}

func sysctlAllowed(k string) bool {
	if sysctlNames[k] {
		return true
	}
	for _, p := range sysctlPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// SysctlNamespace names the namespace a permitted sysctl belongs to, in
// podman's words for its errors ("Network" or "IPC").
func SysctlNamespace(name string) string {
	if strings.HasPrefix(name, "net.") {
		return "Network"
	}
	return "IPC"
}
