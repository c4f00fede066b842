package specgen

import "testing"

func TestParseSecret(t *testing.T) {
	s, err := ParseSecret("mys")
	if err != nil || s.Name != "mys" || s.Target != "/run/secrets/mys" || s.Mode != 0o444 || s.Env {
		t.Errorf("mys: %+v %v", s, err)
	}
	s, err = ParseSecret("source=mys,target=sub/x,uid=5,gid=6,mode=0400")
	if err != nil || s.Target != "/run/secrets/sub/x" || s.UID != 5 || s.GID != 6 || s.Mode != 0o400 {
		t.Errorf("options: %+v %v", s, err)
	}
	s, err = ParseSecret("mys,type=env")
	if err != nil || !s.Env || s.Target != "mys" {
		t.Errorf("env: %+v %v", s, err)
	}
	for _, bad := range []string{"", "mys,type=file", "mys,uid=x", "mys,type=env,mode=0400", "mys,bogus=1", "mys,novalue"} {
		if _, err := ParseSecret(bad); err == nil {
			t.Errorf("%q should be refused", bad)
		}
	}
}
