package cli

import "testing"

func TestRemoteRequested(t *testing.T) {
	none := func(string) (string, bool) { return "", false }
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"ps"}, false},
		{[]string{"--remote"}, true},
		{[]string{"--log-level=debug", "-r", "ps"}, true},
		{[]string{"--root", "/x", "--url", "unix:///s", "ps"}, true},
		{[]string{"-c", "conn", "ps"}, true},
		{[]string{"ps", "--remote"}, false}, // only before the subcommand
		{[]string{"__complete", "--remote", "ps", ""}, true},
	} {
		if got := remoteRequested(c.args, none); got != c.want {
			t.Errorf("%v: %v", c.args, got)
		}
	}
	env := func(k string) (string, bool) { return "x", k == "CONTAINER_HOST" }
	if !remoteRequested([]string{"ps"}, env) {
		t.Error("CONTAINER_HOST does not select remote")
	}
}
