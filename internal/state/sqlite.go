package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	jsoniter "github.com/json-iterator/go"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// busyTimeout is how long a connection waits for another process's write
// transaction before failing. It is long on purpose (podman uses the same):
// transactions are milliseconds, so hitting it means something is stuck, and
// failing early would surface "database is locked" under ordinary load.
const busyTimeout = 100 * time.Second

// dsnParams are applied by the driver to every new connection. _txlock makes
// every BeginTx a BEGIN IMMEDIATE: a write transaction that starts as a
// reader and upgrades later gets SQLITE_BUSY without the busy handler being
// consulted when another writer got in first, which is the classic source of
// "database is locked" under WAL. synchronous=NORMAL is durable across
// process crashes in WAL mode and only risks the last commits on power loss.
var dsnParams = fmt.Sprintf("_txlock=immediate&_busy_timeout=%d&_foreign_keys=1&_synchronous=NORMAL", busyTimeout.Milliseconds())

// mmapSize is how much of the database file SQLite reads through a
// memory map instead of a pread and a copy per page: reading every
// container (ps -a of 500: ~250 pages) then costs a few page faults on
// the page cache. SQLite copies a page before changing it; the file never
// shrinks (pier never vacuums), so a mapping never points past its end.
const mmapSize = 256 << 20

// driverName registers, once, go-sqlite3's driver with the connection
// settings the DSN cannot carry (mmap_size).
var driverName = sync.OnceValue(func() string {
	const name = "sqlite3-pier"
	sql.Register(name, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(fmt.Sprintf("PRAGMA mmap_size = %d", mmapSize), nil)
		return err
	}})
	return name
})

// Statements used on hot paths; prepared once per store, lazily so opening
// stays cheap for commands that use few of them.
const (
	qContainers   = `SELECT config, state FROM containers ORDER BY created, rowid`
	qContainer    = `SELECT config, state FROM containers WHERE id = ?`
	qLookup       = `SELECT config, state, CASE WHEN name = ?1 THEN 0 WHEN id = ?1 THEN 1 ELSE 2 END AS rank FROM containers WHERE name = ?1 OR (id >= ?1 AND id < ?2) ORDER BY rank LIMIT 2`
	qSaveState    = `UPDATE containers SET state = ? WHERE id = ?`
	qIDExists     = `SELECT 1 FROM containers WHERE id = ?`
	qAddName      = `INSERT INTO names (name, kind) VALUES (?, ?)`
	qAddContainer = `INSERT INTO containers (id, name, created, config, state) VALUES (?, ?, ?, ?, ?)`
	qCtrName      = `SELECT name FROM containers WHERE id = ?`
	qRename       = `UPDATE names SET name = ? WHERE name = ?`
	qRenameConfig = `UPDATE containers SET config = json_set(config, '$.name', ?) WHERE id = ?`
	qDelCtr       = `DELETE FROM containers WHERE id = ? RETURNING name`
	qDelName      = `DELETE FROM names WHERE name = ?`
)

const kindContainer = "container"

type sqliteStore struct {
	db   *sql.DB
	path string

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// Open creates or opens the store at path. On creation it records paths;
// later opens compare them with the recorded ones (see effectivePaths) and
// return the paths the caller must use. explicit holds the names of the
// Paths fields the user set on the command line.
func Open(ctx context.Context, path string, paths Paths, explicit map[string]bool) (Store, Paths, error) {
	// The go-sqlite3 DSN ends the file name at the first '?'.
	if strings.ContainsRune(path, '?') {
		return nil, Paths{}, fmt.Errorf("state database path %q must not contain '?': %w", path, errdefs.ErrInvalidArgument)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, Paths{}, fmt.Errorf("creating directory of state database: %w", err)
	}
	// Configs hold environment variables, which often carry secrets.
	// SQLite creates the -wal and -shm files with the main file's mode, so
	// creating it 0600 first keeps all three private.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, Paths{}, fmt.Errorf("opening state database: %w", err)
	}
	f.Close()

	db, err := sql.Open(driverName(), path+"?"+dsnParams)
	if err != nil {
		return nil, Paths{}, fmt.Errorf("opening state database %s: %w", path, err)
	}
	s := &sqliteStore{db: db, path: path, stmts: map[string]*sql.Stmt{}}
	eff, err := s.open(ctx, paths, explicit)
	if err != nil {
		db.Close()
		return nil, Paths{}, err
	}
	return s, eff, nil
}

func (s *sqliteStore) open(ctx context.Context, paths Paths, explicit map[string]bool) (Paths, error) {
	if err := s.migrate(ctx, paths); err != nil {
		return Paths{}, err
	}
	var stored Paths
	err := s.db.QueryRowContext(ctx, `SELECT graph_root, run_root, static_dir, tmp_dir, graph_driver FROM dbconfig WHERE id = 1`).
		Scan(&stored.GraphRoot, &stored.RunRoot, &stored.StaticDir, &stored.TmpDir, &stored.GraphDriver)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Paths{}, fmt.Errorf("reading storage paths from %s: %w", s.path, err)
	}
	return effectivePaths(s.path, stored, paths, explicit)
}

