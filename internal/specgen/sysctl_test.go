package specgen

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSysctls(t *testing.T) {
	got, err := ParseSysctls([]string{"net.ipv4.ping_group_range=0 1", "kernel.shmmax=100", "fs.mqueue.msg_max=20"}, false)
	want := map[string]string{"net.ipv4.ping_group_range": "0 1", "kernel.shmmax": "100", "fs.mqueue.msg_max": "20"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, %v", got, err)
	}
	got, err = ParseSysctls([]string{"net.core.somaxconn=10", "kernel.sem=1 2 3 4"}, true)
	if err != nil || !reflect.DeepEqual(got, map[string]string{"kernel.sem": "1 2 3 4"}) {
		t.Fatalf("host network must drop net.*: %v, %v", got, err)
	}
	for in, msg := range map[string]string{
		"kernel.panic=1":   "sysctl 'kernel.panic' is not allowed",
		"net.foo":          "net.foo is invalid, sysctl values must be in the form of KEY=VALUE",
		"net.foo = 1":      "'net.foo = 1' is invalid, extra spaces found",
		"vm.swappiness=10": "sysctl 'vm.swappiness' is not allowed",
	} {
		if _, err := ParseSysctls([]string{in}, false); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: got %v, want %q", in, err, msg)
		}
	}
}
