package monitor

import (
	"bytes"
	"encoding/binary"
	"net"
	"path/filepath"
	"testing"
)

// An entry is one datagram in journald's native protocol: KEY=VALUE lines,
// and a value with a newline (MESSAGE, which keeps the line's newline) in
// the length-prefixed form.
func TestJournaldSinkNativeProtocol(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "journal.sock")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	old := journalSocket
	journalSocket = sock
	defer func() { journalSocket = old }()

	j := newJournaldSink(&Config{ID: "0123456789abcdef", Name: "web"})
	if err := j.Write("stderr", []byte("oops\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := ln.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := buf[:n]
	msg := []byte("MESSAGE\n")
	msg = binary.LittleEndian.AppendUint64(msg, 5)
	msg = append(msg, "oops\n\n"...)
	for _, want := range [][]byte{[]byte("PRIORITY=3\n"), msg, []byte("CONTAINER_ID=0123456789ab\n"),
		[]byte("CONTAINER_ID_FULL=0123456789abcdef\n"), []byte("CONTAINER_NAME=web\n"), []byte("SYSLOG_IDENTIFIER=web\n")} {
		if !bytes.Contains(got, want) {
			t.Errorf("entry %q lacks %q", got, want)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}
