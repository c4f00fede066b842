package e2e

import (
	"testing"
)

// Defects found in review (issue #8, item 3), each with the test that
// failed before its fix.

// A bind-mount source that cannot be used is reported with the kernel's
// reason, not always as "no such file or directory".
func TestBindSourceRealError(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.Run("create", "-v", "/etc/hostname/sub:/x", Image, "true")
	p.ExpectEngineError(r, "statfs /etc/hostname/sub: not a directory")
	r = p.Run("create", "-v", "/nonexistent-pier:/x", Image, "true")
	p.ExpectEngineError(r, "statfs /nonexistent-pier: no such file or directory")
}
