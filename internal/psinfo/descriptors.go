package psinfo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/sys/user"
)

// ErrUnknownDescriptor: a descriptor this package does not know; podman
// then runs ps(1) with the words as its options.
var ErrUnknownDescriptor = errors.New("unknown descriptor")

// DefaultDescriptors are `ps -ef`'s columns, podman top's default.
var DefaultDescriptors = []string{"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"}

// context is what a descriptor may need beyond its process.
type context struct {
	toNS      map[int]int // host PID -> PID in the namespace
	ctrUsers  []user.User // the container's /etc/passwd
	ctrGroups []user.Group
	hostUsers []user.User
	hostGrps  []user.Group
	now       time.Time
}

type descriptor struct {
	code, normal, header string
	fn                   func(*process, *context) string
}

var descriptors = []descriptor{
	{"%C", "pcpu", "%CPU", pcpu},
	{"%G", "group", "GROUP", func(p *process, c *context) string { return groupName(c.ctrGroups, p.ids("Gid", 1)) }},
	{"", "groups", "GROUPS", func(p *process, c *context) string { return groupList(c.ctrGroups, p) }},
	{"%P", "ppid", "PPID", func(p *process, c *context) string { return strconv.Itoa(c.toNS[atoi(p.status["PPid"])]) }},
	{"%U", "user", "USER", func(p *process, c *context) string { return userName(c.ctrUsers, p.ids("Uid", 1)) }},
	{"", "uid", "UID", func(p *process, c *context) string { return p.ids("Uid", 1) }},
	{"%a", "args", "COMMAND", args},
	{"%c", "comm", "COMMAND", func(p *process, c *context) string { return p.stat[statComm] }},
	{"%g", "rgroup", "RGROUP", func(p *process, c *context) string { return groupName(c.ctrGroups, p.ids("Gid", 0)) }},
	{"%n", "nice", "NI", func(p *process, c *context) string { return p.stat[statNice] }},
	{"%p", "pid", "PID", func(p *process, c *context) string { return strconv.Itoa(p.pid) }},
	{"%r", "pgid", "PGID", func(p *process, c *context) string { return strconv.Itoa(c.toNS[int(p.statInt(statPgrp))]) }},
	{"%t", "etime", "ELAPSED", func(p *process, c *context) string { return c.now.Sub(p.startTime()).String() }},
	{"%u", "ruser", "RUSER", func(p *process, c *context) string { return userName(c.ctrUsers, p.ids("Uid", 0)) }},
	{"%x", "time", "TIME", func(p *process, c *context) string { return p.cpuTime().String() }},
	{"%y", "tty", "TTY", func(p *process, c *context) string { return ttyName(p.statInt(statTtyNr)) }},
	{"%z", "vsz", "VSZ", func(p *process, c *context) string { return strconv.FormatInt(p.statInt(statVsize)/1024, 10) }},
	{"", "capamb", "AMBIENT CAPS", func(p *process, c *context) string { return capSet(p.status["CapAmb"]) }},
	{"", "capinh", "INHERITED CAPS", func(p *process, c *context) string { return capSet(p.status["CapInh"]) }},
	{"", "capprm", "PERMITTED CAPS", func(p *process, c *context) string { return capSet(p.status["CapPrm"]) }},
	{"", "capeff", "EFFECTIVE CAPS", func(p *process, c *context) string { return capSet(p.status["CapEff"]) }},
	{"", "capbnd", "BOUNDING CAPS", func(p *process, c *context) string { return capSet(p.status["CapBnd"]) }},
	{"", "seccomp", "SECCOMP", seccomp},
	{"", "label", "LABEL", func(p *process, c *context) string { return p.label }},
	{"", "hpid", "HPID", func(p *process, c *context) string { return strconv.Itoa(p.hostPid) }},
	{"", "huser", "HUSER", func(p *process, c *context) string { return userName(c.hostUsers, p.ids("Uid", 1)) }},
	{"", "huid", "HUID", func(p *process, c *context) string { return p.ids("Uid", 1) }},
	{"", "hgroup", "HGROUP", func(p *process, c *context) string { return groupName(c.hostGrps, p.ids("Gid", 1)) }},
	{"", "hgroups", "HGROUPS", func(p *process, c *context) string { return strings.Join(strings.Fields(p.status["Groups"]), ",") }},
	{"", "rss", "RSS", rss},
	{"", "state", "STATE", func(p *process, c *context) string { return firstField(p.status["State"]) }},
	{"", "stime", "STIME", func(p *process, c *context) string { return p.startTime().String() }},
}

// ListDescriptors returns the descriptors' normal names, sorted.
func ListDescriptors() []string {
	l := make([]string, 0, len(descriptors))
	for _, d := range descriptors {
		l = append(l, d.normal)
	}
	slices.Sort(l)
	return l
}

func translate(names []string) ([]descriptor, error) {
	if len(names) == 0 {
		names = DefaultDescriptors
	}
	var ds []descriptor
	for _, n := range names {
		n = strings.TrimSpace(n)
		i := slices.IndexFunc(descriptors, func(d descriptor) bool { return n == d.normal || (d.code != "" && n == d.code) })
		if i < 0 {
			return nil, fmt.Errorf("'%s': %w", n, ErrUnknownDescriptor)
		}
		ds = append(ds, descriptors[i])
	}
	return ds, nil
}

// Table describes the processes of pid's PID namespace: a header row,
// then one row per process. root is the container's root directory (its
// /etc/passwd and /etc/group name the users); nil shows numeric IDs.
func Table(pid int, root *os.Root, names []string) ([][]string, error) {
	ds, err := translate(names)
	if err != nil {
		return nil, err
	}
	ps, toNS, err := namespaceProcesses(pid)
	if err != nil {
		return nil, err
	}
	c := &context{toNS: toNS, now: time.Now()}
	if root != nil {
		c.ctrUsers = parseIn(root, "etc/passwd", user.ParsePasswd)
		c.ctrGroups = parseIn(root, "etc/group", user.ParseGroup)
	}
	if hr, err := os.OpenRoot("/"); err == nil {
		c.hostUsers = parseIn(hr, "etc/passwd", user.ParsePasswd)
		c.hostGrps = parseIn(hr, "etc/group", user.ParseGroup)
		hr.Close()
	}
	rows := make([][]string, 0, len(ps)+1)
	header := make([]string, len(ds))
	for i, d := range ds {
		header[i] = d.header
	}
	rows = append(rows, header)
	for _, p := range ps {
		row := make([]string, len(ds))
		for i, d := range ds {
			row[i] = d.fn(p, c)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// parseIn parses a file inside root; a missing or unreadable file names
// nobody (IDs are then shown as numbers, as ps does).
func parseIn[T any](root *os.Root, name string, parse func(io.Reader) ([]T, error)) []T {
	f, err := root.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	l, _ := parse(f)
	return l
}
