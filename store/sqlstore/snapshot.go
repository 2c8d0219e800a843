package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	digest "github.com/occasional-digest/digest"
)

// SnapshotChunk is how many bytes of a snapshot one row holds: a snapshot
// of hundreds of megabytes is written and read a chunk at a time, never
// held whole in memory nor written in one long transaction.
const SnapshotChunk = 4 << 20

// snapshot describes a stored snapshot of a component's state.
type snapshot struct {
	ID          int64
	Name        string
	Version     int
	Fingerprint string
	Created     time.Time
	Bytes       int64
}

// WriteSnapshot stores a new snapshot under name: write writes its bytes,
// which are stored a chunk at a time as they come, and the snapshot is
// used (by ReadSnapshot) only once write returned nil and every chunk is
// stored. Older snapshots of the name are then removed (a process still
// reading one gets ENOTFOUND, and reads again). A failed write leaves
// nothing behind. It returns the snapshot's size in bytes.
func (s *Store) WriteSnapshot(ctx context.Context, name string, version int, fingerprint string, write func(w io.Writer) error) (int64, error) {
	sn := snapshot{Name: name, Version: version, Fingerprint: fingerprint, Created: time.Now()}
	err := s.write.QueryRowContext(ctx, s.d.rebind(`INSERT INTO engine_snapshots (name, version, fingerprint, created) VALUES (?, ?, ?, ?) RETURNING id`),
		clean(name), version, clean(fingerprint), dbTime(sn.Created)).Scan(&sn.ID)
	if err != nil {
		return 0, wrap("write snapshot", err)
	}
	w := &chunkWriter{ctx: ctx, s: s, id: sn.ID, buf: make([]byte, 0, SnapshotChunk)}
	err = write(w)
	if err == nil {
		err = w.flush()
	}
	if err == nil {
		var res sql.Result
		res, err = s.write.ExecContext(ctx, s.d.rebind(`UPDATE engine_snapshots SET complete = TRUE, bytes = ?, chunks = ? WHERE id = ?`), w.n, w.seq, sn.ID)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				err = errors.New("removed while written")
			}
		}
	}
	if err != nil {
		// The context may be what failed: clean up regardless of it.
		return 0, wrap("write snapshot", errors.Join(err, s.dropSnapshots(context.WithoutCancel(ctx), `id = ?`, sn.ID)))
	}
	// Snapshots are large (kilobytes per article): only the newest is
	// kept. One still being written by another process, newer than this
	// one, is left alone.
	if err := s.dropSnapshots(ctx, `name = ? AND id < ?`, clean(name), sn.ID); err != nil {
		return w.n, wrap("write snapshot: remove older", err)
	}
	return w.n, nil
}

// dropSnapshots removes the snapshots matching where, chunk rows first,
// each snapshot in a transaction of its own.
func (s *Store) dropSnapshots(ctx context.Context, where string, args ...any) error {
	rows, err := s.write.QueryContext(ctx, s.d.rebind(`SELECT id FROM engine_snapshots WHERE `+where), args...)
	if err != nil {
		return err
	}
	ids, err := scanIDs(rows)
	if err != nil {
		return err
	}
	for _, id := range ids {
		err := s.writeTx(ctx, func(tx *sql.Tx) error {
			if _, err := s.exec(ctx, tx, `DELETE FROM engine_snapshot_chunks WHERE snapshot_id = ?`, id); err != nil {
				return err
			}
			_, err := s.exec(ctx, tx, `DELETE FROM engine_snapshots WHERE id = ?`, id)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// chunkWriter stores what is written to it as the chunk rows of one
// snapshot.
type chunkWriter struct {
	ctx context.Context
	s   *Store
	id  int64
	buf []byte
	seq int
	n   int64
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		k := min(len(p), cap(w.buf)-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		written += k
		if len(w.buf) == cap(w.buf) {
			if err := w.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.s.write.ExecContext(w.ctx, w.s.d.rebind(`INSERT INTO engine_snapshot_chunks (snapshot_id, seq, data) VALUES (?, ?, ?)`), w.id, w.seq, w.buf)
	if err != nil {
		return fmt.Errorf("chunk %d: %w", w.seq, err)
	}
	w.n += int64(len(w.buf))
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// ReadSnapshot calls read with the newest complete snapshot of name (its
// format version, fingerprint and time) and a reader of its bytes,
// fetched a chunk at a time; the reader fails with ENOTFOUND if a newer
// snapshot replaces it meanwhile (read again for the newer one).
// ENOTFOUND when there is none.
func (s *Store) ReadSnapshot(ctx context.Context, name string, read func(version int, fingerprint string, created time.Time, r io.Reader) error) error {
	sn := snapshot{Name: name}
	var created int64
	var chunks int
	err := s.queryRow(ctx, `SELECT id, version, fingerprint, created, bytes, chunks FROM engine_snapshots
		WHERE name = ? AND complete ORDER BY id DESC LIMIT 1`, clean(name)).Scan(&sn.ID, &sn.Version, &sn.Fingerprint, &created, &sn.Bytes, &chunks)
	if errors.Is(err, sql.ErrNoRows) {
		return digest.Errorf(digest.ENOTFOUND, "no snapshot %q", name)
	}
	if err != nil {
		return wrap("read snapshot", err)
	}
	sn.Created = goTime(created)
	return read(sn.Version, sn.Fingerprint, sn.Created, &chunkReader{ctx: ctx, s: s, id: sn.ID, chunks: chunks})
}

// chunkReader reads the chunk rows of one snapshot in order.
type chunkReader struct {
	ctx    context.Context
	s      *Store
	id     int64
	chunks int
	seq    int
	buf    []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.seq >= r.chunks {
			return 0, io.EOF
		}
		var data []byte
		err := r.s.queryRow(r.ctx, `SELECT data FROM engine_snapshot_chunks WHERE snapshot_id = ? AND seq = ?`, r.id, r.seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, digest.Errorf(digest.ENOTFOUND, "snapshot %d chunk %d is gone", r.id, r.seq)
		}
		if err != nil {
			return 0, wrap("read snapshot", err)
		}
		r.buf = data
		r.seq++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// ArticleKeys calls fn with the ID, URL, story (0: none) and publication
// time of every article published at or after since, in no particular
// order, in one read: what a restored story engine compares with what it
// holds (one pass, where paging through RecentArticles would sort the
// window once a page).
func (s *Store) ArticleKeys(ctx context.Context, since time.Time, fn func(id int64, url string, storyID int64, published time.Time) error) error {
	rows, err := s.query(ctx, `SELECT id, COALESCE(url, ''), COALESCE(story_id, 0), published FROM articles WHERE published >= ?`, dbTime(since))
	if err != nil {
		return wrap("article keys", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, storyID, published int64
		var url string
		if err := rows.Scan(&id, &url, &storyID, &published); err != nil {
			return wrap("article keys", err)
		}
		if err := fn(id, url, storyID, goTime(published)); err != nil {
			return err
		}
	}
	return wrap("article keys", rows.Err())
}
