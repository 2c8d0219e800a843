package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// SetChoice saves one of the user's choices for "For you", replacing the
// one of the same kind and key. See digest.ForYouStore.
func (s *Store) SetChoice(ctx context.Context, userID int64, c *digest.Choice) error {
	if !c.Kind.Valid() {
		return digest.Errorf(digest.EINVALID, "unknown kind of choice %q", c.Kind)
	}
	key := strings.TrimSpace(clean(c.Key))
	if key == "" {
		return digest.Errorf(digest.EINVALID, "a choice needs what it is about")
	}
	if len(key) > digest.MaxChoiceKey {
		return digest.Errorf(digest.EINVALID, "a choice's key is at most %d bytes", digest.MaxChoiceKey)
	}
	if math.IsNaN(c.Value) || c.Value < -2 || c.Value > 2 {
		return digest.Errorf(digest.EINVALID, "a choice's value is from -2 to +2")
	}
	label := clean(c.Label)
	if len(label) > digest.MaxChoiceLabel {
		label = strings.ToValidUTF8(label[:digest.MaxChoiceLabel], "")
	}
	if c.Created.IsZero() {
		c.Created = s.now().UTC().Truncate(time.Microsecond)
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var exists, n int
		if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM foryou_choices WHERE user_id = ? AND kind = ? AND key = ?`,
			userID, string(c.Kind), key).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM foryou_choices WHERE user_id = ?`, userID).Scan(&n); err != nil {
				return err
			}
			if n >= digest.MaxChoices {
				return digest.Errorf(digest.EINVALID, "at most %d choices; remove some first", digest.MaxChoices)
			}
		}
		_, err := s.exec(ctx, tx, `INSERT INTO foryou_choices (user_id, kind, key, label, value, created) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id, kind, key) DO UPDATE SET label = excluded.label, value = excluded.value, created = excluded.created`,
			userID, string(c.Kind), key, label, c.Value, dbTime(c.Created))
		return err
	})
	if err != nil {
		return wrap("set choice", err)
	}
	c.Key, c.Label = key, label
	return nil
}

