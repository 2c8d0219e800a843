package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// SaveIcon stores an icon once per hash of its data and returns its ID,
// which it also sets in icon. An empty Hash is computed; a Hash that is not
// the SHA-256 of Data is EINVALID, and so is empty Data.
func (s *Store) SaveIcon(ctx context.Context, icon *digest.Icon) (int64, error) {
	if len(icon.Data) == 0 {
		return 0, digest.Errorf(digest.EINVALID, "icon has no data")
	}
	sum := sha256.Sum256(icon.Data)
	hash := hex.EncodeToString(sum[:])
	if icon.Hash != "" && !strings.EqualFold(icon.Hash, hash) {
		return 0, digest.Errorf(digest.EINVALID, "icon hash %q does not match its data", icon.Hash)
	}
	var id int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		err := s.txRow(ctx, tx, `INSERT INTO icons (hash, content_type, data) VALUES (?, ?, ?)
			ON CONFLICT (hash) DO NOTHING RETURNING id`, hash, clean(icon.ContentType), icon.Data).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			err = s.txRow(ctx, tx, `SELECT id FROM icons WHERE hash = ?`, hash).Scan(&id)
		}
		return err
	})
	if err != nil {
		return 0, wrap("save icon", err)
	}
	icon.ID, icon.Hash = id, hash
	return id, nil
}

// IconByID returns one icon, whoever's feed it is. ENOTFOUND.
func (s *Store) IconByID(ctx context.Context, id int64) (*digest.Icon, error) {
	icon := &digest.Icon{}
	err := s.queryRow(ctx, `SELECT id, hash, content_type, data FROM icons WHERE id = ?`, id).
		Scan(&icon.ID, &icon.Hash, &icon.ContentType, &icon.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("icon", id)
	}
	if err != nil {
		return nil, wrap("icon", err)
	}
	return icon, nil
}

// Icon returns the icon of one of the user's feeds. ENOTFOUND for an icon
// no feed of the user's has.
func (s *Store) Icon(ctx context.Context, userID, id int64) (*digest.Icon, error) {
	icon := &digest.Icon{}
	err := s.queryRow(ctx, `SELECT id, hash, content_type, data FROM icons WHERE id = ?
		AND EXISTS (SELECT 1 FROM feeds f JOIN subscriptions u ON u.feed_id = f.id AND u.user_id = ? WHERE f.icon_id = icons.id)`, id, userID).
		Scan(&icon.ID, &icon.Hash, &icon.ContentType, &icon.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("icon", id)
	}
	if err != nil {
		return nil, wrap("icon", err)
	}
	return icon, nil
}
