package monitor

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// dropStartupText unmaps, from this process's page tables only, the pages
// of our own executable's read-only segments. Startup (config, runtime
// create, JSON, exec) runs code that the steady state never runs again,
// and the kernel maps file pages 64 KiB around each fault, so without this
// nearly the whole static binary stays in our RSS. The pages stay in the
// page cache (shared by every monitor) and fault back in if used. Only
// read-only private file mappings are touched: dropping a written page of
// the data segment would lose it.
func dropStartupText() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-0051f000 r-xp 00000000 fe:00 9977969   /path/to/exe
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || fields[1][1] != '-' || fields[1][3] != 'p' {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_DONTNEED)
	}
}
