package monitor

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The proxy relays READY=1 and WATCHDOG=1 alone, whatever else the
// container's datagram holds, and drops everything else (conmon's rule).
func TestNotifyMessage(t *testing.T) {
	for in, want := range map[string]string{
		"READY=1":                       "READY=1",
		"<13>Nov 30 root: READY=1":      "READY=1",
		"STATUS=up\nREADY=1\nMAINPID=7": "READY=1",
		"WATCHDOG=1":                    "WATCHDOG=1",
		"MAINPID=7":                     "",
		"STATUS=starting":               "",
	} {
		if got := notifyMessage([]byte(in)); got != want {
			t.Errorf("notifyMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

// listenNotify binds RunDir/notify/notify.sock world-writable and relays
// to the host socket.
func TestListenNotifyRelays(t *testing.T) {
	dir := t.TempDir()
	host := filepath.Join(dir, "host.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: host, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := listenNotify(dir, host); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "notify", notifySockName)
	if st, err := os.Stat(sock); err != nil || st.Mode().Perm() != 0o777 {
		t.Fatalf("proxy socket %s: %v %v", sock, st, err)
	}
	for _, m := range []string{"STATUS=x", "X=1\nREADY=1"} {
		c, err := net.Dial("unixgram", sock)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(m))
		c.Close()
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, err := conn.Read(buf)
	if err != nil || string(buf[:n]) != "READY=1" {
		t.Fatalf("host got %q, %v; want READY=1 alone", buf[:n], err)
	}
}
