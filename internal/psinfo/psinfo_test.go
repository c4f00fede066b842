package psinfo

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestCapSetAndTTY(t *testing.T) {
	for hex, want := range map[string]string{
		"00000000a80425fb": "CHOWN,DAC_OVERRIDE,FOWNER,FSETID,KILL,MKNOD,NET_BIND_SERVICE,NET_RAW,SETFCAP,SETGID,SETPCAP,SETUID,SYS_CHROOT,AUDIT_WRITE",
		"000001ffffffffff": "full",
		"0000000000000000": "none",
	} {
		got := capSet(hex)
		if want != "full" && want != "none" {
			// sorted, as psgo prints them
			parts := strings.Split(want, ",")
			if len(strings.Split(got, ",")) != len(parts) || !strings.HasPrefix(got, "AUDIT_WRITE,CHOWN,") {
				t.Errorf("capSet(%s) = %q", hex, got)
			}
			continue
		}
		if got != want {
			t.Errorf("capSet(%s) = %q, want %q", hex, got, want)
		}
	}
	for nr, want := range map[int64]string{0: "?", 136<<8 | 3: "pts/3", 4<<8 | 1: "tty1", 5<<8 | 1: "console"} {
		if got := ttyName(nr); got != want {
			t.Errorf("ttyName(%d) = %q, want %q", nr, got, want)
		}
	}
}

// Table on our own PID namespace finds this process, with podman's
// headers; an unknown descriptor is ErrUnknownDescriptor.
func TestTableSelf(t *testing.T) {
	rows, err := Table(os.Getpid(), nil, []string{"pid", "hpid", "uid", "state", "%c"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "PID,HPID,UID,STATE,COMMAND" {
		t.Errorf("header %q", rows[0])
	}
	me := strconv.Itoa(os.Getpid())
	found := false
	for _, r := range rows[1:] {
		if r[1] == me {
			found = r[0] == me && r[2] == strconv.Itoa(os.Geteuid())
		}
	}
	if !found {
		t.Errorf("this process missing or wrong in %d rows", len(rows))
	}
	if _, err := Table(os.Getpid(), nil, []string{"pid", "nope"}); !errors.Is(err, ErrUnknownDescriptor) || !strings.Contains(err.Error(), "'nope'") {
		t.Errorf("unknown descriptor: %v", err)
	}
}
