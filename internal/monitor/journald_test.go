package monitor

import (
	"os"
	"testing"
)

// Without a journal, a journald container's first failed line is reported
// and the rest are not (the monitor's error log must not grow with the
// output).
func TestJournaldSinkReportsOnce(t *testing.T) {
	if _, err := os.Stat("/run/systemd/journal/socket"); err == nil {
		t.Log("journald runs here: the failure path was not checked")
		return
	}
	j := newJournaldSink(&Config{ID: "0123456789abcdef", Name: "c"})
	if err := j.Write("stdout", []byte("a\nb\n")); err == nil {
		t.Fatal("no error without journald")
	}
	if err := j.Write("stdout", []byte("c\n")); err != nil {
		t.Errorf("second failure reported: %v", err)
	}
	if j.fields["SYSLOG_IDENTIFIER"] != "c" || j.fields["CONTAINER_ID"] != "0123456789ab" {
		t.Errorf("fields %v", j.fields)
	}
}
