package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pier-engine/pier/internal/define"
)

// migrateV3 adds volumes. Their names are their IDs and form their own
// namespace (a volume may share a container's name, as in podman), so they
// are not in names. Containers using a volume record a dependency of kind
// define.KindVolume on its name.
func migrateV3(ctx context.Context, tx *sql.Tx) error {
	const schema = `
CREATE TABLE volumes (
	name    TEXT PRIMARY KEY NOT NULL,
	created INTEGER NOT NULL,
	config  TEXT NOT NULL
);
`
	_, err := tx.ExecContext(ctx, schema)
	return err
}

func (s *sqliteStore) AddVolume(ctx context.Context, v *define.Volume) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return s.addVolume(ctx, tx, v) })
}

func (s *sqliteStore) addVolume(ctx context.Context, tx *sql.Tx, v *define.Volume) error {
	cfg, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding volume %s: %w", v.Name, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO volumes (name, created, config) VALUES (?, ?, ?)`,
		v.Name, v.Created.UnixNano(), string(cfg))
	if isUnique(err) {
		return fmt.Errorf("volume with name %s already exists: %w", v.Name, define.ErrVolumeExists)
	}
	if err != nil {
		return fmt.Errorf("adding volume %s: %w", v.Name, err)
	}
	return nil
}

func (s *sqliteStore) Volume(ctx context.Context, name string) (*define.Volume, error) {
	return s.volume(ctx, nil, name)
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *sqliteStore) volume(ctx context.Context, tx *sql.Tx, name string) (*define.Volume, error) {
	var q querier = s.db
	if tx != nil {
		q = tx
	}
	var cfg string
	err := q.QueryRowContext(ctx, `SELECT config FROM volumes WHERE name = ?`, name).Scan(&cfg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no volume with name %q found: %w", name, define.ErrNoSuchVolume)
	}
	if err != nil {
		return nil, fmt.Errorf("reading volume %s: %w", name, err)
	}
	v := &define.Volume{}
	if err := json.Unmarshal([]byte(cfg), v); err != nil {
		return nil, fmt.Errorf("decoding volume %s: %w", name, err)
	}
	return v, nil
}

func (s *sqliteStore) Volumes(ctx context.Context) ([]*define.Volume, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT config FROM volumes ORDER BY created, name`)
	if err != nil {
		return nil, fmt.Errorf("listing volumes: %w", err)
	}
	defer rows.Close()
	var out []*define.Volume
	for rows.Next() {
		var cfg string
		if err := rows.Scan(&cfg); err != nil {
			return nil, fmt.Errorf("listing volumes: %w", err)
		}
		v := &define.Volume{}
		if err := json.Unmarshal([]byte(cfg), v); err != nil {
			return nil, fmt.Errorf("decoding volume: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *sqliteStore) SaveVolume(ctx context.Context, v *define.Volume) error {
	cfg, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding volume %s: %w", v.Name, err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE volumes SET config = ? WHERE name = ?`, string(cfg), v.Name)
	if err != nil {
		return fmt.Errorf("saving volume %s: %w", v.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("no volume with name %q found: %w", v.Name, define.ErrNoSuchVolume)
	}
	return nil
}

func (s *sqliteStore) RemoveVolume(ctx context.Context, name string) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return s.removeVolume(ctx, tx, name) })
}

func (s *sqliteStore) removeVolume(ctx context.Context, tx *sql.Tx, name string) error {
	deps, err := s.dependents(ctx, tx, define.KindVolume, name)
	if err != nil {
		return err
	}
	if len(deps) > 0 {
		return VolumeInUseError(name, deps)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM volumes WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("removing volume %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("no volume with name %q found: %w", name, define.ErrNoSuchVolume)
	}
	return nil
}

// VolumeInUseError is podman's refusal to remove a volume containers use.
func VolumeInUseError(name string, ctrs []string) error {
	return fmt.Errorf("volume %s is being used by the following container(s): %s: %w",
		name, strings.Join(ctrs, ", "), define.ErrVolumeBeingUsed)
}