// DeleteChoice removes one of the user's choices. ENOTFOUND.
func (s *Store) DeleteChoice(ctx context.Context, userID int64, kind digest.ChoiceKind, key string) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM foryou_choices WHERE user_id = ? AND kind = ? AND key = ?`,
			userID, string(kind), strings.TrimSpace(clean(key)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return digest.Errorf(digest.ENOTFOUND, "no %s choice %q", kind, key)
		}
		return nil
	})
	return wrap("delete choice", err)
}

// Choices lists the user's choices, newest first.
func (s *Store) Choices(ctx context.Context, userID int64) ([]digest.Choice, error) {
	rows, err := s.query(ctx, `SELECT kind, key, label, value, created FROM foryou_choices WHERE user_id = ?
		ORDER BY created DESC, kind, key`, userID)
	if err != nil {
		return nil, wrap("choices", err)
	}
	defer rows.Close()
	out := []digest.Choice{}
	for rows.Next() {
		var c digest.Choice
		var kind string
		var created int64
		if err := rows.Scan(&kind, &c.Key, &c.Label, &c.Value, &created); err != nil {
			return nil, wrap("choices", err)
		}
		c.Kind, c.Created = digest.ChoiceKind(kind), goTime(created)
		out = append(out, c)
	}
	return out, wrap("choices", rows.Err())
}

// Learn adds signals to the user's learned counts, decayed to now. See
// digest.ForYouStore.
func (s *Store) Learn(ctx context.Context, userID int64, now time.Time, halfLife time.Duration, signals []digest.Signal) error {
	if halfLife <= 0 {
		return digest.Errorf(digest.EINVALID, "a half-life must be positive")
	}
	add := map[string]digest.Signal{}
	var keys []string
	for _, sg := range signals {
		k := clean(sg.Key)
		if k == "" || len(k) > digest.MaxChoiceKey {
			return digest.Errorf(digest.EINVALID, "a signal needs a key of 1 to %d bytes", digest.MaxChoiceKey)
		}
		if bad(sg.Clicks) || bad(sg.Shown) {
			return digest.Errorf(digest.EINVALID, "a signal's counts must be finite and not negative")
		}
		a, seen := add[k]
		if !seen {
			keys = append(keys, k)
		}
		a.Clicks += sg.Clicks
		a.Shown += sg.Shown
		add[k] = a
	}
	if len(keys) == 0 {
		return nil
	}
	nowUS := dbTime(now)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		old := map[string]digest.Signal{}
		for start := 0; start < len(keys); start += 400 {
			c := keys[start:min(len(keys), start+400)]
			args := []any{userID}
			for _, k := range c {
				args = append(args, k)
			}
			rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT key, clicks, shown, updated FROM foryou_signals WHERE user_id = ? AND key IN (`+
				strings.TrimSuffix(strings.Repeat("?, ", len(c)), ", ")+`)`), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var sg digest.Signal
				var upd int64
				if err := rows.Scan(&sg.Key, &sg.Clicks, &sg.Shown, &upd); err != nil {
					rows.Close()
					return err
				}
				sg.Updated = goTime(upd)
				old[sg.Key] = sg
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for _, k := range keys {
			a := add[k]
			if o, ok := old[k]; ok {
				f := Decay(now.Sub(o.Updated), halfLife)
				a.Clicks += o.Clicks * f
				a.Shown += o.Shown * f
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO foryou_signals (user_id, key, clicks, shown, updated) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (user_id, key) DO UPDATE SET clicks = excluded.clicks, shown = excluded.shown, updated = excluded.updated`,
				userID, k, a.Clicks, a.Shown, nowUS); err != nil {
				return err
			}
		}
		return s.trim(ctx, tx, "foryou_signals", "updated", "key", userID, digest.MaxSignals)
	})
	return wrap("learn", err)
}

// Decay is the weight left after age with the given half-life: 1 for an
// age <= 0.
func Decay(age, halfLife time.Duration) float64 {
	if age <= 0 {
		return 1
	}
	return math.Exp2(-float64(age) / float64(halfLife))
}

func bad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) || x < 0 }

// trim deletes the user's rows of table beyond the newest keep by the
// time column, ties broken by the key column.
func (s *Store) trim(ctx context.Context, tx *sql.Tx, table, timeCol, keyCol string, userID int64, keep int) error {
	var n int
	if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM `+table+` WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return err
	}
	if n <= keep {
		return nil
	}
	_, err := s.exec(ctx, tx, `DELETE FROM `+table+` WHERE user_id = ? AND `+keyCol+` IN (
		SELECT `+keyCol+` FROM `+table+` WHERE user_id = ? ORDER BY `+timeCol+`, `+keyCol+` LIMIT ?)`, userID, userID, n-keep)
	return err
}

// Signals lists the user's learned signals by key.
func (s *Store) Signals(ctx context.Context, userID int64) ([]digest.Signal, error) {
	rows, err := s.query(ctx, `SELECT key, clicks, shown, updated FROM foryou_signals WHERE user_id = ? ORDER BY key`, userID)
	if err != nil {
		return nil, wrap("signals", err)
	}
	defer rows.Close()
	out := []digest.Signal{}
	for rows.Next() {
		var sg digest.Signal
		var upd int64
		if err := rows.Scan(&sg.Key, &sg.Clicks, &sg.Shown, &upd); err != nil {
			return nil, wrap("signals", err)
		}
		sg.Updated = goTime(upd)
		out = append(out, sg)
	}
	return out, wrap("signals", rows.Err())
}

// RecordShown records stories shown on For you and returns the fresh
// impressions. See digest.ForYouStore.
func (s *Store) RecordShown(ctx context.Context, userID int64, storyIDs []int64, now time.Time, within time.Duration) ([]int64, error) {
	fresh := []int64{}
	if len(storyIDs) == 0 {
		return fresh, nil
	}
	nowUS, since := dbTime(now), dbTime(now.Add(-within))
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		seen := map[int64]bool{}
		for _, c := range s.chunks(storyIDs, 1) {
			in, args := inList(c)
			rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT story_id, shown FROM foryou_impressions WHERE user_id = ? AND story_id IN (`+in+`)`),
				append([]any{userID}, args...)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id, shown int64
				if err := rows.Scan(&id, &shown); err != nil {
					rows.Close()
					return err
				}
				if shown > since && shown <= nowUS {
					seen[id] = true
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for _, id := range storyIDs {
			if seen[id] {
				continue
			}
			seen[id] = true // a repeated ID counts once
			// A story deleted meanwhile (merged) is skipped, not an error.
			res, err := s.exec(ctx, tx, `INSERT INTO foryou_impressions (user_id, story_id, shown, opened)
				SELECT ?, id, ?, FALSE FROM stories WHERE id = ?
				ON CONFLICT (user_id, story_id) DO UPDATE SET shown = excluded.shown`, userID, nowUS, id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				fresh = append(fresh, id)
			}
		}
		return s.trim(ctx, tx, "foryou_impressions", "shown", "story_id", userID, digest.MaxImpressions)
	})
	if err != nil {
		return nil, wrap("record shown", err)
	}
	return fresh, nil
}

