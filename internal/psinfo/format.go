package psinfo

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/sys/user"
)

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func userName(users []user.User, uid string) string {
	n := atoi(uid)
	for _, u := range users {
		if u.Uid == n {
			return u.Name
		}
	}
	return uid
}

func groupName(groups []user.Group, gid string) string {
	n := atoi(gid)
	for _, g := range groups {
		if g.Gid == n {
			return g.Name
		}
	}
	return gid
}

func groupList(groups []user.Group, p *process) string {
	ids := strings.Fields(p.status["Groups"])
	for i, g := range ids {
		ids[i] = groupName(groups, g)
	}
	return strings.Join(ids, ",")
}

// pcpu is psgo's: whole CPU seconds over the time since the start.
func pcpu(p *process, c *context) string {
	el := c.now.Sub(p.startTime()).Seconds()
	return strconv.FormatFloat(100*p.cpuTime().Seconds()/el, 'f', 3, 64)
}

// args is the command line, or "[name]" for a process without one.
func args(p *process, _ *context) string {
	if len(p.cmdline) == 0 || p.cmdline[0] == "" {
		return "[" + p.status["Name"] + "]"
	}
	return strings.Join(p.cmdline, " ")
}

func rss(p *process, _ *context) string {
	if v := firstField(p.status["VmRSS"]); v != "" {
		return v
	}
	return "0" // a kernel thread
}

func seccomp(p *process, _ *context) string {
	switch p.status["Seccomp"] {
	case "0":
		return "disabled"
	case "1":
		return "strict"
	case "2":
		return "filter"
	}
	return "?"
}

// ttyName names a controlling terminal from its device number: ptys
// (136-143), virtual consoles and serial lines (4), the console (5:1).
func ttyName(nr int64) string {
	major, minor := (nr>>8)&0xfff, (nr&0xff)|((nr>>12)&0xfff00)
	switch {
	case nr == 0:
		return "?"
	case major >= 136 && major <= 143:
		return fmt.Sprintf("pts/%d", (major-136)*256+minor)
	case major == 4 && minor < 64:
		return fmt.Sprintf("tty%d", minor)
	case major == 4:
		return fmt.Sprintf("ttyS%d", minor-64)
	case major == 5 && minor == 1:
		return "console"
	}
	return "?"
}

var capNames = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
	"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
	"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

// fullCaps is every capability capNames knows: psgo prints "full" then.
const fullCaps = uint64(1)<<41 - 1

// capSet names the capabilities of a hex mask, sorted; "full" or "none"
// for all or nothing.
func capSet(hex string) string {
	mask, err := strconv.ParseUint(hex, 16, 64)
	if err != nil {
		return "?"
	}
	if mask == fullCaps {
		return "full"
	}
	var caps []string
	for i := range 64 {
		if mask>>i&1 == 0 {
			continue
		}
		if i < len(capNames) {
			caps = append(caps, capNames[i])
		} else {
			caps = append(caps, "unknown")
		}
	}
	if len(caps) == 0 {
		return "none"
	}
	slices.Sort(caps)
	return strings.Join(caps, ",")
}