func (s *sqliteStore) Close() error {
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.mu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing state database %s: %w", s.path, err)
	}
	return nil
}

// walLeaveMax is the write-ahead log size up to which Leave leaves it to
// the next process: about forty container creations.
const walLeaveMax = 1 << 20

// Leave closes the store unless its write-ahead log is small, in which
// case the exiting process leaves it as is. Closing the last connection
// checkpoints the log into the database and deletes it, and the next
// writer creates it again: four fsyncs (log, directory, log, database) per
// command. Left open, the log persists as after a crash, which WAL mode is
// built for: commits are in it, and the next process to open the database
// alone rebuilds its index by reading the whole log, which is why it is
// kept small (a checkpoint also forgets what it copied after that rebuild,
// so an unbounded log would be copied again and again).
func (s *sqliteStore) Leave() error {
	if st, err := os.Stat(s.path + "-wal"); err != nil || st.Size() > walLeaveMax {
		return s.Close()
	}
	return nil
}

// stmt returns the prepared statement for q, preparing it on first use.
func (s *sqliteStore) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[q]; ok {
		return st, nil
	}
	if s.stmts == nil {
		return nil, fmt.Errorf("state database %s is closed", s.path)
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("preparing statement: %w", err)
	}
	s.stmts[q] = st
	return st, nil
}

// txStmt is stmt bound to tx.
func (s *sqliteStore) txStmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st), nil
}

// withTx runs fn in one write transaction (BEGIN IMMEDIATE via the DSN).
func (s *sqliteStore) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction on %s: %w", s.path, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing transaction on %s: %w", s.path, err)
	}
	return nil
}

// unmarshal decodes one row's JSON.
type unmarshal func([]byte, any) error

// Rows are decoded two ways. json-iterator's standard-library-compatible
// mode decodes the configs we wrote ~3x faster than encoding/json (8 µs
// against 21 for a plain container), and that decoding is a third of
// `ps -a`'s CPU with hundreds of containers; but it builds its decoder for
// a type on first use, ~1 ms for a container config, which a command that
// reads one or two rows (start, stop, rm, inspect: every lifecycle command,
// run --rm twice) never earns back. Writes stay with encoding/json.
var (
	oneRow   unmarshal = json.Unmarshal
	manyRows unmarshal = jsoniter.ConfigCompatibleWithStandardLibrary.Unmarshal
)

// bulkDecodeMin is the fewest rows for which manyRows' first-use cost is
// earned back (~75 at the figures above).
const bulkDecodeMin = 64

// rowsDecoder is the decoder for n rows.
func rowsDecoder(n int) unmarshal {
	if n >= bulkDecodeMin {
		return manyRows
	}
	return oneRow
}

func decodeContainer(dec unmarshal, config, state []byte) (*define.Container, error) {
	c := &define.Container{}
	if err := dec(config, &c.Config); err != nil {
		return nil, fmt.Errorf("decoding container config: %w", err)
	}
	if err := dec(state, &c.State); err != nil {
		return nil, fmt.Errorf("decoding state of container %s: %w", c.Config.ID, err)
	}
	return c, nil
}

func (s *sqliteStore) AddContainer(ctx context.Context, c *define.Container) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return s.addContainer(ctx, tx, c) })
}

func (s *sqliteStore) addContainer(ctx context.Context, tx *sql.Tx, c *define.Container) error {
	if c.Config.ID == "" || c.Config.Name == "" {
		return fmt.Errorf("adding container: ID and name must be set: %w", errdefs.ErrInvalidArgument)
	}
	config, err := json.Marshal(&c.Config)
	if err != nil {
		return fmt.Errorf("encoding config of container %s: %w", c.Config.ID, err)
	}
	state, err := json.Marshal(&c.State)
	if err != nil {
		return fmt.Errorf("encoding state of container %s: %w", c.Config.ID, err)
	}
	// Checked first so that adding the same container twice reports the
	// ID, the more precise of the two conflicts.
	exists, err := s.txStmt(ctx, tx, qIDExists)
	if err != nil {
		return err
	}
	var one int
	switch err := exists.QueryRowContext(ctx, c.Config.ID).Scan(&one); {
	case err == nil:
		return fmt.Errorf("container %s: %w", c.Config.ID, define.ErrCtrExists)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("checking container ID %s: %w", c.Config.ID, err)
	}
	addName, err := s.txStmt(ctx, tx, qAddName)
	if err != nil {
		return err
	}
	if _, err := addName.ExecContext(ctx, c.Config.Name, kindContainer); err != nil {
		if isUnique(err) {
			return fmt.Errorf("the container name %q is already in use: %w", c.Config.Name, define.ErrNameInUse)
		}
		return fmt.Errorf("reserving name %q: %w", c.Config.Name, err)
	}
	add, err := s.txStmt(ctx, tx, qAddContainer)
	if err != nil {
		return err
	}
	// Bound as strings: a []byte would be stored as a BLOB, which
	// SQLite's JSON functions (json_set in rename) read as JSONB.
	if _, err := add.ExecContext(ctx, c.Config.ID, c.Config.Name, c.Config.Created.UnixNano(), string(config), string(state)); err != nil {
		return fmt.Errorf("adding container %s: %w", c.Config.ID, err)
	}
	return s.addDependencies(ctx, tx, c)
}

