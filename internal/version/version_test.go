package version

import (
	"testing"
	"time"
)

func TestBuild(t *testing.T) {
	saved := buildTime
	defer func() { buildTime = saved }()
	buildTime = ""
	if _, built := Build(); built.Unix() != 0 {
		t.Errorf("no link-time build time: %v, want the epoch", built)
	}
	buildTime = "1700000000"
	if _, built := Build(); !built.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("build time %v", built)
	}
}
