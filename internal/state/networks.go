package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
)

// qSaveNetworks replaces the one part of a container's config that
// changes after create: `network connect/disconnect` edit its networks.
const qSaveNetworks = `UPDATE containers SET config = json_set(config, '$.networks', json(?)) WHERE id = ?`

func (s *sqliteStore) SaveNetworks(ctx context.Context, id string, nets map[string]types.PerNetworkOptions) error {
	if nets == nil {
		nets = map[string]types.PerNetworkOptions{}
	}
	b, err := json.Marshal(nets)
	if err != nil {
		return fmt.Errorf("encoding networks of container %s: %w", id, err)
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		st, err := s.txStmt(ctx, tx, qSaveNetworks)
		if err != nil {
			return err
		}
		res, err := st.ExecContext(ctx, string(b), id)
		if err != nil {
			return fmt.Errorf("saving networks of container %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("saving networks of container %s: %w", id, err)
		} else if n == 0 {
			return fmt.Errorf("no container with ID %q found: %w", id, define.ErrNoSuchCtr)
		}
		return nil
	})
}
