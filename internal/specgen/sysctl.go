package specgen

import (
	"maps"
	"slices"
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
		// podman splits on every "=": "k=a=b" is refused as extra spaces.
		parts := strings.Split(kv, "=")
		if len(parts) < 2 {
			return nil, invalidf("%s is invalid, sysctl values must be in the form of KEY=VALUE", kv)
		}
		k, v := parts[0], parts[1]
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

// CheckSysctlNamespaces refuses --sysctl entries that would change a
// namespace the container shares with the host, with podman's words:
// net.* with the host's network, fs.mqueue.* with the host's IPC.
func CheckSysctlNamespaces(sysctls map[string]string, netHost, ipcHost bool) error {
	for _, k := range slices.Sorted(maps.Keys(sysctls)) {
		v := sysctls[k]
		if ipcHost && strings.HasPrefix(k, "fs.mqueue.") {
			return invalidf("sysctl %s=%s can't be set since IPC Namespace set to host: invalid argument", k, v)
		}
		if netHost && strings.HasPrefix(k, "net.") {
			return invalidf("sysctl %s=%s can't be set since Network Namespace set to host: invalid argument", k, v)
		}
	}
	return nil
}

// DropSharedSysctls is containers.conf's default_sysctls without the ones
// of a namespace the container does not own (the host's or another
// container's), which podman skips rather than refuses.
func DropSharedSysctls(sysctls map[string]string, netShared, ipcShared bool) map[string]string {
	out := make(map[string]string, len(sysctls))
	maps.Copy(out, sysctls)
	maps.DeleteFunc(out, func(k, _ string) bool {
		return (netShared && strings.HasPrefix(k, "net.")) || (ipcShared && strings.HasPrefix(k, "fs.mqueue."))
	})
	return out
}
