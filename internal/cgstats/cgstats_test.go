package cgstats

import (
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadV2(t *testing.T) {
	d := t.TempDir()
	write(t, d, map[string]string{
		"cpu.stat":       "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n",
		"memory.current": "10000\n", "memory.stat": "anon 1\ninactive_file 4000\n",
		"memory.max": "max\n", "pids.current": "3\n",
		"io.stat": "8:0 rbytes=100 wbytes=20 rios=1 wios=1\n8:16 rbytes=1 wbytes=2\n",
	})
	s, err := readV2(d)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{CPUNano: 1500000, CPUSystemNano: 500000, MemUsage: 6000, PIDs: 3, BlockRead: 101, BlockWrite: 22}
	if s.CPUNano != want.CPUNano || s.CPUSystemNano != want.CPUSystemNano || s.MemUsage != want.MemUsage ||
		s.MemLimit != 0 || s.PIDs != 3 || s.BlockRead != 101 || s.BlockWrite != 22 {
		t.Errorf("got %+v, want %+v", *s, want)
	}
}

func TestReadV1(t *testing.T) {
	cpu, mem, blk := t.TempDir(), t.TempDir(), t.TempDir()
	write(t, cpu, map[string]string{"cpuacct.usage": "900\n", "cpuacct.stat": "user 3\nsystem 2\n", "cpuacct.usage_percpu": "400 500 \n"})
	write(t, mem, map[string]string{"memory.usage_in_bytes": "5000\n", "memory.stat": "cache 9\ntotal_inactive_file 1000\n", "memory.limit_in_bytes": "9223372036854771712\n"})
	write(t, blk, map[string]string{"blkio.throttle.io_service_bytes_recursive": "8:0 Read 7\n8:0 Write 8\n8:0 Total 15\nTotal 15\n"})
	s, err := readV1(map[string]string{"cpuacct": cpu, "memory": mem, "blkio": blk})
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUNano != 900 || s.CPUSystemNano != 20000000 || len(s.PerCPU) != 2 || s.MemUsage != 4000 ||
		s.MemLimit != 9223372036854771712 || s.BlockRead != 7 || s.BlockWrite != 8 {
		t.Errorf("got %+v", *s)
	}
}