// OpenStory records that the user opened a story and reports whether it
// is the first time. ENOTFOUND for a story not stored.
func (s *Store) OpenStory(ctx context.Context, userID, storyID int64, now time.Time) (bool, error) {
	first := false
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var opened sql.NullBool
		err := s.txRow(ctx, tx, `SELECT opened FROM foryou_impressions WHERE user_id = ? AND story_id = ?`, userID, storyID).Scan(&opened)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res, err := s.exec(ctx, tx, `INSERT INTO foryou_impressions (user_id, story_id, shown, opened)
				SELECT ?, id, ?, TRUE FROM stories WHERE id = ?`, userID, dbTime(now), storyID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return notFound("story", storyID)
			}
			first = true
			return s.trim(ctx, tx, "foryou_impressions", "shown", "story_id", userID, digest.MaxImpressions)
		case err != nil:
			return err
		case opened.Bool:
			return nil
		}
		first = true
		_, err = s.exec(ctx, tx, `UPDATE foryou_impressions SET opened = TRUE WHERE user_id = ? AND story_id = ?`, userID, storyID)
		return err
	})
	if err != nil {
		return false, wrap("open story", err)
	}
	return first, nil
}

// StoryFeeds returns the user's feeds that carry each story's articles.
func (s *Store) StoryFeeds(ctx context.Context, userID int64, storyIDs []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	for _, c := range s.chunks(storyIDs, 1) {
		in, args := inList(c)
		// The story's articles (index articles_story), their sources
		// (sources_article), each looked up in the user's subscriptions
		// (its primary key): a feed the user follows carries an article
		// they see.
		rows, err := s.query(ctx, `SELECT DISTINCT a.story_id, src.feed_id FROM articles a CROSS JOIN sources src CROSS JOIN subscriptions sub
			WHERE a.story_id IN (`+in+`) AND src.article_id = a.id AND sub.user_id = ? AND sub.feed_id = src.feed_id
			ORDER BY a.story_id, src.feed_id`, append(args, userID)...)
		if err != nil {
			return nil, wrap("story feeds", err)
		}
		for rows.Next() {
			var sid, fid int64
			if err := rows.Scan(&sid, &fid); err != nil {
				rows.Close()
				return nil, wrap("story feeds", err)
			}
			out[sid] = append(out[sid], fid)
		}
		if err := rows.Close(); err != nil {
			return nil, wrap("story feeds", err)
		}
		if err := rows.Err(); err != nil {
			return nil, wrap("story feeds", err)
		}
	}
	return out, nil
}

