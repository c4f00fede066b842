// Package proc identifies processes through /proc. A PID alone names a
// process only while it lives: once it exits the kernel may hand the
// number to an unrelated process, so liveness checks compare the start
// time recorded when the process was started.
package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// StartTime is the process's start time in clock ticks since boot (field
// 22 of /proc/PID/stat): with the PID, a unique name for the process
// across PID reuse.
func StartTime(pid int) (uint64, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	return st.start, nil
}

// Alive reports whether the process pid that started at start (0: not
// recorded, any process with that PID counts) is still running. Zombies
// are dead: they only wait to be reaped.
func Alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, err := readStat(pid)
	if err != nil {
		return false
	}
	if st.state == 'Z' || st.state == 'X' {
		return false
	}
	return start == 0 || st.start == start
}

type stat struct {
	state byte
	start uint64
}

// readStat parses /proc/PID/stat. The command name (field 2) may contain
// spaces and parentheses, so fields are counted after its last ')'.
func readStat(pid int) (stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return stat{}, fmt.Errorf("parsing /proc/%d/stat: no command name", pid)
	}
	// After ") ": field 3 (state) is the first; starttime is field 22.
	fields := bytes.Fields(b[i+1:])
	if len(fields) < 20 || len(fields[0]) != 1 {
		return stat{}, errors.New("parsing /proc/" + strconv.Itoa(pid) + "/stat: too few fields")
	}
	start, err := strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return stat{}, fmt.Errorf("parsing start time in /proc/%d/stat: %w", pid, err)
	}
	return stat{state: fields[0][0], start: start}, nil
}
