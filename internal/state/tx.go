package state

import (
	"context"
	"database/sql"

	"github.com/pier-engine/pier/internal/define"
)

// sqliteTx is one write transaction of Update.
type sqliteTx struct {
	ctx context.Context
	s   *sqliteStore
	tx  *sql.Tx
}

func (s *sqliteStore) Update(ctx context.Context, fn func(Tx) error) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		return fn(&sqliteTx{ctx: ctx, s: s, tx: tx})
	})
}

func (t *sqliteTx) AddContainer(c *define.Container) error {
	return t.s.addContainer(t.ctx, t.tx, c)
}

func (t *sqliteTx) Container(id string) (*define.Container, error) {
	return t.s.container(t.ctx, t.tx, id)
}

func (t *sqliteTx) SaveState(id string, st *define.ContainerState) error {
	return t.s.saveStateOf(t.ctx, t.tx, id, st)
}

func (t *sqliteTx) RemoveContainer(id string) error {
	return t.s.removeContainer(t.ctx, t.tx, id)
}

func (t *sqliteTx) Dependents(kind, id string) ([]string, error) {
	return t.s.dependents(t.ctx, t.tx, kind, id)
}

func (t *sqliteTx) AddVolume(v *define.Volume) error {
	return t.s.addVolume(t.ctx, t.tx, v)
}

func (t *sqliteTx) Volume(name string) (*define.Volume, error) {
	return t.s.volume(t.ctx, t.tx, name)
}

func (t *sqliteTx) RemoveVolume(name string) error {
	return t.s.removeVolume(t.ctx, t.tx, name)
}
