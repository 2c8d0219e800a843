package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	digest "github.com/occasional-digest/digest"
)

const storyCols = `st.id, st.headline, st.summary, st.short, st.follows, st.first_seen, st.last_seen, st.importance, st.outlets`

func scanStory(r scanner, s *digest.Story) error {
	var first, last int64
	if err := r.Scan(&s.ID, &s.Headline, &s.Summary, &s.Short, &s.Follows, &first, &last, &s.Importance, &s.Outlets); err != nil {
		return err
	}
	s.FirstSeen, s.LastSeen = goTime(first), goTime(last)
	return nil
}

// SaveStory creates a story (ID 0, setting st.ID) or replaces one: its
// fields, its entities (with their counts) and its articles: the articles
// of st.ArticleIDs join it and any other article leaves it. Article IDs that
// no longer exist are ignored. ENOTFOUND when replacing a missing story;
// EINVALID for an entity with an empty name or unknown kind.
func (s *Store) SaveStory(ctx context.Context, st *digest.Story) error {
	if err := checkStory(st); err != nil {
		return err
	}
	var id int64
	err := s.writeTx(ctx, func(tx *sql.Tx) (err error) {
		id, err = s.saveStoryTx(ctx, tx, st)
		return err
	})
	if err != nil {
		return wrap("save story", err)
	}
	st.ID = id
	return nil
}

// checkStory refuses what SaveStory refuses before it writes.
func checkStory(st *digest.Story) error {
	for _, e := range st.Entities {
		switch e.Kind {
		case digest.Person, digest.Organization, digest.Place, digest.Misc:
		default:
			return digest.Errorf(digest.EINVALID, "entity %q has unknown kind %q", e.Name, e.Kind)
		}
		if strings.TrimSpace(clean(e.Name)) == "" {
			return digest.Errorf(digest.EINVALID, "entity with empty name")
		}
	}
	return nil
}

// saveStoryTx is SaveStory within tx; it returns the story's ID (new when
// st.ID is 0) and leaves st as it was.
func (s *Store) saveStoryTx(ctx context.Context, tx *sql.Tx, st *digest.Story) (int64, error) {
	id := st.ID
	fields := []any{clean(st.Headline), clean(st.Summary), clean(st.Short), max(st.Follows, 0), dbTime(st.FirstSeen), dbTime(st.LastSeen), st.Importance, st.Outlets}
	if id == 0 {
		if err := s.txRow(ctx, tx, `INSERT INTO stories (headline, summary, short, follows, first_seen, last_seen, importance, outlets)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, fields...).Scan(&id); err != nil {
			return 0, err
		}
	} else {
		res, err := s.exec(ctx, tx, `UPDATE stories SET headline = ?, summary = ?, short = ?, follows = ?, first_seen = ?, last_seen = ?,
			importance = ?, outlets = ? WHERE id = ?`, append(fields, id)...)
		if err != nil {
			return 0, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, err
		} else if n == 0 {
			return 0, notFound("story", id)
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM story_entities WHERE story_id = ?`, id); err != nil {
			return 0, err
		}
		if _, err := s.exec(ctx, tx, `UPDATE articles SET story_id = NULL WHERE story_id = ?`, id); err != nil {
			return 0, err
		}
	}
	counts := map[int64]int{}
	var order []int64
	for _, e := range st.Entities {
		eid, err := s.insertEntity(ctx, tx, e.Kind, strings.TrimSpace(clean(e.Name)))
		if err != nil {
			return 0, err
		}
		if _, seen := counts[eid]; !seen {
			order = append(order, eid)
		}
		counts[eid] += e.Count // the same entity twice: counts add up
	}
	for _, eid := range order {
		if _, err := s.exec(ctx, tx, `INSERT INTO story_entities (story_id, entity_id, count, last_seen) VALUES (?, ?, ?, ?)`,
			id, eid, counts[eid], dbTime(st.LastSeen)); err != nil {
			return 0, err
		}
	}
	for _, c := range s.chunks(st.ArticleIDs, 1) {
		in, args := inList(c)
		if _, err := s.exec(ctx, tx, `UPDATE articles SET story_id = ? WHERE id IN (`+in+`)`, append([]any{id}, args...)...); err != nil {
			return 0, err
		}
	}
	// The story's entities are what entity: conditions look at.
	return id, s.applyEntityRulesTx(ctx, tx, st.ArticleIDs)
}

// DeleteStory removes a story; its articles are left with no story.
// ENOTFOUND.
func (s *Store) DeleteStory(ctx context.Context, id int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM stories WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("story", id)
		}
		return nil
	})
	return wrap("delete story", err)
}

