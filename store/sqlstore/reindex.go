package sqlstore

import (
	"context"
	"database/sql"
)

// reindexBatch is how many articles reindexSearch reads at once.
const reindexBatch = 500

// reindexSearch indexes every article for search, in a migration that
// emptied the index (0012_search_stemming: the index now holds stems).
// Articles are read in batches by ID, so that no result set is open while
// the batch is written (PostgreSQL's connection runs one at a time).
func reindexSearch(ctx context.Context, tx *sql.Tx, d *Dialect) error {
	if d.SearchIndex == "" {
		return nil
	}
	insert := d.SearchInsert
	if insert == "" {
		insert = d.SearchIndex
	}
	stmt, err := tx.PrepareContext(ctx, d.rebind(insert))
	if err != nil {
		return err
	}
	defer stmt.Close()
	type row struct {
		id                   int64
		title, summary, text string
	}
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, d.rebind(`SELECT id, title, summary, text FROM articles WHERE id > ? ORDER BY id LIMIT ?`), after, reindexBatch)
		if err != nil {
			return err
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.title, &r.summary, &r.text); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			summary := SearchSummary(r.summary, r.text)
			var err error
			if d.SearchDocument != nil {
				_, err = stmt.ExecContext(ctx, r.id, d.SearchDocument(r.title, summary, r.text))
			} else {
				_, err = stmt.ExecContext(ctx, r.id, r.title, summary, r.text)
			}
			if err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].id
	}
}
