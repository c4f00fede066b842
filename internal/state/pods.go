package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// migrateV4 adds pods. A pod's name is in names (kind "pod"), so pods and
// containers share one namespace, as the names table was made for. Members
// record a dependency of kind define.KindPod on the pod's ID, which is what
// lists a pod's containers and what keeps a pod with containers from being
// removed.
func migrateV4(ctx context.Context, tx *sql.Tx) error {
	const schema = `
CREATE TABLE pods (
	id      TEXT PRIMARY KEY NOT NULL,
	name    TEXT NOT NULL UNIQUE REFERENCES names(name) ON UPDATE CASCADE,
	created INTEGER NOT NULL,
	config  TEXT NOT NULL
);
`
	_, err := tx.ExecContext(ctx, schema)
	return err
}

const (
	kindPod    = "pod"
	qPodLookup = `SELECT config, CASE WHEN name = ?1 THEN 0 WHEN id = ?1 THEN 1 ELSE 2 END AS rank FROM pods WHERE name = ?1 OR (id >= ?1 AND id < ?2) ORDER BY rank LIMIT 2`
)

func (s *sqliteStore) AddPod(ctx context.Context, p *define.Pod) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return s.addPod(ctx, tx, p) })
}

func (s *sqliteStore) addPod(ctx context.Context, tx *sql.Tx, p *define.Pod) error {
	if p.Config.ID == "" || p.Config.Name == "" {
		return fmt.Errorf("adding pod: ID and name must be set: %w", errdefs.ErrInvalidArgument)
	}
	cfg, err := json.Marshal(&p.Config)
	if err != nil {
		return fmt.Errorf("encoding pod %s: %w", p.Config.ID, err)
	}
	var one int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM pods WHERE id = ?`, p.Config.ID).Scan(&one); {
	case err == nil:
		return fmt.Errorf("pod %s: %w", p.Config.ID, define.ErrPodExists)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("checking pod ID %s: %w", p.Config.ID, err)
	}
	if _, err := tx.ExecContext(ctx, qAddName, p.Config.Name, kindPod); err != nil {
		if isUnique(err) {
			return fmt.Errorf("name %q is in use: %w", p.Config.Name, define.ErrPodExists)
		}
		return fmt.Errorf("reserving name %q: %w", p.Config.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO pods (id, name, created, config) VALUES (?, ?, ?, ?)`,
		p.Config.ID, p.Config.Name, p.Config.Created.UnixNano(), string(cfg)); err != nil {
		return fmt.Errorf("adding pod %s: %w", p.Config.ID, err)
	}
	return nil
}

// decodePod decodes with oneRow: pods are few.
func decodePod(cfg []byte) (*define.Pod, error) {
	p := &define.Pod{}
	if err := oneRow(cfg, &p.Config); err != nil {
		return nil, fmt.Errorf("decoding pod config: %w", err)
	}
	return p, nil
}

func (s *sqliteStore) Pod(ctx context.Context, id string) (*define.Pod, error) {
	return s.pod(ctx, nil, id)
}

func (s *sqliteStore) pod(ctx context.Context, tx *sql.Tx, id string) (*define.Pod, error) {
	var q querier = s.db
	if tx != nil {
		q = tx
	}
	var cfg []byte
	if err := q.QueryRowContext(ctx, `SELECT config FROM pods WHERE id = ?`, id).Scan(&cfg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("no pod with ID %q found: %w", id, define.ErrNoSuchPod)
		}
		return nil, fmt.Errorf("reading pod %s: %w", id, err)
	}
	return decodePod(cfg)
}

func (s *sqliteStore) LookupPod(ctx context.Context, nameOrID string) (*define.Pod, error) {
	if nameOrID == "" {
		return nil, fmt.Errorf("no pod with an empty name or ID: %w", define.ErrNoSuchPod)
	}
	rows, err := s.db.QueryContext(ctx, qPodLookup, nameOrID, nameOrID+"\xff")
	if err != nil {
		return nil, fmt.Errorf("looking up pod %q: %w", nameOrID, err)
	}
	defer rows.Close()
	var found []*define.Pod
	var ranks []int
	for rows.Next() {
		var cfg []byte
		var rank int
		if err := rows.Scan(&cfg, &rank); err != nil {
			return nil, fmt.Errorf("looking up pod %q: %w", nameOrID, err)
		}
		p, err := decodePod(cfg)
		if err != nil {
			return nil, err
		}
		found, ranks = append(found, p), append(ranks, rank)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("looking up pod %q: %w", nameOrID, err)
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("no pod with name or ID %s found: %w", nameOrID, define.ErrNoSuchPod)
	case len(found) == 1 || ranks[0] < 2:
		return found[0], nil
	}
	return nil, fmt.Errorf("more than one result for pod %q: %w", nameOrID, define.ErrAmbiguous)
}

func (s *sqliteStore) Pods(ctx context.Context) ([]*define.Pod, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT config FROM pods ORDER BY created, rowid`)
	if err != nil {
		return nil, fmt.Errorf("listing pods: %w", err)
	}
	defer rows.Close()
	var out []*define.Pod
	for rows.Next() {
		var cfg []byte
		if err := rows.Scan(&cfg); err != nil {
			return nil, fmt.Errorf("listing pods: %w", err)
		}
		p, err := decodePod(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *sqliteStore) SavePod(ctx context.Context, p *define.Pod) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return s.savePod(ctx, tx, p) })
}

func (s *sqliteStore) savePod(ctx context.Context, tx *sql.Tx, p *define.Pod) error {
	cfg, err := json.Marshal(&p.Config)
	if err != nil {
		return fmt.Errorf("encoding pod %s: %w", p.Config.ID, err)
	}
	// The name is the index's: a pod is never renamed.
	res, err := tx.ExecContext(ctx, `UPDATE pods SET config = ? WHERE id = ?`, string(cfg), p.Config.ID)
	if err != nil {
		return fmt.Errorf("saving pod %s: %w", p.Config.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("no pod with ID %q found: %w", p.Config.ID, define.ErrNoSuchPod)
	}
	return nil
}

func (s *sqliteStore) RemovePod(ctx context.Context, id string) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return s.removePod(ctx, tx, id) })
}

func (s *sqliteStore) removePod(ctx context.Context, tx *sql.Tx, id string) error {
	deps, err := s.dependents(ctx, tx, define.KindPod, id)
	if err != nil {
		return err
	}
	if len(deps) > 0 {
		return PodHasContainersError(id, deps)
	}
	var name string
	if err := tx.QueryRowContext(ctx, `DELETE FROM pods WHERE id = ? RETURNING name`, id).Scan(&name); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no pod with ID %q found: %w", id, define.ErrNoSuchPod)
		}
		return fmt.Errorf("removing pod %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, qDelName, name); err != nil {
		return fmt.Errorf("freeing name %q of pod %s: %w", name, id, err)
	}
	return nil
}

// PodHasContainersError refuses to remove a pod that still has containers.
func PodHasContainersError(id string, ctrs []string) error {
	return fmt.Errorf("pod %s has containers that are not ready to be removed: %d container(s): %w",
		id, len(ctrs), define.ErrCtrExists)
}

func (t *sqliteTx) AddPod(p *define.Pod) error { return t.s.addPod(t.ctx, t.tx, p) }

func (t *sqliteTx) Pod(id string) (*define.Pod, error) { return t.s.pod(t.ctx, t.tx, id) }

func (t *sqliteTx) SavePod(p *define.Pod) error { return t.s.savePod(t.ctx, t.tx, p) }

func (t *sqliteTx) RemovePod(id string) error { return t.s.removePod(t.ctx, t.tx, id) }
