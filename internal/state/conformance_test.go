package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// OpenFunc opens the store kept in dir. Two calls with the same dir must
// reach the same data, as two pier processes do.
type OpenFunc func(ctx context.Context, dir string, paths Paths, explicit map[string]bool) (Store, Paths, error)

// RunConformance is the behaviour every Store implementation must have.
func RunConformance(t *testing.T, open OpenFunc) {
	h := &harness{open: open}
	for _, tc := range append([]conformanceCase{
		{"AddGet", testAddGet},
		{"Lookup", testLookup},
		{"NameUniqueness", testNameUniqueness},
		{"Rename", testRename},
		{"SaveState", testSaveState},
		{"Remove", testRemove},
		{"ListOrder", testListOrder},
		{"UpdateAll", testUpdateAll},
		{"Persistence", testPersistence},
		{"PathsMismatch", testPathsMismatch},
		{"Parallel", testParallel},
	}, extraConformance...) {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

type harness struct{ open OpenFunc }

// conformanceCase is one behaviour of RunConformance.
type conformanceCase struct {
	name string
	fn   func(*testing.T, *harness)
}

// extraConformance holds cases defined in other files, one per area.
var extraConformance []conformanceCase

var testPaths = Paths{GraphRoot: "/g", RunRoot: "/r", StaticDir: "/g/pier", TmpDir: "/r/pier/tmp", GraphDriver: "overlay"}

// store opens a store in a fresh directory and closes it with the test.
func (h *harness) store(t *testing.T) (Store, string) {
	t.Helper()
	dir := t.TempDir()
	return h.reopen(t, dir), dir
}

func (h *harness) reopen(t *testing.T, dir string) Store {
	t.Helper()
	s, _, err := h.open(context.Background(), dir, testPaths, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var created = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

func ctr(id, name string) *define.Container {
	created = created.Add(time.Second)
	return &define.Container{
		Config: define.ContainerConfig{
			ID: id, Name: name, Created: created, Image: "localhost/busybox:latest",
			Cmd: []string{"sh", "-c", "true"}, Env: []string{"A=b"}, Labels: map[string]string{"l": "v"},
			NetworkMode: "none", Runtime: "runc", LogDriver: "k8s-file",
		},
		State: define.ContainerState{Status: define.StatusConfigured},
	}
}

func mustAdd(t *testing.T, s Store, cs ...*define.Container) {
	t.Helper()
	for _, c := range cs {
		if err := s.AddContainer(context.Background(), c); err != nil {
			t.Fatalf("AddContainer(%s): %v", c.Config.Name, err)
		}
	}
}

// sameCtr compares through JSON, the form the store keeps, so time
// locations and nil-vs-empty do not matter.
func sameCtr(t *testing.T, got, want *define.Container) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("container differs:\n got %s\nwant %s", g, w)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func testAddGet(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	c := ctr("aaaa1111", "web")
	mustAdd(t, s, c)
	got, err := s.Container(ctx, "aaaa1111")
	if err != nil {
		t.Fatal(err)
	}
	sameCtr(t, got, c)
	_, err = s.Container(ctx, "aaaa")
	wantErr(t, err, define.ErrNoSuchCtr)
	wantErr(t, err, errdefs.ErrNotFound)
	wantErr(t, s.AddContainer(ctx, ctr("", "x")), errdefs.ErrInvalidArgument)
	wantErr(t, s.AddContainer(ctx, ctr("bbbb", "")), errdefs.ErrInvalidArgument)
}

func testLookup(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	a, b, c := ctr("abc123", "alpha"), ctr("abd456", "beta"), ctr("ffff00", "abc123x")
	// A container named like a prefix of another's ID: the name wins.
	d := ctr("eeee00", "abd")
	mustAdd(t, s, a, b, c, d)
	for _, tc := range []struct{ in, want string }{
		{"alpha", "abc123"},   // name
		{"abc123", "abc123"},  // full ID
		{"abc1", "abc123"},    // unique prefix
		{"abc123x", "ffff00"}, // name that extends another's ID
		{"abd", "eeee00"},     // name beats ID prefix
		{"abd4", "abd456"},
		{"ff", "ffff00"},
	} {
		got, err := s.LookupContainer(ctx, tc.in)
		if err != nil {
			t.Fatalf("LookupContainer(%q): %v", tc.in, err)
		}
		if got.Config.ID != tc.want {
			t.Fatalf("LookupContainer(%q) = %s, want %s", tc.in, got.Config.ID, tc.want)
		}
	}
	_, err := s.LookupContainer(ctx, "ab")
	wantErr(t, err, define.ErrAmbiguous)
	if !strings.Contains(err.Error(), `more than one result for container "ab"`) {
		t.Fatalf("ambiguous error message: %v", err)
	}
	for _, in := range []string{"zz", "", "abc1234", "%", "a_c"} {
		_, err = s.LookupContainer(ctx, in)
		wantErr(t, err, define.ErrNoSuchCtr)
	}
}

func testNameUniqueness(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	mustAdd(t, s, ctr("id1", "one"))
	wantErr(t, s.AddContainer(ctx, ctr("id2", "one")), define.ErrNameInUse)
	wantErr(t, s.AddContainer(ctx, ctr("id1", "other")), define.ErrCtrExists)
	wantErr(t, s.AddContainer(ctx, ctr("id1", "one")), define.ErrCtrExists)
	all, err := s.Containers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Fatalf("failed adds left %d containers, want 1", len(all))
	}
	// The failed add of "other" must not have reserved the name.
	mustAdd(t, s, ctr("id3", "other"))
}

func testRename(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	mustAdd(t, s, ctr("id1", "one"), ctr("id2", "two"))
	wantErr(t, s.RenameContainer(ctx, "id1", "two"), define.ErrNameInUse)
	wantErr(t, s.RenameContainer(ctx, "nope", "three"), define.ErrNoSuchCtr)
	if err := s.RenameContainer(ctx, "id1", "one"); err != nil {
		t.Fatalf("rename to own name: %v", err)
	}
	if err := s.RenameContainer(ctx, "id1", "uno"); err != nil {
		t.Fatal(err)
	}
	got, err := s.LookupContainer(ctx, "uno")
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.ID != "id1" || got.Config.Name != "uno" {
		t.Fatalf("after rename: id %s name %s", got.Config.ID, got.Config.Name)
	}
	if got.Config.Cmd[0] != "sh" {
		t.Fatalf("rename damaged the config: %+v", got.Config)
	}
	_, err = s.LookupContainer(ctx, "one")
	wantErr(t, err, define.ErrNoSuchCtr)
	mustAdd(t, s, ctr("id3", "one")) // the old name is free
}

func testSaveState(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	c := ctr("id1", "one")
	mustAdd(t, s, c)
	c.State = define.ContainerState{Status: define.StatusRunning, PID: 42, MonitorPID: 41,
		StartedAt: time.Date(2026, 2, 3, 4, 5, 6, 7, time.UTC), Mounted: true, Mountpoint: "/m"}
	if err := s.SaveState(ctx, "id1", &c.State); err != nil {
		t.Fatal(err)
	}
	got, err := s.Container(ctx, "id1")
	if err != nil {
		t.Fatal(err)
	}
	sameCtr(t, got, c)
	wantErr(t, s.SaveState(ctx, "nope", &c.State), define.ErrNoSuchCtr)
}

func testRemove(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	mustAdd(t, s, ctr("id1", "one"), ctr("id2", "two"))
	if err := s.RemoveContainer(ctx, "id1"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Container(ctx, "id1")
	wantErr(t, err, define.ErrNoSuchCtr)
	wantErr(t, s.RemoveContainer(ctx, "id1"), define.ErrNoSuchCtr)
	mustAdd(t, s, ctr("id3", "one")) // the name is free again
	if _, err := s.Container(ctx, "id2"); err != nil {
		t.Fatalf("removing id1 touched id2: %v", err)
	}
}

func testListOrder(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	all, err := s.Containers(ctx)
	if err != nil || len(all) != 0 {
		t.Fatalf("empty store: %d containers, %v", len(all), err)
	}
	first, second, third := ctr("c", "first"), ctr("a", "second"), ctr("b", "third")
	mustAdd(t, s, third, first, second)
	all, err = s.Containers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range all {
		names = append(names, c.Config.Name)
	}
	if strings.Join(names, ",") != "first,second,third" {
		t.Fatalf("order = %v, want creation order", names)
	}
	sameCtr(t, all[0], first)

	// Enough rows that the store may decode them in parallel: every row
	// still comes back whole and in creation order.
	var many []*define.Container
	for i := range 200 {
		c := ctr(fmt.Sprintf("m%03d", i), fmt.Sprintf("many%03d", i))
		c.State.PID = i + 1
		many = append(many, c)
	}
	mustAdd(t, s, many...)
	if all, err = s.Containers(ctx); err != nil || len(all) != 203 {
		t.Fatalf("after 200 more: %d containers, %v", len(all), err)
	}
	for i, c := range many {
		sameCtr(t, all[3+i], c)
	}
}

func testUpdateAll(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	run, made, keep := ctr("id1", "run"), ctr("id2", "made"), ctr("id3", "keep")
	run.State = define.ContainerState{Status: define.StatusRunning, PID: 7, Mounted: true}
	made.State = define.ContainerState{Status: define.StatusCreated, PID: 8}
	keep.State = define.ContainerState{Status: define.StatusRunning, PID: 9}
	mustAdd(t, s, run, made, keep)
	var seen int
	err := s.UpdateAllContainerStates(ctx, func(c *define.Container) bool {
		seen++
		c.Config.Name = "ignored"
		c.State.ResetForReboot()
		return c.Config.ID != "id3"
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != 3 {
		t.Fatalf("fn saw %d containers, want 3", seen)
	}
	for id, want := range map[string]define.ContainerState{
		"id1": {Status: define.StatusExited},
		"id2": {Status: define.StatusConfigured},
		"id3": keep.State,
	} {
		got, err := s.Container(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.State, want) {
			t.Fatalf("%s: state %+v, want %+v", id, got.State, want)
		}
		if got.Config.Name == "ignored" {
			t.Fatalf("%s: config change was saved", id)
		}
	}
	// An error from the store leaves everything as it was; fn errors are
	// modelled by returning false, so check a cancelled context instead.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.UpdateAllContainerStates(cctx, func(*define.Container) bool { return true }); err == nil {
		t.Fatal("UpdateAllContainerStates with a cancelled context succeeded")
	}
}

func testPersistence(t *testing.T, h *harness) {
	ctx := context.Background()
	s, dir := h.store(t)
	c := ctr("id1", "one")
	mustAdd(t, s, c)
	c.State.Status = define.StatusExited
	c.State.ExitCode = 3
	if err := s.SaveState(ctx, "id1", &c.State); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := h.reopen(t, dir)
	got, err := s2.LookupContainer(ctx, "one")
	if err != nil {
		t.Fatal(err)
	}
	sameCtr(t, got, c)
}

func testPathsMismatch(t *testing.T, h *harness) {
	ctx := context.Background()
	s, dir := h.store(t)
	s.Close()

	other := testPaths
	other.GraphRoot = "/elsewhere/"
	_, _, err := h.open(ctx, dir, other, nil)
	wantErr(t, err, errdefs.ErrInvalidArgument)
	for _, part := range []string{"graph root", `"/g"`, `"/elsewhere"`, "--root /g"} {
		if !strings.Contains(err.Error(), part) {
			t.Fatalf("mismatch error %q does not mention %s", err, part)
		}
	}
	// Every differing field is reported, not only the first.
	other.GraphDriver = "vfs"
	_, _, err = h.open(ctx, dir, other, map[string]bool{"RunRoot": true})
	if err == nil || !strings.Contains(err.Error(), `"vfs"`) || !strings.Contains(err.Error(), `"/elsewhere"`) {
		t.Fatalf("two mismatches: %v", err)
	}

	// Set explicitly by the user: accepted and used.
	s2, eff, err := h.open(ctx, dir, other, map[string]bool{"GraphRoot": true, "GraphDriver": true})
	if err != nil {
		t.Fatalf("explicit override: %v", err)
	}
	s2.Close()
	want := testPaths
	want.GraphRoot, want.GraphDriver = "/elsewhere", "vfs"
	if eff != want {
		t.Fatalf("effective paths %+v, want %+v", eff, want)
	}
	// An override is not recorded; empty values mean "what is stored".
	s3, eff, err := h.open(ctx, dir, Paths{RunRoot: "/r/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s3.Close()
	if eff != testPaths {
		t.Fatalf("effective paths %+v, want stored %+v", eff, testPaths)
	}
}

// testParallel runs several stores on one backing, as concurrent pier
// processes do, starting from a store nobody has created yet.
func testParallel(t *testing.T, h *harness) {
	const workers, rounds = 8, 50
	ctx := context.Background()
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			errs <- parallelWorker(ctx, h, dir, w, rounds)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	s := h.reopen(t, dir)
	all, err := s.Containers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Each worker leaves its last container behind.
	if len(all) != workers {
		t.Fatalf("%d containers left, want %d", len(all), workers)
	}
}

func parallelWorker(ctx context.Context, h *harness, dir string, w, rounds int) error {
	s, _, err := h.open(ctx, dir, testPaths, nil)
	if err != nil {
		return fmt.Errorf("worker %d: open: %w", w, err)
	}
	defer s.Close()
	for i := range rounds {
		id, name := fmt.Sprintf("%02d%04d", w, i), fmt.Sprintf("w%d-%d", w, i)
		c := &define.Container{Config: define.ContainerConfig{ID: id, Name: name, Created: time.Now()}}
		if err := s.AddContainer(ctx, c); err != nil {
			return fmt.Errorf("worker %d: add: %w", w, err)
		}
		// Everyone fights over one name too; losing is the only allowed error.
		if err := s.AddContainer(ctx, &define.Container{Config: define.ContainerConfig{ID: id + "s", Name: "shared"}}); err == nil {
			if err := s.RemoveContainer(ctx, id+"s"); err != nil {
				return fmt.Errorf("worker %d: remove shared: %w", w, err)
			}
		} else if !errors.Is(err, define.ErrNameInUse) {
			return fmt.Errorf("worker %d: add shared: %w", w, err)
		}
		c.State.Status = define.StatusRunning
		if err := s.SaveState(ctx, id, &c.State); err != nil {
			return fmt.Errorf("worker %d: save: %w", w, err)
		}
		if _, err := s.Containers(ctx); err != nil {
			return fmt.Errorf("worker %d: list: %w", w, err)
		}
		if _, err := s.LookupContainer(ctx, name); err != nil {
			return fmt.Errorf("worker %d: lookup: %w", w, err)
		}
		if i == rounds-1 {
			break
		}
		if err := s.RemoveContainer(ctx, id); err != nil {
			return fmt.Errorf("worker %d: remove: %w", w, err)
		}
	}
	return nil
}
