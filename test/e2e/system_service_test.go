package e2e

import (
	"strings"
	"testing"
)

// system service checks its URI with podman's error (serving a valid one
// is api_test.go's).
func TestSystemServiceURI(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	for uri, want := range map[string]string{
		"localhost:9292": `Error: API Service endpoint scheme "localhost" is not supported. Try tcp://localhost:9292 or unix:/localhost:9292`,
		"myunix.sock":    `Error: API Service endpoint scheme "" is not supported. Try tcp://myunix.sock or unix:/myunix.sock`,
	} {
		r := p.Run("system", "service", uri)
		if r.ExitCode != 125 || strings.TrimSpace(r.Stderr) != want {
			t.Errorf("system service %s: %s", uri, r)
		}
	}
}
