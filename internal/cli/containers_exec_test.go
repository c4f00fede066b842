package cli

import (
	"io"
	"strings"
	"testing"
)

func TestDetachReader(t *testing.T) {
	keys, err := detachKeys("ctrl-p,ctrl-q")
	if err != nil {
		t.Fatal(err)
	}
	// A lone ctrl-p is passed on once the next byte shows it is no detach.
	detached := false
	d := &detachReader{r: strings.NewReader("a\x10b\x10\x11c"), keys: keys, detach: func() { detached = true }}
	got, _ := io.ReadAll(d)
	if string(got) != "a\x10b" || !detached {
		t.Errorf("got %q detached=%v, want %q and a detach", got, detached, "a\x10b")
	}
	if _, err := detachKeys("foo"); err == nil || !strings.HasPrefix(err.Error(), "invalid detach keys: ") {
		t.Errorf("bad keys: %v", err)
	}
	if k, err := detachKeys(""); err != nil || k != nil {
		t.Errorf(`"" disables detaching: %v %v`, k, err)
	}
}

func TestParseCpArg(t *testing.T) {
	for in, want := range map[string][2]string{
		"ctr:/tmp": {"ctr", "/tmp"}, "/abs:x": {"", "/abs:x"}, "./rel:x": {"", "./rel:x"},
		"plain": {"", "plain"}, "-": {"", "-"}, "c:": {"c", ""},
	} {
		if c, p := parseCpArg(in); c != want[0] || p != want[1] {
			t.Errorf("parseCpArg(%q) = %q, %q; want %q", in, c, p, want)
		}
	}
}
