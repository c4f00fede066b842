package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/pier-engine/pier/internal/errdefs"
)

// migration moves the schema from version i to i+1 where i is its index in
// migrations. It runs inside the single write transaction that also bumps
// user_version, so a crash or a failing step leaves the old schema intact.
type migration func(ctx context.Context, tx *sql.Tx) error

// migrations is append-only: a released step is never edited, a new one is
// added. It is a variable so tests can exercise the mechanism with extra
// steps.
var migrations = []migration{
	migrateV1,
	migrateV2,
	migrateV3,
	migrateV4,
}

// migrateV1 creates the first schema.
//
// Names live in their own table so that containers and, later, pods share
// one namespace; containers.name references it with ON UPDATE CASCADE so a
// rename is one UPDATE of names. created is the config's creation time in
// Unix nanoseconds, kept as a column so listing is ordered without decoding
// JSON.
func migrateV1(ctx context.Context, tx *sql.Tx) error {
	const schema = `
CREATE TABLE dbconfig (
	id           INTEGER PRIMARY KEY CHECK (id = 1),
	graph_root   TEXT NOT NULL,
	run_root     TEXT NOT NULL,
	static_dir   TEXT NOT NULL,
	tmp_dir      TEXT NOT NULL,
	graph_driver TEXT NOT NULL
);
CREATE TABLE names (
	name TEXT PRIMARY KEY NOT NULL,
	kind TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE containers (
	id      TEXT PRIMARY KEY NOT NULL,
	name    TEXT NOT NULL UNIQUE REFERENCES names(name) ON UPDATE CASCADE,
	created INTEGER NOT NULL,
	config  TEXT NOT NULL,
	state   TEXT NOT NULL
);
CREATE INDEX containers_created ON containers(created);
`
	_, err := tx.ExecContext(ctx, schema)
	return err
}

// migrate brings the schema to the current version and records paths when
// it creates the database. When the version is already current it costs one
// read, so opening the store stays cheap.
func (s *sqliteStore) migrate(ctx context.Context, paths Paths) error {
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("reading schema version of %s: %w", s.path, err)
	}
	if version == len(migrations) {
		return nil
	}
	if err := checkVersion(s.path, version); err != nil {
		return err
	}
	if err := s.enableWAL(ctx); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		// Another process may have migrated while we waited for the write
		// lock; the version read under the lock is the one that counts.
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return fmt.Errorf("reading schema version of %s: %w", s.path, err)
		}
		if err := checkVersion(s.path, version); err != nil {
			return err
		}
		from := version
		for ; version < len(migrations); version++ {
			if err := migrations[version](ctx, tx); err != nil {
				return fmt.Errorf("migrating %s from schema version %d to %d: %w", s.path, version, version+1, err)
			}
		}
		// PRAGMA takes no bound parameters; version is our own integer.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
			return fmt.Errorf("setting schema version of %s: %w", s.path, err)
		}
		if from == 0 {
			p := cleanPaths(paths)
			if _, err := tx.ExecContext(ctx, `INSERT INTO dbconfig (id, graph_root, run_root, static_dir, tmp_dir, graph_driver)
				VALUES (1, ?, ?, ?, ?, ?)`, p.GraphRoot, p.RunRoot, p.StaticDir, p.TmpDir, p.GraphDriver); err != nil {
				return fmt.Errorf("recording storage paths in %s: %w", s.path, err)
			}
		}
		return nil
	})
}

// checkVersion refuses a database written by a newer pier: its schema may
// mean things this binary would misread or destroy.
func checkVersion(path string, version int) error {
	if version > len(migrations) {
		return fmt.Errorf("state database %s has schema version %d, newer than this pier supports (%d): upgrade pier: %w",
			path, version, len(migrations), errdefs.ErrInvalidArgument)
	}
	return nil
}

// enableWAL switches the file to WAL, which is persistent, so it only runs
// while creating or migrating. Changing the journal mode needs an exclusive
// lock that SQLite may refuse with SQLITE_BUSY without waiting when other
// processes are mid-open, so it is retried here for as long as a normal
// busy timeout would wait.
func (s *sqliteStore) enableWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		var mode string
		err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil {
			if mode != "wal" {
				return fmt.Errorf("state database %s: cannot use WAL journal mode (got %q); is it on a network file system?", s.path, mode)
			}
			return nil
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return fmt.Errorf("enabling WAL on %s: %w", s.path, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("enabling WAL on %s: %w", s.path, ctx.Err())
		case <-time.After(delay):
		}
	}
}

func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}
