package e2e

import (
	"strings"
	"testing"
)

// container runlabel shows or runs the command an image keeps in a label,
// with podman's substitutions; podman/pier in the label mean this pier.
func TestRunlabel(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("import", "-c", `LABEL INSTALL="podman run --rm ${OPT1} -e NAME=${NAME} -e IMAGE=IMAGE ${IMAGE} ${OPT2} /bin/install.sh ${OPT3}"`,
		"-c", `LABEL RUN="pier run --rm --name NAME IMAGE echo hello from $NAME"`, imageTar, "localhost/labelled:1")
	r := p.Expect(0, "container", "runlabel", "--opt1=o1", "--opt3=o3", "--display", "install", "labelled:1")
	want := " run --rm o1 -e NAME=labelled -e IMAGE=localhost/labelled:1 localhost/labelled:1 /bin/install.sh o3\n"
	if !strings.HasPrefix(r.Stdout, "command: ") || !strings.HasSuffix(r.Stdout, want) {
		t.Errorf("display: want ...%q: %s", want, r)
	}
	r = p.Expect(0, "container", "runlabel", "--name", "n1", "--display", "install", "localhost/labelled:1", "a", "b")
	if !strings.HasSuffix(r.Stdout, " -e NAME=n1 -e IMAGE=localhost/labelled:1 localhost/labelled:1 /bin/install.sh a b\n") {
		t.Errorf("--name and args: %s", r)
	}
	r = p.Expect(125, "container", "runlabel", "--display", "nope", "labelled:1")
	if r.Stderr != "Error: cannot find the value of label: nope in image: labelled:1\n" {
		t.Errorf("missing label: %s", r)
	}
	// --replace removes the container the label's command names.
	p.MustRun("create", "--name", "labelled", Image, "true")
	r = p.RunWith(RunOpts{}, "container", "runlabel", "--replace", "run", "labelled:1")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "hello from labelled") {
		t.Errorf("run label: %s", r)
	}
	if r := p.Run("container", "exists", "labelled"); r.ExitCode != 1 {
		t.Errorf("the --rm container of the label is left: %s", r)
	}
	if r := p.Run("container", "runlabel", "--display", "run", "localhost/nosuch:1", "--pull=false"); r.ExitCode != 125 {
		t.Errorf("unknown image without pull: %s", r)
	}
}
