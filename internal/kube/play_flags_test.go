package kube

import "testing"

func TestPodUserns(t *testing.T) {
	f, tr := false, true
	for _, tc := range []struct {
		flag      string
		ann       map[string]string
		hostUsers *bool
		want      string
	}{
		{"", nil, nil, "host"},
		{"", nil, &tr, "host"},
		{"", nil, &f, "auto"},
		{"keep-id", nil, &f, "keep-id"},
		{"", map[string]string{UsernsAnnotation: "private"}, nil, "auto"},
		{"", map[string]string{UsernsAnnotation + "/p": "auto:size=10"}, nil, "auto:size=10"},
		{"", map[string]string{UsernsAnnotation + "/other": "auto"}, nil, "host"},
	} {
		if got := podUserns(tc.flag, tc.ann, "p", tc.hostUsers); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc, got, tc.want)
		}
	}
}

func TestSeccompPaths(t *testing.T) {
	sp, err := newSeccompPaths(map[string]string{
		seccompPodAnnotation:                  "runtime/default",
		seccompContainerAnnotation + "/a":     "localhost/p.json",
		seccompContainerAnnotation + "/b":     "unconfined",
		"unrelated.example.com/seccomp-thing": "x",
	}, "/root")
	if err != nil {
		t.Fatal(err)
	}
	for ctr, want := range map[string]string{"a": "/root/p.json", "b": "unconfined", "c": ""} {
		if got := sp.forContainer(ctr); got != want {
			t.Errorf("%s: %q, want %q", ctr, got, want)
		}
	}
	for _, ann := range []map[string]string{
		{seccompPodAnnotation: "bogus"},
		{seccompContainerAnnotation + "/a/b": "unconfined"},
	} {
		if _, err := newSeccompPaths(ann, "/root"); err == nil {
			t.Errorf("%v accepted", ann)
		}
	}
}