// StoredStory returns one story with its entities (most mentioned first)
// and every article ID (oldest published first). ENOTFOUND.
func (s *Store) StoredStory(ctx context.Context, id int64) (*digest.Story, error) {
	var st digest.Story
	err := scanStory(s.queryRow(ctx, `SELECT `+storyCols+` FROM stories st WHERE st.id = ?`, id), &st)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("story", id)
	}
	if err != nil {
		return nil, wrap("story", err)
	}
	list := []digest.Story{st}
	if err := s.fillStories(ctx, 0, list); err != nil {
		return nil, wrap("story", err)
	}
	return &list[0], nil
}

// userSees is true for a story st of which the user sees an article.
// CROSS JOIN keeps SQLite walking the story's articles (index
// articles_story) and looking each up in the user's states, not the other
// way round: 60 stories of a front page at 200,000 articles took 4 s.
const userSees = `EXISTS (SELECT 1 FROM articles sa CROSS JOIN article_states sst
	WHERE sa.story_id = st.id AND sst.user_id = ? AND sst.article_id = sa.id AND NOT sst.hidden)`

// Story returns one story of which the user sees an article, with its
// entities (most mentioned first) and the IDs of the articles the user
// sees (oldest published first). ENOTFOUND.
func (s *Store) Story(ctx context.Context, userID, id int64) (*digest.Story, error) {
	var st digest.Story
	err := scanStory(s.queryRow(ctx, `SELECT `+storyCols+` FROM stories st WHERE st.id = ? AND `+userSees, id, userID), &st)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("story", id)
	}
	if err != nil {
		return nil, wrap("story", err)
	}
	list := []digest.Story{st}
	if err := s.fillStories(ctx, userID, list); err != nil {
		return nil, wrap("story", err)
	}
	return &list[0], nil
}

// Stories lists the stories the user sees and has not dismissed by
// descending importance, then last seen, with their entities and the article IDs the user sees. A
// limit <= 0 means 50.
func (s *Store) Stories(ctx context.Context, userID int64, limit, offset int) ([]digest.Story, error) {
	if limit <= 0 {
		limit = 50
	}
	offset = max(offset, 0)
	return s.listStories(ctx, "stories", userID, `SELECT `+storyCols+` FROM stories st WHERE `+userSees+` AND `+notDismissed+`
		ORDER BY st.importance DESC, st.last_seen DESC, st.id DESC LIMIT ? OFFSET ?`, userID, userID, limit, offset)
}

// listStories reads the stories of q and fills them for the user (0:
// every article).
func (s *Store) listStories(ctx context.Context, op string, userID int64, q string, args ...any) ([]digest.Story, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []digest.Story{}
	for rows.Next() {
		var st digest.Story
		if err := scanStory(rows, &st); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	rows.Close()
	if err := s.fillStories(ctx, userID, out); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// fillStories sets the entities and article IDs of stories: the IDs of
// the articles the user sees, or of all for userID 0.
func (s *Store) fillStories(ctx context.Context, userID int64, list []digest.Story) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[int64]int, len(list))
	ids := make([]int64, len(list))
	for i := range list {
		index[list[i].ID] = i
		ids[i] = list[i].ID
	}
	if err := s.fillEntities(ctx, list); err != nil {
		return err
	}
	for _, c := range s.chunks(ids, 1) {
		in, args := inList(c)
		q := `SELECT story_id, id FROM articles WHERE story_id IN (` + in + `) ORDER BY story_id, published, id`
		if userID != 0 {
			q = `SELECT a.story_id, a.id FROM articles a CROSS JOIN article_states st
				WHERE st.user_id = ? AND a.story_id IN (` + in + `) AND st.article_id = a.id AND NOT st.hidden ORDER BY a.story_id, a.published, a.id`
			args = append([]any{userID}, args...)
		}
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sid, aid int64
			if err := rows.Scan(&sid, &aid); err != nil {
				rows.Close()
				return err
			}
			st := &list[index[sid]]
			st.ArticleIDs = append(st.ArticleIDs, aid)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// fillEntities sets the entities of stories, the most mentioned first.
func (s *Store) fillEntities(ctx context.Context, list []digest.Story) error {
	index := make(map[int64]int, len(list))
	ids := make([]int64, len(list))
	for i := range list {
		index[list[i].ID] = i
		ids[i] = list[i].ID
	}
	for _, c := range s.chunks(ids, 0) {
		in, args := inList(c)
		rows, err := s.query(ctx, `SELECT se.story_id, e.id, e.name, e.kind, se.count
			FROM story_entities se JOIN entities e ON e.id = se.entity_id
			WHERE se.story_id IN (`+in+`) ORDER BY se.story_id, se.count DESC, e.name, e.kind`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sid int64
			var e digest.Entity
			var kind string
			if err := rows.Scan(&sid, &e.ID, &e.Name, &kind, &e.Count); err != nil {
				rows.Close()
				return err
			}
			e.Kind = digest.EntityKind(kind)
			st := &list[index[sid]]
			st.Entities = append(st.Entities, e)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