func (s *sqliteStore) Container(ctx context.Context, id string) (*define.Container, error) {
	return s.container(ctx, nil, id)
}

// container reads one container, inside tx when it is not nil.
func (s *sqliteStore) container(ctx context.Context, tx *sql.Tx, id string) (*define.Container, error) {
	st, err := s.stmt(ctx, qContainer)
	if err != nil {
		return nil, err
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	var config, state []byte
	if err := st.QueryRowContext(ctx, id).Scan(&config, &state); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("no container with ID %q found: %w", id, define.ErrNoSuchCtr)
		}
		return nil, fmt.Errorf("reading container %s: %w", id, err)
	}
	return decodeContainer(oneRow, config, state)
}

func (s *sqliteStore) LookupContainer(ctx context.Context, nameOrID string) (*define.Container, error) {
	if nameOrID == "" {
		return nil, fmt.Errorf("no container with an empty name or ID: %w", define.ErrNoSuchCtr)
	}
	st, err := s.stmt(ctx, qLookup)
	if err != nil {
		return nil, err
	}
	// Every string with this prefix sorts below prefix+0xFF: SQLite
	// compares TEXT bytewise and 0xFF never occurs in UTF-8. The range keeps
	// the prefix match on the primary key index, with no LIKE escaping.
	rows, err := st.QueryContext(ctx, nameOrID, nameOrID+"\xff")
	if err != nil {
		return nil, fmt.Errorf("looking up container %q: %w", nameOrID, err)
	}
	defer rows.Close()
	var (
		found *define.Container
		n     int
	)
	for rows.Next() {
		var config, state sql.RawBytes
		var rank int
		if err := rows.Scan(&config, &state, &rank); err != nil {
			return nil, fmt.Errorf("looking up container %q: %w", nameOrID, err)
		}
		n++
		if n == 1 {
			if found, err = decodeContainer(oneRow, config, state); err != nil {
				return nil, err
			}
			if rank < 2 { // exact name or exact ID beats any prefix match
				return found, nil
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("looking up container %q: %w", nameOrID, err)
	}
	switch n {
	case 0:
		return nil, fmt.Errorf("no container with name or ID %q found: %w", nameOrID, define.ErrNoSuchCtr)
	case 1:
		return found, nil
	default:
		return nil, fmt.Errorf("more than one result for container %q: %w", nameOrID, define.ErrAmbiguous)
	}
}

func (s *sqliteStore) Containers(ctx context.Context) ([]*define.Container, error) {
	raw, err := containerRows[[]byte](ctx, s)
	if err != nil {
		return nil, err
	}
	return decodeContainers(raw)
}

// containerRows reads every container's config and state. Either type is
// a copy the rows own (decoded after the cursor moves on).
func containerRows[T string | []byte](ctx context.Context, s *sqliteStore) ([][2]T, error) {
	st, err := s.stmt(ctx, qContainers)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	defer rows.Close()
	var raw [][2]T
	for rows.Next() {
		var config, state T
		if err := rows.Scan(&config, &state); err != nil {
			return nil, fmt.Errorf("listing containers: %w", err)
		}
		raw = append(raw, [2]T{config, state})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	return raw, nil
}

// decodeContainers decodes rows on every CPU once there are enough of
// them: decoding is most of listing a few hundred containers (ps -a).
func decodeContainers(raw [][2][]byte) ([]*define.Container, error) {
	out := make([]*define.Container, len(raw))
	dec := rowsDecoder(len(raw))
	workers := min(runtime.GOMAXPROCS(0), len(raw)/parallelDecodeMin)
	if workers < 2 {
		for i, r := range raw {
			c, err := decodeContainer(dec, r[0], r[1])
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	// The first row alone: json-iterator builds its decoders for the
	// container types on first use, and workers starting together would
	// each build them (a few ms of CPU apiece).
	c, err := decodeContainer(dec, raw[0][0], raw[0][1])
	if err != nil {
		return nil, err
	}
	out[0] = c
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1 + w; i < len(raw); i += workers {
				c, err := decodeContainer(dec, raw[i][0], raw[i][1])
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = c
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// parallelDecodeMin is the fewest rows per decoding goroutine worth its
// start.
const parallelDecodeMin = 32

func (s *sqliteStore) SaveState(ctx context.Context, id string, st *define.ContainerState) error {
	state, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encoding state of container %s: %w", id, err)
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		return s.saveState(ctx, tx, id, state)
	})
}

// saveStateOf encodes st and saves it inside tx.
func (s *sqliteStore) saveStateOf(ctx context.Context, tx *sql.Tx, id string, st *define.ContainerState) error {
	state, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encoding state of container %s: %w", id, err)
	}
	return s.saveState(ctx, tx, id, state)
}

func (s *sqliteStore) saveState(ctx context.Context, tx *sql.Tx, id string, state []byte) error {
	save, err := s.txStmt(ctx, tx, qSaveState)
	if err != nil {
		return err
	}
	res, err := save.ExecContext(ctx, string(state), id)
	if err != nil {
		return fmt.Errorf("saving state of container %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("saving state of container %s: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("no container with ID %q found: %w", id, define.ErrNoSuchCtr)
	}
	return nil
}

func (s *sqliteStore) RenameContainer(ctx context.Context, id, newName string) error {
	if newName == "" {
		return fmt.Errorf("renaming container %s: empty name: %w", id, errdefs.ErrInvalidArgument)
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		getName, err := s.txStmt(ctx, tx, qCtrName)
		if err != nil {
			return err
		}
		var old string
		if err := getName.QueryRowContext(ctx, id).Scan(&old); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("no container with ID %q found: %w", id, define.ErrNoSuchCtr)
			}
			return fmt.Errorf("renaming container %s: %w", id, err)
		}
		if old == newName {
			return nil
		}
		rename, err := s.txStmt(ctx, tx, qRename)
		if err != nil {
			return err
		}
		// ON UPDATE CASCADE carries the new name into containers.name.
		if _, err := rename.ExecContext(ctx, newName, old); err != nil {
			if isUnique(err) {
				return fmt.Errorf("the container name %q is already in use: %w", newName, define.ErrNameInUse)
			}
			return fmt.Errorf("renaming container %s: %w", id, err)
		}
		cfg, err := s.txStmt(ctx, tx, qRenameConfig)
		if err != nil {
			return err
		}
		if _, err := cfg.ExecContext(ctx, newName, id); err != nil {
			return fmt.Errorf("renaming container %s: %w", id, err)
		}
		return nil
	})
}

func (s *sqliteStore) RemoveContainer(ctx context.Context, id string) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return s.removeContainer(ctx, tx, id) })
}

