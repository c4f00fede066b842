package monitor

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestZZRSSLong(t *testing.T) {
	if os.Getenv("PIER_RSS_LONG") == "" {
		t.Skip("manual")
	}
	f := newFixture(t, false, "sh", "-c", "while true; do echo tick; sleep 1; done")
	_, monPID := f.launch(t)
	f.start(t)
	for i := 0; i < 15; i++ {
		time.Sleep(10 * time.Second)
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", monPID))
		var parts []string
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "RssAnon") || strings.HasPrefix(l, "RssFile") || strings.HasPrefix(l, "Threads") {
				parts = append(parts, strings.Join(strings.Fields(l), " "))
			}
		}
		t.Logf("%3ds %s", (i+1)*10, strings.Join(parts, ", "))
	}
}
