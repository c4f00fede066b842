package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// --device with a CDI name: the spec file's device node and environment
// reach the container; an unknown name is refused at create.
func TestRunCDIDevice(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := filepath.Join(p.WorkDir(), "cdi")
	os.MkdirAll(dir, 0o755)
	spec := `cdiVersion: "0.6.0"
kind: "pier.test/device"
devices:
- name: null1
  containerEdits:
    deviceNodes:
    - path: /dev/pier-null
      hostPath: /dev/null
    env:
    - PIER_CDI=null1
`
	if err := os.WriteFile(filepath.Join(dir, "pier-test.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	p.WriteConf(fmt.Sprintf("[engine]\ncdi_spec_dirs = [%q]\n", dir))
	out := p.MustRun("run", "--rm", "--device", "pier.test/device=null1", Image, "sh", "-c", "stat -c '%t:%T' /dev/pier-null; echo $PIER_CDI").Lines()
	if len(out) != 2 || out[0] != "1:3" || out[1] != "null1" {
		t.Errorf("CDI device pier.test/device=null1: want [1:3 null1], got %q", out)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--device", "pier.test/device=nope", Image, "true"), "unresolvable CDI devices pier.test/device=nope")
	p.ExpectEngineError(p.Run("run", "--rm", "--gpus", "all", Image, "true"), "unresolvable CDI devices nvidia.com/gpu=all")
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("an unknown CDI device created %v", ids)
	}
}