func (s *sqliteStore) removeContainer(ctx context.Context, tx *sql.Tx, id string) error {
	// Refused while others depend on it; its own dependencies go with
	// it (ON DELETE CASCADE).
	if err := s.refuseDependents(ctx, tx, id); err != nil {
		return err
	}
	del, err := s.txStmt(ctx, tx, qDelCtr)
	if err != nil {
		return err
	}
	var name string
	if err := del.QueryRowContext(ctx, id).Scan(&name); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no container with ID %q found: %w", id, define.ErrNoSuchCtr)
		}
		return fmt.Errorf("removing container %s: %w", id, err)
	}
	delName, err := s.txStmt(ctx, tx, qDelName)
	if err != nil {
		return err
	}
	if _, err := delName.ExecContext(ctx, name); err != nil {
		return fmt.Errorf("freeing name %q of container %s: %w", name, id, err)
	}
	return nil
}

func (s *sqliteStore) UpdateAllContainerStates(ctx context.Context, fn func(*define.Container) bool) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		list, err := s.txStmt(ctx, tx, qContainers)
		if err != nil {
			return err
		}
		// Read everything before writing: the rows must be closed before the
		// same connection runs the updates.
		rows, err := list.QueryContext(ctx)
		if err != nil {
			return fmt.Errorf("listing containers: %w", err)
		}
		var all []*define.Container
		for rows.Next() {
			var config, state sql.RawBytes
			if err := rows.Scan(&config, &state); err != nil {
				rows.Close()
				return fmt.Errorf("listing containers: %w", err)
			}
			c, err := decodeContainer(oneRow, config, state)
			if err != nil {
				rows.Close()
				return err
			}
			all = append(all, c)
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return fmt.Errorf("listing containers: %w", err)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("listing containers: %w", err)
		}
		for _, c := range all {
			if !fn(c) {
				continue
			}
			state, err := json.Marshal(&c.State)
			if err != nil {
				return fmt.Errorf("encoding state of container %s: %w", c.Config.ID, err)
			}
			if err := s.saveState(ctx, tx, c.Config.ID, state); err != nil {
				return err
			}
		}
		return nil
	})
}
