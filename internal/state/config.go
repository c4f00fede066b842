package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/pier-engine/pier/internal/define"
)

const qSaveConfig = `UPDATE containers SET config = ? WHERE id = ? AND name = ?`

// SaveConfig replaces a container's config, for the few fields that may
// change after create (`update`'s limits and restart policy). The ID and
// name must be the stored ones: renames go through RenameContainer.
func (s *sqliteStore) SaveConfig(ctx context.Context, cfg *define.ContainerConfig) error {
	data, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encoding config of container %s: %w", cfg.ID, err)
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, qSaveConfig, data, cfg.ID, cfg.Name)
		if err != nil {
			return fmt.Errorf("saving config of container %s: %w", cfg.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("saving config of container %s: %w", cfg.ID, err)
		} else if n == 0 {
			return fmt.Errorf("no container with ID %q and name %q found: %w", cfg.ID, cfg.Name, define.ErrNoSuchCtr)
		}
		return nil
	})
}
