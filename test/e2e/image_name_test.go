package e2e

import "testing"

// A container's image name is podman's: the name the reference resolved
// to, whichever other tags the image has; the image's first name when it
// was given by ID.
func TestContainerImageNameIsTheResolvedName(t *testing.T) {
	p := newPier(t)
	p.MustRun("tag", Image, "localhost/second:tag")
	id := p.MustRun("image", "inspect", "--format", "{{.Id}}", Image).Out()
	first := p.MustRun("image", "inspect", "--format", "{{index .RepoTags 0}}", Image).Out()
	for name, ref := range map[string]string{"byname": Image, "bytag": "localhost/second:tag", "byid": id[:12]} {
		p.MustRun("create", "--name", name, ref, "true")
	}
	for name, want := range map[string]string{"byname": Image, "bytag": "localhost/second:tag", "byid": first} {
		if got := p.Inspect(name, "{{.ImageName}}"); got != want {
			t.Errorf("%s: ImageName %q, want %q", name, got, want)
		}
		if got := p.MustRun("ps", "-a", "--filter", "name=^"+name+"$", "--format", "{{.Image}}").Out(); got != want {
			t.Errorf("%s: ps IMAGE %q, want %q", name, got, want)
		}
	}
}