// ForYouStories lists For you's candidates for the user. See
// digest.ForYouStore.
func (s *Store) ForYouStories(ctx context.Context, userID int64, q digest.ForYouQuery) ([]digest.ForYouStory, error) {
	important, recent := max(q.Important, 0), max(q.Recent, 0)
	args := []any{userID, userID, important, userID, userID, recent}
	// Each half walks its own index (stories_rank, stories_last_seen) and
	// stops at its limit; a story the user dismissed is skipped, not
	// counted.
	query := `SELECT ` + storyCols + ` FROM stories st WHERE st.id IN (
		SELECT id FROM (SELECT st.id FROM stories st WHERE ` + userSees + ` AND ` + notDismissed + `
			ORDER BY st.importance DESC, st.last_seen DESC, st.id DESC LIMIT ?) AS important
		UNION
		SELECT id FROM (SELECT st.id FROM stories st WHERE ` + userSees + ` AND ` + notDismissed + `
			ORDER BY st.last_seen DESC, st.id DESC LIMIT ?) AS recent`
	var followed []string
	if q.Followed > 0 && len(q.Feeds) > 0 {
		feeds := q.Feeds[:min(len(q.Feeds), 200)]
		in, fargs := inList(feeds)
		followed = append(followed, `st.id IN (SELECT fa.story_id FROM sources fs CROSS JOIN articles fa
			WHERE fs.feed_id IN (`+in+`) AND fa.id = fs.article_id AND fa.story_id IS NOT NULL)`)
		args = append(args, fargs...)
	}
	if q.Followed > 0 && len(q.Entities) > 0 {
		var ors []string
		for _, e := range q.Entities[:min(len(q.Entities), 200)] {
			ors = append(ors, `(fe.kind = ? AND fe.name = ?)`)
			args = append(args, string(e.Kind), e.Name)
		}
		// The entities first, by their (kind, name) key, then their
		// stories (story_entities_recent): not every story's entities.
		followed = append(followed, `st.id IN (SELECT se.story_id FROM entities fe CROSS JOIN story_entities se
			WHERE (`+strings.Join(ors, " OR ")+`) AND se.entity_id = fe.id)`)
	}
	if len(followed) > 0 {
		query += `
		UNION
		SELECT id FROM (SELECT st.id FROM stories st WHERE (` + strings.Join(followed, " OR ") + `) AND ` + userSees + ` AND ` + notDismissed + `
			ORDER BY st.last_seen DESC, st.id DESC LIMIT ?) AS followed`
		args = append(args, userID, userID, q.Followed)
	}
	query += `)
		ORDER BY st.importance DESC, st.last_seen DESC, st.id DESC`
	const op = "for you stories"
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	list := []digest.Story{}
	for rows.Next() {
		var st digest.Story
		if err := scanStory(rows, &st); err != nil {
			return nil, wrap(op, err)
		}
		list = append(list, st)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	rows.Close()
	out := make([]digest.ForYouStory, len(list))
	for i := range list {
		out[i].Story = list[i]
	}
	// The entities and the articles at once, each on its own connection
	// (the page waits for both).
	var errEnt error
	done := make(chan struct{})
	go func() {
		defer close(done)
		errEnt = s.fillEntities(ctx, list)
	}()
	err = s.fillForYou(ctx, userID, out)
	<-done
	if err = errors.Join(err, errEnt); err != nil {
		return nil, wrap(op, err)
	}
	for i := range list {
		out[i].Entities = list[i].Entities
	}
	return out, nil
}

// fillForYou sets the article IDs, feeds and verdicts of For you's
// stories in one query: the articles of each (index articles_story),
// their sources (sources_article) that the user subscribes to
// (subscriptions' key), and the user's verdict of each (rule_verdicts'
// key). The user sees an article exactly when they subscribe to a feed
// that carries it (their article_states row is written and deleted with
// the subscription, see DeleteFeed): the subscription stands for the
// state row, whose seek in the large states index cost a third of the
// query (2.5 of 7 ms CPU for 1,440 articles at 200,000).
func (s *Store) fillForYou(ctx context.Context, userID int64, list []digest.ForYouStory) error {
	index := make(map[int64]int, len(list))
	ids := make([]int64, len(list))
	for i := range list {
		index[list[i].ID] = i
		ids[i] = list[i].ID
	}
	feeds := make([]map[int64]bool, len(list))
	for _, c := range s.chunks(ids, 2) {
		in, args := inList(c)
		// An article is hidden exactly when its verdict is (the two are
		// written together, see judgeTx). CROSS JOIN keeps SQLite
		// walking from the stories' articles.
		rows, err := s.query(ctx, `SELECT a.story_id, a.id, sub.feed_id, v.hidden, v.weight, v.reasons
			FROM articles a CROSS JOIN sources src CROSS JOIN subscriptions sub
			LEFT JOIN rule_verdicts v ON v.user_id = sub.user_id AND v.article_id = a.id
			WHERE sub.user_id = ? AND a.story_id IN (`+in+`) AND src.article_id = a.id AND sub.feed_id = src.feed_id
			ORDER BY a.story_id, a.published, a.id`, append([]any{userID}, args...)...)
		if err != nil {
			return err
		}
		var lastArticle int64
		for rows.Next() {
			var sid, aid int64
			var fid sql.NullInt64
			var hidden sql.NullBool
			var weight sql.NullFloat64
			var reasons sql.NullString
			if err := rows.Scan(&sid, &aid, &fid, &hidden, &weight, &reasons); err != nil {
				rows.Close()
				return err
			}
			if hidden.Bool {
				continue
			}
			k := index[sid]
			st := &list[k]
			if aid != lastArticle {
				lastArticle = aid
				st.ArticleIDs = append(st.ArticleIDs, aid)
				if reasons.String != "" || weight.Float64 != 0 {
					v := digest.Verdict{ArticleID: aid, Weight: weight.Float64}
					if reasons.String != "" {
						if err := json.Unmarshal([]byte(reasons.String), &v.Reasons); err != nil {
							rows.Close()
							return err
						}
					}
					if st.Verdicts == nil {
						st.Verdicts = map[int64]digest.Verdict{}
					}
					st.Verdicts[aid] = v
				}
			}
			if fid.Valid {
				if feeds[k] == nil {
					feeds[k] = map[int64]bool{}
				}
				feeds[k][fid.Int64] = true
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for k := range list {
		for fid := range feeds[k] {
			list[k].Feeds = append(list[k].Feeds, fid)
		}
		slices.Sort(list[k].Feeds)
	}
	return nil
}

// FeedRates counts the feeds' articles published since a time (index
// sources_feed_published).
func (s *Store) FeedRates(ctx context.Context, feedIDs []int64, since time.Time) (map[int64]int, error) {
	out := map[int64]int{}
	for _, c := range s.chunks(feedIDs, 1) {
		in, args := inList(c)
		rows, err := s.query(ctx, `SELECT feed_id, COUNT(*) FROM sources WHERE feed_id IN (`+in+`) AND article_published >= ?
			GROUP BY feed_id`, append(args, dbTime(since))...)
		if err != nil {
			return nil, wrap("feed rates", err)
		}
		for rows.Next() {
			var fid int64
			var n int
			if err := rows.Scan(&fid, &n); err != nil {
				rows.Close()
				return nil, wrap("feed rates", err)
			}
			out[fid] = n
		}
		if err := rows.Close(); err != nil {
			return nil, wrap("feed rates", err)
		}
		if err := rows.Err(); err != nil {
			return nil, wrap("feed rates", err)
		}
	}
	return out, nil
}
