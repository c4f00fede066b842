package state

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

func openSQLite(ctx context.Context, dir string, paths Paths, explicit map[string]bool) (Store, Paths, error) {
	return Open(ctx, filepath.Join(dir, "state.db"), paths, explicit)
}

func TestSQLiteConformance(t *testing.T) {
	RunConformance(t, openSQLite)
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func tableExists(t *testing.T, path, name string) bool {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestMigrations exercises the forward-migration mechanism with steps that
// only exist in this test.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, _, err := Open(ctx, path, testPaths, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, ctr("id1", "one"))
	s.Close()
	base := len(migrations)
	if v := userVersion(t, path); v != base {
		t.Fatalf("new database at version %d, want %d", v, base)
	}

	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(saved[:len(saved):len(saved)], func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE test_extra (id TEXT PRIMARY KEY)`)
		return err
	})
	s, _, err = Open(ctx, path, testPaths, nil)
	if err != nil {
		t.Fatalf("migrating to %d: %v", base+1, err)
	}
	if _, err := s.Container(ctx, "id1"); err != nil {
		t.Fatalf("data lost by migration: %v", err)
	}
	s.Close()
	if v := userVersion(t, path); v != base+1 || !tableExists(t, path, "test_extra") {
		t.Fatalf("after migration: version %d, test_extra table %v", v, tableExists(t, path, "test_extra"))
	}

	// A failing step rolls back everything it and earlier steps did.
	migrations = append(migrations[:base+1:base+1],
		func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `CREATE TABLE secrets (name TEXT PRIMARY KEY)`)
			return err
		},
		func(context.Context, *sql.Tx) error { return errors.New("boom") },
	)
	if _, _, err := Open(ctx, path, testPaths, nil); err == nil {
		t.Fatal("failing migration: Open succeeded")
	}
	if v := userVersion(t, path); v != base+1 || tableExists(t, path, "secrets") {
		t.Fatalf("after failed migration: version %d, secrets table %v", v, tableExists(t, path, "secrets"))
	}

	// A database from a newer pier is refused, not misread.
	migrations = saved
	_, _, err = Open(ctx, path, testPaths, nil)
	wantErr(t, err, errdefs.ErrInvalidArgument)
}

// A database of schema version 1 (before dependencies) keeps its
// containers and gains the dependencies table.
func TestMigrateV1ToDependencies(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = saved[:1]
	s, _, err := Open(ctx, path, testPaths, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, ctr("id1", "one"))
	s.Close()
	migrations = saved
	s, _, err = Open(ctx, path, testPaths, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !tableExists(t, path, "dependencies") {
		t.Fatal("no dependencies table after migration")
	}
	dep := ctr("id2", "two")
	dep.Config.Dependencies = []define.Dependency{{Kind: define.KindContainer, ID: "id1", Reason: "netns"}}
	mustAdd(t, s, dep)
	wantErr(t, s.RemoveContainer(ctx, "id1"), define.ErrCtrExists)
}

func TestFileModeAndWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.db")
	s, _, err := Open(context.Background(), path, testPaths, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, ctr("id1", "one"))
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
	if err := s.RenameContainer(context.Background(), "id1", "uno"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, _ := sql.Open("sqlite3", path)
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q, %v", mode, err)
	}
	// JSON is kept as TEXT so other tools (and json_* functions) read it
	// as JSON rather than JSONB.
	var types, name string
	if err := db.QueryRow("SELECT typeof(config) || typeof(state), json_extract(config, '$.name') FROM containers").Scan(&types, &name); err != nil {
		t.Fatal(err)
	}
	if types != "texttext" || name != "uno" {
		t.Fatalf("stored as %s, name %q", types, name)
	}
}

// TestParallelProcesses is the stress test of the design: real processes,
// each with its own SQLite handles, creating, saving and removing at once
// on a database none of them has created yet.
func TestParallelProcesses(t *testing.T) {
	const procs, rounds = 6, 50
	path := filepath.Join(t.TempDir(), "state.db")
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, procs)
	errs := make([]error, procs)
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "PIER_STATE_HELPER="+path, "PIER_STATE_WORKER="+strconv.Itoa(i), "PIER_STATE_ROUNDS="+strconv.Itoa(rounds))
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		wg.Go(func() { errs[i] = cmd.Run() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i].String())
		}
	}
	s, _, err := Open(context.Background(), path, testPaths, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all, err := s.Containers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != procs {
		t.Fatalf("%d containers left, want %d", len(all), procs)
	}
}

// TestHelperProcess is one pier-like process of TestParallelProcesses.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("PIER_STATE_HELPER")
	if path == "" {
		t.Skip("helper for TestParallelProcesses")
	}
	w, _ := strconv.Atoi(os.Getenv("PIER_STATE_WORKER"))
	rounds, _ := strconv.Atoi(os.Getenv("PIER_STATE_ROUNDS"))
	h := &harness{open: func(ctx context.Context, _ string, p Paths, e map[string]bool) (Store, Paths, error) {
		return Open(ctx, path, p, e)
	}}
	if err := parallelWorker(context.Background(), h, "", w, rounds); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func TestOpenIsCheap(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s, _, err := Open(ctx, path, testPaths, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 20
	start := time.Now()
	for range n {
		s2, _, err := Open(ctx, path, testPaths, nil)
		if err != nil {
			t.Fatal(err)
		}
		s2.Close()
	}
	// Generous bound: a current database costs two small reads, a
	// migration or ANALYZE would cost far more.
	if per := time.Since(start) / n; per > 20*time.Millisecond {
		t.Fatalf("Open takes %v", per)
	}
}

// testID makes a 64-hex ID whose short prefixes are unique, like real ones.
func testID(i int) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(i)))
	return hex.EncodeToString(sum[:])
}

func fill(b *testing.B, n int) (Store, string) {
	path := filepath.Join(b.TempDir(), "state.db")
	s, _, err := Open(context.Background(), path, testPaths, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	for i := range n {
		c := ctr(testID(i), fmt.Sprintf("name%d", i))
		if err := s.AddContainer(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
	return s, path
}

func BenchmarkContainers500(b *testing.B) {
	s, _ := fill(b, 500)
	for b.Loop() {
		all, err := s.Containers(context.Background())
		if err != nil || len(all) != 500 {
			b.Fatal(len(all), err)
		}
	}
}

func BenchmarkLookupPrefix(b *testing.B) {
	s, _ := fill(b, 500)
	id := testID(321)
	for b.Loop() {
		if _, err := s.LookupContainer(context.Background(), id[:12]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	_, path := fill(b, 500)
	for b.Loop() {
		s, _, err := Open(context.Background(), path, testPaths, nil)
		if err != nil {
			b.Fatal(err)
		}
		// Open is lazy about connections in database/sql; one query makes
		// the cost real.
		if _, err := s.Container(context.Background(), "x"); !errors.Is(err, define.ErrNoSuchCtr) {
			b.Fatal(err)
		}
		s.Close()
	}
}
