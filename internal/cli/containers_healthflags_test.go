package cli

import (
	"strings"
	"testing"
	"time"
)

func TestHealthTestIsPodmans(t *testing.T) {
	for in, want := range map[string]string{
		"/healthcheck":             "CMD-SHELL|/healthcheck",
		"curl -f http://x || exit": "CMD-SHELL|curl -f http://x || exit",
		`["CMD","true"]`:           "CMD|true",
		`["/bin/check","-v"]`:      "CMD|/bin/check|-v",
		`["/bin/check"]`:           "CMD-SHELL|/bin/check",
		"CMD-SHELL echo hi":        "CMD-SHELL|echo hi",
		"none":                     "NONE",
		"CMD /bin/true x":          "CMD|/bin/true|x",
	} {
		if got := strings.Join(healthTest(in), "|"); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestHealthConfigChecks(t *testing.T) {
	hc, err := healthConfig([]string{"CMD-SHELL", "true"}, "1s", 3, "30s", "0s")
	if err != nil || hc.Interval != time.Second || hc.Retries != 3 || hc.Timeout != 30*time.Second {
		t.Fatalf("%+v %v", hc, err)
	}
	if hc, err := healthConfig([]string{"CMD", "x"}, "disable", 1, "1s", "0s"); err != nil || hc.Interval != 0 {
		t.Errorf("disable: %+v %v", hc, err)
	}
	for _, tc := range []struct {
		interval, timeout, start string
		retries                  uint
		want                     string
	}{
		{"bogus", "30s", "0s", 3, `invalid healthcheck-interval: time: invalid duration "bogus"`},
		{"1s", "30s", "0s", 0, "healthcheck-retries must be greater than 0"},
		{"1s", "10ms", "0s", 3, "healthcheck-timeout must be at least 1 second"},
		{"1s", "30s", "-1s", 3, "healthcheck-start-period must be 0 seconds or greater"},
	} {
		if _, err := healthConfig([]string{"CMD", "x"}, tc.interval, tc.retries, tc.timeout, tc.start); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: %v", tc, err)
		}
	}
}
