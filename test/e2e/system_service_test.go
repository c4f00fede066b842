package e2e

import (
	"strings"
	"testing"
)

// system service checks its URI with podman's error; a valid one is
// refused clearly (no REST API yet), never served half-way.
func TestSystemServiceURI(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	for uri, want := range map[string]string{
		"localhost:9292":    `Error: API Service endpoint scheme "localhost" is not supported. Try tcp://localhost:9292 or unix:/localhost:9292`,
		"myunix.sock":       `Error: API Service endpoint scheme "" is not supported. Try tcp://myunix.sock or unix:/myunix.sock`,
		"tcp://127.0.0.1:1": "Error: pier does not serve the REST API (system service) yet",
	} {
		r := p.Run("system", "service", uri)
		if r.ExitCode != 125 || strings.TrimSpace(r.Stderr) != want {
			t.Errorf("system service %s: %s", uri, r)
		}
	}
}
