package image

import (
	"slices"
	"testing"
)

func TestDecodeChanges(t *testing.T) {
	got := DecodeChanges([]string{"CMD=/bin/sh", "  ENV A=1  ", "LABEL a=b\nUSER=1000", "", "WORKDIR /x=y"})
	want := []string{"CMD /bin/sh", "ENV A=1", "LABEL a=b", "USER 1000", "WORKDIR /x=y"}
	if !slices.Equal(got, want) {
		t.Errorf("DecodeChanges = %q, want %q", got, want)
	}
}

func TestCommitFormat(t *testing.T) {
	for f, ok := range map[string]bool{"": true, "oci": true, "docker": true, "v2s2": false, "OCI": false} {
		if _, err := CommitFormat(f); (err == nil) != ok {
			t.Errorf("CommitFormat(%q): %v", f, err)
		}
	}
}
