package specgen

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pier-engine/pier/internal/errdefs"
)

func TestParseEnv(t *testing.T) {
	t.Setenv("PIERTEST_SET", "fromhost")
	t.Setenv("PIERTEST_GLOB_A", "a")
	t.Setenv("PIERTEST_GLOB_B", "b=c")
	os.Unsetenv("PIERTEST_UNSET")

	dir := t.TempDir()
	f1 := filepath.Join(dir, "one.env")
	if err := os.WriteFile(f1, []byte("# comment\n\nA=1\n  B=two words  \nC=\"quoted\"\r\nPIERTEST_SET\nPIERTEST_UNSET\nD=\nE==x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f2 := filepath.Join(dir, "two.env")
	if err := os.WriteFile(f2, []byte("A=from-two\nF=6\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	got, err := ParseEnv([]string{"F=flag", "G", "PIERTEST_GLOB*", "H=x=y", "PIERTEST_UNSET"}, []string{f1, f2})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"A=from-two",
		"B=two words  ",
		`C="quoted"`,
		"PIERTEST_SET=fromhost",
		"D=",
		"E==x",
		"F=flag",
		"PIERTEST_GLOB_A=a",
		"PIERTEST_GLOB_B=b=c",
		"H=x=y",
	}
	slices.Sort(got[7:9]) // os.Environ order is not specified
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestParseEnvErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(bad, []byte("A=1\n=oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		flags, files []string
		want         string
	}{
		{flags: []string{"=x"}, want: `invalid environment variable: "=x"`},
		{flags: []string{"BAD KEY=x"}, want: `name "BAD KEY" has white spaces, poorly formatted name`},
		{files: []string{bad}, want: "env file " + bad + ` line 2: invalid environment variable: "=oops"`},
		{files: []string{filepath.Join(dir, "missing.env")}, want: "reading env file: open " + filepath.Join(dir, "missing.env") + ": no such file or directory"},
	}
	for _, tc := range cases {
		_, err := ParseEnv(tc.flags, tc.files)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %q", err, tc.want)
			continue
		}
		if !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("%v is not an invalid argument", err)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	cases := []struct {
		base, override, want []string
	}{
		{nil, nil, []string{}},
		{[]string{"A=1", "B=2"}, nil, []string{"A=1", "B=2"}},
		{[]string{"A=1", "B=2"}, []string{"B=3", "C=4"}, []string{"A=1", "B=3", "C=4"}},
		{[]string{"PATH=/bin", "A=1"}, []string{"A=2", "PATH=/usr/bin", "A=3"}, []string{"PATH=/usr/bin", "A=3"}},
		{[]string{"A=1", "A=2"}, nil, []string{"A=2"}},
	}
	for _, tc := range cases {
		base := slices.Clone(tc.base)
		if got := MergeEnv(tc.base, tc.override); !slices.Equal(got, tc.want) {
			t.Errorf("MergeEnv(%q, %q) = %q, want %q", tc.base, tc.override, got, tc.want)
		}
		if !slices.Equal(base, tc.base) {
			t.Errorf("MergeEnv modified its input")
		}
	}
}
