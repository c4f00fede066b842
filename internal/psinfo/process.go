// Package psinfo lists the processes of a PID namespace with ps(1)'s
// AIX-format descriptors (pid, user, args, ...) and the container ones
// podman adds (hpid, huser, capeff, ...), formatted as podman's top
// formats them (podman uses containers/psgo, which the module proxy here
// does not serve). Everything is read from the host's /proc: no namespace
// is joined and no binary of the container runs; the container's user
// names come from its /etc/passwd opened inside its root (os.Root).
package psinfo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, which the kernel fixes at 100 for user space on
// every architecture Linux runs containers on.
const clockTicks = 100

// process is what /proc says about one process, seen from the host.
type process struct {
	hostPid int
	pid     int // in the container's PID namespace
	stat    []string
	status  map[string]string
	cmdline []string
	label   string
}

// readProcess parses /proc/PID/{stat,status,cmdline,attr/current}.
func readProcess(pid int) (*process, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return nil, err
	}
	p := &process{hostPid: pid, pid: pid}
	if p.stat, err = parseStat(b); err != nil {
		return nil, fmt.Errorf("parsing %s/stat: %w", dir, err)
	}
	if p.status, err = readStatus(dir + "/status"); err != nil {
		return nil, err
	}
	if b, err = os.ReadFile(dir + "/cmdline"); err != nil {
		return nil, err
	}
	// As psgo: split on NUL keeping the empty last element, so args ends
	// in a space, as podman prints it.
	p.cmdline = strings.Split(string(b), "\x00")
	p.label = "?"
	if b, err := os.ReadFile(dir + "/attr/current"); err == nil {
		p.label = strings.Trim(string(b), "\n")
	}
	if ns := strings.Fields(p.status["NSpid"]); len(ns) > 0 {
		p.pid, _ = strconv.Atoi(ns[len(ns)-1])
	}
	return p, nil
}

// parseStat splits /proc/PID/stat into fields; field 1 (pid) is index 0,
// the command name (which may hold spaces and parentheses) index 1.
func parseStat(b []byte) ([]string, error) {
	open, closing := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return nil, errors.New("no command name")
	}
	f := []string{strings.TrimSpace(string(b[:open])), string(b[open+1 : closing])}
	f = append(f, strings.Fields(string(b[closing+1:]))...)
	if len(f) < 24 {
		return nil, errors.New("too few fields")
	}
	return f, nil
}

func readStatus(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m, sc.Err()
}

// Stat fields by their number in proc(5), minus one.
const (
	statComm      = 1
	statPgrp      = 4
	statTtyNr     = 6
	statUtime     = 13
	statStime     = 14
	statNice      = 18
	statStarttime = 21
	statVsize     = 22
)

func (p *process) statInt(i int) int64 {
	n, _ := strconv.ParseInt(p.stat[i], 10, 64)
	return n
}

// ids returns field n (0 real, 1 effective) of a Uid:/Gid: status line.
func (p *process) ids(key string, n int) string {
	f := strings.Fields(p.status[key])
	if len(f) <= n {
		return "0"
	}
	return f[n]
}

// startTime is psgo's: boot time plus whole seconds since boot.
func (p *process) startTime() time.Time {
	return time.Unix(p.statInt(statStarttime)/clockTicks+bootTime(), 0)
}

// cpuTime is whole seconds, as psgo (and so podman) shows it.
func (p *process) cpuTime() time.Duration {
	return time.Duration((p.statInt(statUtime)+p.statInt(statStime))/clockTicks) * time.Second
}

var bootSecs int64

func bootTime() int64 {
	if bootSecs != 0 {
		return bootSecs
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			bootSecs, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return bootSecs
}

// namespaceProcesses returns the host's processes that share pid's PID
// namespace, ordered by their PID in it, with parent and group IDs
// translated into the namespace (0 outside it, as ps shows init's parent).
func namespaceProcesses(pid int) ([]*process, map[int]int, error) {
	want, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/pid")
	if err != nil {
		return nil, nil, fmt.Errorf("reading the PID namespace of %d: %w", pid, err)
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, nil, err
	}
	var ps []*process
	toNS := map[int]int{}
	for _, e := range ents {
		hp, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ns, err := os.Readlink("/proc/" + e.Name() + "/ns/pid"); err != nil || ns != want {
			continue
		}
		p, err := readProcess(hp)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // exited meanwhile
			}
			return nil, nil, err
		}
		ps = append(ps, p)
		toNS[hp] = p.pid
	}
	slices.SortFunc(ps, func(a, b *process) int { return a.pid - b.pid })
	return ps, toNS, nil
}
