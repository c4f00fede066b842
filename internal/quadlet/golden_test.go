package quadlet

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.service from the generator")

// TestGolden converts each testdata/*.container and compares the unit with
// testdata/*.service. The expected units were checked against podman
// 5.8.2's quadlet -dryrun on the same files: they differ only where pier
// differs on purpose (--cgroups=no-conmon for split, no Delegate=yes).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.container")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			u, err := Parse(name, string(data))
			if err != nil {
				t.Fatal(err)
			}
			u.Path = "/etc/containers/systemd/" + name
			svc, err := ConvertContainer(u, "/usr/bin/pier", false, map[string]bool{"db.container": true})
			if err != nil {
				t.Fatal(err)
			}
			if svc.Filename != strings.TrimSuffix(name, ".container")+".service" {
				t.Errorf("unit name %q", svc.Filename)
			}
			want := strings.TrimSuffix(f, ".container") + ".service"
			if *update {
				_ = os.WriteFile(want, []byte(svc.String()), 0o644)
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if got := svc.String(); got != string(exp) {
				t.Errorf("unit differs from %s:\n%s", want, got)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"[Container]\nImage=busybox\nPod=x.pod\n", "unsupported key 'Pod' in group 'Container' in /q/x.container"},
		{"[Container]\nImage=busybox\nCgroupsMode=split\n", "unsupported key 'CgroupsMode'"},
		{"[Quadlet]\nFoo=1\n[Container]\nImage=busybox\n", "unsupported key 'Foo' in group 'Quadlet'"},
		{"[Container]\nExec=true\n", "no Image key specified"},
		{"[Container]\nImage=busybox\n[Service]\nKillMode=process\n", "invalid KillMode 'process'"},
		{"[Container]\nImage=busybox\n[Service]\nType=simple\n", "invalid service Type 'simple'"},
		{"[Container]\nImage=web.image\n", "Image=web.image: pier-quadlet converts .container files only"},
		{"[Container]\nImage=busybox\nNetwork=net.network\n", ".network units are not supported"},
		{"[Container]\nImage=busybox\nVolume=data.volume:/d\n", ".volume units are not supported"},
		{"[Container]\nImage=busybox\nVolume=:/d\n", "source cannot be empty"},
		{"[Unit]\nAfter=db.volume\n[Container]\nImage=busybox\n", "unable to translate dependency for db.volume"},
		{"[Unit]\nWants=nope.container\n[Container]\nImage=busybox\n", "unable to translate dependency for nope.container"},
	} {
		u, err := Parse("x.container", tc.in)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/q/x.container"
		_, err = ConvertContainer(u, "pier", false, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := Parse("x.container", "Image=busybox\n"); err == nil || err.Error() != "key file does not start with a group" {
		t.Errorf("key before group: %v", err)
	}
	if _, err := Parse("x.container", "[Container]\nnot a pair\n"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line: %v", err)
	}
	u, err := Parse("x.container", "[Container]\nExec=a \\\n  b\n")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := u.Lookup("Container", "Exec"); v != "a b" {
		t.Errorf("continuation: %q", v)
	}
}

func TestSplitAndEscapeRoundTrip(t *testing.T) {
	words := []string{"sh", "-c", `echo "hi there" 'x' \ done`, "tab\there", "ünï"}
	got, err := SplitWords(escapeWords(words), true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != strings.Join(words, "|") {
		t.Errorf("round trip: %q", got)
	}
	got, _ = SplitWords(`a "b c" d\x41 'e f'`, true)
	if strings.Join(got, "|") != "a|b c|dA|e f" {
		t.Errorf("split: %q", got)
	}
	if _, err := SplitWords(`"open`, false); err == nil {
		t.Error("unbalanced quote in strv accepted")
	}
}

func TestGenerateWritesUnitsAndLinks(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	sub := filepath.Join(src, "sub")
	_ = os.Mkdir(sub, 0o755)
	_ = os.WriteFile(filepath.Join(sub, "a.container"), []byte("[Container]\nImage=busybox\n[Install]\nWantedBy=multi-user.target\n"), 0o644)
	_ = os.WriteFile(filepath.Join(src, "bad.container"), []byte("[Container]\nImage=busybox\nRootfs=/x\n"), 0o644)
	t.Setenv("QUADLET_UNIT_DIRS", src)
	err := Generate(Options{OutputDir: out, Pier: "/usr/bin/pier"}, UnitDirs(false))
	if err == nil || !strings.Contains(err.Error(), `converting "bad.container": unsupported key 'Rootfs'`) {
		t.Errorf("error: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "bad.service")); err == nil {
		t.Error("a unit was written for the refused file")
	}
	data, err := os.ReadFile(filepath.Join(out, "a.service"))
	if err != nil || !strings.HasPrefix(string(data), "# Automatically generated by ") {
		t.Fatalf("a.service: %v %q", err, data)
	}
	if l, err := os.Readlink(filepath.Join(out, "multi-user.target.wants", "a.service")); err != nil || l != "../a.service" {
		t.Errorf("WantedBy link: %q %v", l, err)
	}
}

// Drop-ins merge most-specific-first by name, [Unit] dependencies on other
// .container files become their services, and other quadlet kinds are
// refused by file (checked against podman 5.8.2's quadlet -dryrun).
func TestGenerateDropinsAndDeps(t *testing.T) {
	src := t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(src, rel)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("my-app.container", "[Unit]\nAfter=db.container\nWants=db.container other.service\n[Container]\nImage=busybox\n")
	write("db.container", "[Container]\nImage=busybox\n")
	write("container.d/10-top.conf", "[Container]\nEnvironment=TOP=1\n")
	write("my-app.container.d/20-l.conf", "[Container]\nLabel=x=specific\n")
	write("my-.container.d/20-l.conf", "[Container]\nLabel=x=broad\n")
	write("my-.container.d/30-s.conf", "[Service]\nRestart=always\n")
	write("v.volume", "[Volume]\n")
	t.Setenv("QUADLET_UNIT_DIRS", src)
	var out strings.Builder
	err := Generate(Options{DryRun: true, Pier: "/usr/bin/pier", Out: &out}, UnitDirs(false))
	if err == nil || !strings.Contains(err.Error(), "v.volume: pier-quadlet converts .container files only, .volume files are not supported") {
		t.Errorf("error: %v", err)
	}
	_, app, _ := strings.Cut(out.String(), "---my-app.service---\n")
	for _, want := range []string{"\nAfter=db.service\nWants=db.service other.service\n", "\nRestart=always\n",
		" --env TOP=1 --label x=specific busybox\n", "[X-Container]\nImage=busybox\nEnvironment=TOP=1\nLabel=x=specific\n"} {
		if !strings.Contains(app, want) {
			t.Errorf("my-app.service lacks %q:\n%s", want, app)
		}
	}
	if !strings.Contains(out.String(), "---db.service---\n") || strings.Contains(app, "x=broad") {
		t.Errorf("output:\n%s", out.String())
	}
}
