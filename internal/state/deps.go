package state

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pier-engine/pier/internal/define"
)

// migrateV2 records dependencies between objects: a row says that
// container `container` needs object (kind, target) for reason, e.g. the
// network namespace of another container. A dependent's rows go with it
// (ON DELETE CASCADE); a target with dependents cannot be removed, which
// the store checks in the removing transaction. Targets of other kinds
// (volume, network, pod) live in other tables, so target carries no
// foreign key: the store checks targets itself.
func migrateV2(ctx context.Context, tx *sql.Tx) error {
	const schema = `
CREATE TABLE dependencies (
	container TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
	kind      TEXT NOT NULL,
	target    TEXT NOT NULL,
	reason    TEXT NOT NULL,
	PRIMARY KEY (container, kind, target, reason)
) WITHOUT ROWID;
CREATE INDEX dependencies_target ON dependencies(kind, target);
`
	_, err := tx.ExecContext(ctx, schema)
	return err
}

const (
	qAddDep     = `INSERT OR IGNORE INTO dependencies (container, kind, target, reason) VALUES (?, ?, ?, ?)`
	qDependents = `SELECT DISTINCT container FROM dependencies WHERE kind = ? AND target = ? ORDER BY container`
)

// addDependencies records c's dependencies; a container it depends on
// must exist.
func (s *sqliteStore) addDependencies(ctx context.Context, tx *sql.Tx, c *define.Container) error {
	if len(c.Config.Dependencies) == 0 {
		return nil
	}
	add, err := s.txStmt(ctx, tx, qAddDep)
	if err != nil {
		return err
	}
	for _, d := range c.Config.Dependencies {
		if d.Kind == "" || d.ID == "" {
			return fmt.Errorf("container %s: dependency without kind or ID", c.Config.ID)
		}
		if d.Kind == define.KindContainer {
			if d.ID == c.Config.ID {
				return fmt.Errorf("container %s cannot depend on itself: %w", c.Config.ID, define.ErrInvalidArg)
			}
			if _, err := s.container(ctx, tx, d.ID); err != nil {
				return fmt.Errorf("container %s depends on container %s: %w", c.Config.ID, d.ID, err)
			}
		}
		if d.Kind == define.KindPod {
			if _, err := s.pod(ctx, tx, d.ID); err != nil {
				return fmt.Errorf("container %s joins pod %s: %w", c.Config.ID, d.ID, err)
			}
		}
		if d.Kind == define.KindVolume {
			if _, err := s.volume(ctx, tx, d.ID); err != nil {
				return fmt.Errorf("container %s uses volume %s: %w", c.Config.ID, d.ID, err)
			}
		}
		if _, err := add.ExecContext(ctx, c.Config.ID, d.Kind, d.ID, d.Reason); err != nil {
			return fmt.Errorf("recording dependency of container %s on %s %s: %w", c.Config.ID, d.Kind, d.ID, err)
		}
	}
	return nil
}

func (s *sqliteStore) Dependents(ctx context.Context, kind, id string) ([]string, error) {
	return s.dependents(ctx, nil, kind, id)
}

func (s *sqliteStore) dependents(ctx context.Context, tx *sql.Tx, kind, id string) ([]string, error) {
	st, err := s.stmt(ctx, qDependents)
	if err != nil {
		return nil, err
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	rows, err := st.QueryContext(ctx, kind, id)
	if err != nil {
		return nil, fmt.Errorf("listing dependents of %s %s: %w", kind, id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("listing dependents of %s %s: %w", kind, id, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing dependents of %s %s: %w", kind, id, err)
	}
	return out, nil
}

// refuseDependents fails, in podman's words, when containers depend on
// container id.
func (s *sqliteStore) refuseDependents(ctx context.Context, tx *sql.Tx, id string) error {
	deps, err := s.dependents(ctx, tx, define.KindContainer, id)
	if err != nil {
		return err
	}
	if len(deps) > 0 {
		return DependentsError(id, deps)
	}
	return nil
}

// DependentsError is podman's refusal to remove a container others
// depend on.
func DependentsError(id string, deps []string) error {
	return fmt.Errorf("container %s has dependent containers which must be removed before it: %s: %w",
		id, strings.Join(deps, ", "), define.ErrCtrExists)
}
