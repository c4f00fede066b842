package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// waitHTTPBody GETs url until its body, trimmed, is want (a server in a
// container that is still starting refuses or answers empty), and fails
// the test with the last body after 10 s.
func waitHTTPBody(t *testing.T, url, want string) {
	t.Helper()
	var body string
	if !eventually(10*time.Second, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = strings.TrimSpace(string(b))
		return body == want
	}) {
		t.Fatalf("GET %s: %q, want %q", url, body, want)
	}
}
