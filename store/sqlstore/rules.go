package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rules"
)

// Verdicts are computed when articles arrive and stored, not computed
// when lists are read: a list is a walk of an index that stops after a
// page, counts and unread counters are SQL, and RE2 is not in either
// database; judging at read time would mean reading and matching every
// article a walk passes (1,000 rules cost about 0.3-0.5 ms an article:
// a feed page of a user hiding most of a feed would match thousands).
// Stored, a list pays one flag on the state row it reads anyway, and
// only for users who hide something (see hidesAny).

const ruleCols = `id, name, expr, action, weight, feed_id, category_id, enabled, created, updated`

func scanRule(r scanner, x *digest.Rule) error {
	var action string
	var created, updated int64
	if err := r.Scan(&x.ID, &x.Name, &x.Match, &action, &x.Weight, &x.FeedID, &x.CategoryID, &x.Enabled, &created, &updated); err != nil {
		return err
	}
	x.Action = digest.RuleAction(action)
	x.Created, x.Updated = goTime(created), goTime(updated)
	return nil
}

// checkRule validates r for the user: the rules package's checks, and a
// scope among the user's feeds or categories.
func (s *Store) checkRule(ctx context.Context, q rowQuerier, userID int64, r *digest.Rule) (*rules.Expr, error) {
	if userID == 0 {
		return nil, digest.Errorf(digest.EINVALID, "rules: no user")
	}
	r.Name, r.Match = clean(r.Name), clean(r.Match)
	e, err := rules.Validate(r)
	if err != nil {
		return nil, err
	}
	rules.Normalize(r)
	var n int
	switch {
	case r.FeedID != 0:
		err = s.qRow(ctx, q, `SELECT COUNT(*) FROM subscriptions WHERE user_id = ? AND feed_id = ?`, userID, r.FeedID).Scan(&n)
	case r.CategoryID != 0:
		err = s.qRow(ctx, q, `SELECT COUNT(*) FROM categories WHERE user_id = ? AND id = ?`, userID, r.CategoryID).Scan(&n)
	default:
		n = 1
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, digest.Errorf(digest.EINVALID, "the rule's scope is not one of your feeds or categories")
	}
	return e, nil
}

// CreateRule stores a rule of the user's (see digest.RuleStore).
func (s *Store) CreateRule(ctx context.Context, userID int64, r *digest.Rule) error {
	now := s.now().UTC()
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.checkRule(ctx, tx, userID, r); err != nil {
			return err
		}
		var n int
		if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM rules WHERE user_id = ?`, userID).Scan(&n); err != nil {
			return err
		}
		if n >= rules.MaxRules {
			return digest.Errorf(digest.EINVALID, "you have %d rules, the most there may be", n)
		}
		if err := s.txRow(ctx, tx, `INSERT INTO rules (user_id, name, expr, action, weight, feed_id, category_id, enabled, created, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			userID, r.Name, r.Match, string(r.Action), r.Weight, r.FeedID, r.CategoryID, r.Enabled, dbTime(now), dbTime(now)).Scan(&r.ID); err != nil {
			return err
		}
		return s.queueRuleJobTx(ctx, tx, userID)
	})
	if err != nil {
		return wrap("create rule", err)
	}
	r.Created, r.Updated = now.Truncate(time.Microsecond), now.Truncate(time.Microsecond)
	return nil
}

// Rule returns one of the user's rules. ENOTFOUND.
func (s *Store) Rule(ctx context.Context, userID, id int64) (*digest.Rule, error) {
	var r digest.Rule
	err := scanRule(s.queryRow(ctx, `SELECT `+ruleCols+` FROM rules WHERE user_id = ? AND id = ?`, userID, id), &r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("rule", id)
	}
	if err != nil {
		return nil, wrap("rule", err)
	}
	return &r, nil
}

// Rules lists the user's rules by name, then ID.
func (s *Store) Rules(ctx context.Context, userID int64) ([]digest.Rule, error) {
	rs, err := s.loadRules(ctx, s.reader(ctx), userID, false)
	return rs, wrap("rules", err)
}

func (s *Store) loadRules(ctx context.Context, q querier, userID int64, enabledOnly bool) ([]digest.Rule, error) {
	where := ""
	if enabledOnly {
		where = " AND enabled"
	}
	rows, err := q.QueryContext(ctx, s.d.rebind(`SELECT `+ruleCols+` FROM rules WHERE user_id = ?`+where+` ORDER BY name, id`), userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []digest.Rule{}
	for rows.Next() {
		var r digest.Rule
		if err := scanRule(rows, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpdateRule saves one of the user's rules. ENOTFOUND, EINVALID.
func (s *Store) UpdateRule(ctx context.Context, userID int64, r *digest.Rule) error {
	now := s.now().UTC()
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.checkRule(ctx, tx, userID, r); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, `UPDATE rules SET name = ?, expr = ?, action = ?, weight = ?, feed_id = ?, category_id = ?,
			enabled = ?, updated = ? WHERE user_id = ? AND id = ?`,
			r.Name, r.Match, string(r.Action), r.Weight, r.FeedID, r.CategoryID, r.Enabled, dbTime(now), userID, r.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("rule", r.ID)
		}
		return s.queueRuleJobTx(ctx, tx, userID)
	})
	if err != nil {
		return wrap("update rule", err)
	}
	r.Updated = now.Truncate(time.Microsecond)
	return nil
}

// DeleteRule removes one of the user's rules. ENOTFOUND.
func (s *Store) DeleteRule(ctx context.Context, userID, id int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, `DELETE FROM rules WHERE user_id = ? AND id = ?`, userID, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("rule", id)
		}
		return s.queueRuleJobTx(ctx, tx, userID)
	})
	return wrap("delete rule", err)
}

// rowQuerier is a *sql.Tx or a *sql.DB.
type rowQuerier interface {
	querier
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) qRow(ctx context.Context, q rowQuerier, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, s.d.rebind(query), args...)
}

// ruleChunk is how many articles are judged in one statement and, by
// ApplyRules, one transaction.
const ruleChunk = 400

// ruleArticles reads what rules look at in the given articles as the user
// sees them (articles the user does not see are left out): text only when
// withText, entities only when withEntities.
func (s *Store) ruleArticles(ctx context.Context, q querier, userID int64, ids []int64, withText, withEntities bool) ([]rules.Article, error) {
	var out []rules.Article
	index := map[int64]int{}
	textCol := `''`
	if withText {
		// Characters, not bytes: the rules package cuts to bytes.
		textCol = `substr(CASE WHEN a.text <> '' THEN a.text ELSE a.summary END, 1, ` + itoa(rules.MaxText) + `)`
	}
	for _, c := range s.chunks(ids, 1) {
		in, args := inList(c)
		uargs := append([]any{userID}, args...)
		rows, err := q.QueryContext(ctx, s.d.rebind(`SELECT a.id, a.title, a.author, COALESCE(a.url, ''), `+textCol+`, a.published
			FROM article_states st CROSS JOIN articles a
			WHERE st.user_id = ? AND st.article_id IN (`+in+`) AND a.id = st.article_id`), uargs...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var a rules.Article
			var published int64
			if err := rows.Scan(&a.ID, &a.Title, &a.Author, &a.URL, &a.Text, &published); err != nil {
				rows.Close()
				return nil, err
			}
			a.Published = goTime(published)
			index[a.ID] = len(out)
			out = append(out, a)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		rows, err = q.QueryContext(ctx, s.d.rebind(`SELECT s.article_id, s.feed_id, COALESCE(c.id, 0)
			FROM sources s JOIN subscriptions u ON u.feed_id = s.feed_id AND u.user_id = ?
			LEFT JOIN categories c ON c.user_id = u.user_id AND c.title = u.category
			WHERE s.article_id IN (`+in+`)`), uargs...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, feed, cat int64
			if err := rows.Scan(&id, &feed, &cat); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := index[id]; ok {
				a := &out[i]
				if !slices.Contains(a.Feeds, feed) {
					a.Feeds = append(a.Feeds, feed)
				}
				if cat != 0 && !slices.Contains(a.Categories, cat) {
					a.Categories = append(a.Categories, cat)
				}
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if !withEntities {
			continue
		}
		rows, err = q.QueryContext(ctx, s.d.rebind(`SELECT a.id, e.name FROM articles a
			JOIN story_entities se ON se.story_id = a.story_id JOIN entities e ON e.id = se.entity_id
			WHERE a.id IN (`+in+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := index[id]; ok {
				out[i].Entities = append(out[i].Entities, name)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// storedVerdict is a rule_verdicts row.
type storedVerdict struct {
	hidden  bool
	weight  float64
	reasons string
	recheck int64
}

// judgeTx judges the given articles (that the user sees) with set and
// stores what changed: verdict rows, the hidden flags of the user's
// states and, where a flag flipped, the user's unread counters. It
// returns how many verdicts changed.
func (s *Store) judgeTx(ctx context.Context, tx *sql.Tx, userID int64, set *rules.Set, ids []int64, now time.Time) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	as, err := s.ruleArticles(ctx, tx, userID, ids, set.NeedsText(), set.NeedsEntities())
	if err != nil {
		return 0, err
	}
	old := map[int64]storedVerdict{}
	for _, c := range s.chunks(ids, 1) {
		in, args := inList(c)
		rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT article_id, hidden, weight, reasons, recheck FROM rule_verdicts
			WHERE user_id = ? AND article_id IN (`+in+`)`), append([]any{userID}, args...)...)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var id int64
			var v storedVerdict
			if err := rows.Scan(&id, &v.hidden, &v.weight, &v.reasons, &v.recheck); err != nil {
				rows.Close()
				return 0, err
			}
			old[id] = v
		}
		if err := rows.Close(); err != nil {
			return 0, err
		}
	}
	changed, flipped := 0, false
	var feeds []int64
	for i := range as {
		a := &as[i]
		v, recheck := set.Judge(a, now)
		nv := storedVerdict{hidden: v.Hidden, weight: v.Weight, recheck: dbTime(recheck)}
		if len(v.Reasons) > 0 {
			b, err := json.Marshal(v.Reasons)
			if err != nil {
				return 0, err
			}
			nv.reasons = clean(string(b))
		}
		ov, had := old[a.ID]
		if had && ov == nv || !had && v.Neutral() && nv.recheck == 0 {
			continue
		}
		changed++
		if v.Neutral() && nv.recheck == 0 {
			if _, err := s.exec(ctx, tx, `DELETE FROM rule_verdicts WHERE user_id = ? AND article_id = ?`, userID, a.ID); err != nil {
				return 0, err
			}
		} else if _, err := s.exec(ctx, tx, `INSERT INTO rule_verdicts (user_id, article_id, hidden, weight, reasons, recheck)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, article_id) DO UPDATE SET
			hidden = excluded.hidden, weight = excluded.weight, reasons = excluded.reasons, recheck = excluded.recheck`,
			userID, a.ID, nv.hidden, nv.weight, nv.reasons, nv.recheck); err != nil {
			return 0, err
		}
		if ov.hidden != nv.hidden {
			if _, err := s.exec(ctx, tx, `UPDATE article_states SET hidden = ? WHERE user_id = ? AND article_id = ?`,
				nv.hidden, userID, a.ID); err != nil {
				return 0, err
			}
			flipped = true
			for _, f := range a.Feeds {
				if !slices.Contains(feeds, f) {
					feeds = append(feeds, f)
				}
			}
		}
	}
	if flipped {
		if err := s.hiddenChangedTx(ctx, tx, userID); err != nil {
			return 0, err
		}
	}
	return changed, s.recountUser(ctx, tx, userID, feeds)
}

// recountUser recounts the user's unread counters of the given feeds.
func (s *Store) recountUser(ctx context.Context, tx *sql.Tx, userID int64, feeds []int64) error {
	for _, c := range s.chunks(feeds, 1) {
		in, args := inList(c)
		if _, err := s.exec(ctx, tx, recountUnread+` WHERE user_id = ? AND feed_id IN (`+in+`)`, append([]any{userID}, args...)...); err != nil {
			return err
		}
	}
	return nil
}

// ruleSet compiles the user's enabled rules.
func (s *Store) ruleSet(ctx context.Context, q querier, userID int64) (*rules.Set, error) {
	rs, err := s.loadRules(ctx, q, userID, true)
	if err != nil {
		return nil, err
	}
	return rules.Compile(rs)
}

// applyRulesTx gives the articles ids the verdicts of every user who sees
// them and has enabled rules (or verdicts to undo): what SaveFetches,
// UpdateArticle, SaveStory and MergeArticles call in their transactions.
func (s *Store) applyRulesTx(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return s.applySomeRulesTx(ctx, tx, ids, "")
}

// applyEntityRulesTx is applyRulesTx for the users with a rule on
// entities (SaveStory: nothing else of the articles changed).
func (s *Store) applyEntityRulesTx(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return s.applySomeRulesTx(ctx, tx, ids, ` AND lower(expr) LIKE '%entity:%'`)
}

// applySomeRulesTx is applyRulesTx for the users with an enabled rule
// that also meets the condition only (on the rules table, "" for none).
func (s *Store) applySomeRulesTx(ctx context.Context, tx *sql.Tx, ids []int64, only string) error {
	if len(ids) == 0 {
		return nil
	}
	// The users with rules first (few), then which of them see the
	// articles, by the primary key of their states: asked the other way
	// round, SQLite walked every state row (1 s a batch at 20,000).
	rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT DISTINCT user_id FROM rules WHERE enabled`+only))
	if err != nil {
		return err
	}
	withRules, err := scanIDs(rows)
	if err != nil {
		return err
	}
	users := map[int64]bool{}
	for _, u := range withRules {
		for _, c := range s.chunks(ids, 1) {
			in, args := inList(c)
			var n int
			if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM (SELECT 1 FROM article_states WHERE user_id = ? AND article_id IN (`+in+`) LIMIT 1) x`,
				append([]any{u}, args...)...).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				users[u] = true
				break
			}
		}
	}
	now := s.now()
	for _, u := range slices.Sorted(mapKeys(users)) {
		set, err := s.ruleSet(ctx, tx, u)
		if err != nil {
			return err
		}
		if _, err := s.judgeTx(ctx, tx, u, set, ids, now); err != nil {
			return err
		}
	}
	return nil
}

func mapKeys(m map[int64]bool) func(func(int64) bool) {
	return func(yield func(int64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// recheckMax bounds the verdicts rechecked by one SaveFetches.
const recheckMax = 500

// recheckRulesTx judges again the articles whose verdict was due to
// change by itself (an older: condition): SaveFetches calls it, so that
// ingestion, which saves a batch every few seconds to minutes, is the
// clock of age rules.
func (s *Store) recheckRulesTx(ctx context.Context, tx *sql.Tx) error {
	now := s.now()
	rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT user_id, article_id FROM rule_verdicts
		WHERE recheck > 0 AND recheck <= ? ORDER BY recheck LIMIT ?`), dbTime(now), recheckMax)
	if err != nil {
		return err
	}
	due := map[int64][]int64{}
	for rows.Next() {
		var u, id int64
		if err := rows.Scan(&u, &id); err != nil {
			rows.Close()
			return err
		}
		due[u] = append(due[u], id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, u := range slices.Sorted(func(yield func(int64) bool) {
		for k := range due {
			if !yield(k) {
				return
			}
		}
	}) {
		set, err := s.ruleSet(ctx, tx, u)
		if err != nil {
			return err
		}
		if _, err := s.judgeTx(ctx, tx, u, set, due[u], now); err != nil {
			return err
		}
	}
	return nil
}

// rulesAfterSave is what SaveFetches runs before it commits.
func (s *Store) rulesAfterSave(ctx context.Context, tx *sql.Tx, out []digest.SaveResult) error {
	var ids []int64
	for _, r := range out {
		ids = append(ids, r.Created...)
		ids = append(ids, r.Updated...)
		ids = append(ids, r.Linked...)
	}
	if err := s.applyRulesTx(ctx, tx, ids); err != nil {
		return err
	}
	return s.recheckRulesTx(ctx, tx)
}

// applyRulesFeedTx judges the articles of a feed the user just
// subscribed to (CreateFeed).
func (s *Store) applyRulesFeedTx(ctx context.Context, tx *sql.Tx, userID, feedID int64) error {
	var n int
	if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM (SELECT 1 FROM rules WHERE user_id = ? AND enabled LIMIT 1) r`, userID).Scan(&n); err != nil || n == 0 {
		return err
	}
	set, err := s.ruleSet(ctx, tx, userID)
	if err != nil {
		return err
	}
	for after := int64(0); ; {
		rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT DISTINCT article_id FROM sources WHERE feed_id = ? AND article_id > ?
			ORDER BY article_id LIMIT ?`), feedID, after, ruleChunk)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := s.judgeTx(ctx, tx, userID, set, ids, s.now()); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}

// userArticleIDs lists up to ruleChunk of the user's article IDs above
// after, in ID order.
func (s *Store) userArticleIDs(ctx context.Context, q querier, userID, after int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, s.d.rebind(`SELECT article_id FROM article_states WHERE user_id = ? AND article_id > ?
		ORDER BY article_id LIMIT ?`), userID, after, ruleChunk)
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// ApplyRules re-applies the user's enabled rules to every article the
// user sees and returns how many verdicts changed: it queues the user's
// job afresh and runs it to its end here, ruleChunk articles a
// transaction (ingestion is not held up for the whole run). A user with
// no enabled rule has every verdict removed at once.
func (s *Store) ApplyRules(ctx context.Context, userID int64) (int, error) {
	if err := s.QueueRuleJob(ctx, userID); err != nil {
		return 0, wrap("apply rules", err)
	}
	total := 0
	for {
		done, n, err := s.runRuleJob(ctx, userID)
		if err != nil && !errors.Is(err, errRuleJobMoved) {
			return total, wrap("apply rules", err)
		}
		total += n
		if done {
			return total, nil
		}
	}
}

// PreviewRule reports what r would catch among the user's stored
// articles, hidden or not, with up to limit (<= 0: 20; at most 100) of
// the newest matches.
func (s *Store) PreviewRule(ctx context.Context, userID int64, r *digest.Rule, limit int) (*digest.RulePreview, error) {
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 100)
	rc := *r
	e, err := s.checkRule(ctx, s.reader(ctx), userID, &rc)
	if err != nil {
		return nil, wrap("preview rule", err)
	}
	p := &digest.RulePreview{}
	type hit struct {
		id        int64
		published time.Time
	}
	var hits []hit
	now := s.now()
	for after := int64(0); ; {
		ids, err := s.userArticleIDs(ctx, s.reader(ctx), userID, after)
		if err != nil {
			return nil, wrap("preview rule", err)
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		as, err := s.ruleArticles(ctx, s.reader(ctx), userID, ids, e.NeedsText(), e.NeedsEntities())
		if err != nil {
			return nil, wrap("preview rule", err)
		}
		for i := range as {
			scoped, matched := rules.Matches(&rc, e, &as[i], now)
			if scoped {
				p.Scoped++
			}
			if matched {
				p.Matched++
				hits = append(hits, hit{as[i].ID, as[i].Published})
			}
		}
		if len(hits) > 4*limit {
			hits = newest(hits, limit, func(h hit) (time.Time, int64) { return h.published, h.id })
		}
	}
	hits = newest(hits, limit, func(h hit) (time.Time, int64) { return h.published, h.id })
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	p.Articles = []digest.Article{}
	if len(ids) == 0 {
		return p, nil
	}
	in, args := inList(ids)
	rows, err := s.query(ctx, `SELECT `+articleCols+` FROM articles a WHERE a.id IN (`+in+`)`, args...)
	if err != nil {
		return nil, wrap("preview rule", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a digest.Article
		var published, updated, created int64
		if err := rows.Scan(articleDest(&a, &published, &updated, &created)...); err != nil {
			return nil, wrap("preview rule", err)
		}
		setArticleTimes(&a, published, updated, created)
		p.Articles = append(p.Articles, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("preview rule", err)
	}
	p.Articles = newest(p.Articles, limit, func(a digest.Article) (time.Time, int64) { return a.Published, a.ID })
	return p, nil
}

// newest keeps the n newest of hs (by time, then ID), newest first.
func newest[T any](hs []T, n int, key func(T) (time.Time, int64)) []T {
	slices.SortFunc(hs, func(a, b T) int {
		ta, ia := key(a)
		tb, ib := key(b)
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return cmp.Compare(ib, ia)
	})
	return hs[:min(n, len(hs))]
}

// Verdicts returns the user's stored verdicts of the given articles.
func (s *Store) Verdicts(ctx context.Context, userID int64, ids []int64) (map[int64]digest.Verdict, error) {
	out := map[int64]digest.Verdict{}
	for _, c := range s.chunks(ids, 1) {
		in, args := inList(c)
		rows, err := s.query(ctx, `SELECT article_id, hidden, weight, reasons FROM rule_verdicts
			WHERE user_id = ? AND article_id IN (`+in+`)`, append([]any{userID}, args...)...)
		if err != nil {
			return nil, wrap("verdicts", err)
		}
		for rows.Next() {
			var v digest.Verdict
			var reasons string
			if err := rows.Scan(&v.ArticleID, &v.Hidden, &v.Weight, &reasons); err != nil {
				rows.Close()
				return nil, wrap("verdicts", err)
			}
			if reasons != "" {
				if err := json.Unmarshal([]byte(reasons), &v.Reasons); err != nil {
					rows.Close()
					return nil, wrap("verdicts", err)
				}
			}
			out[v.ArticleID] = v
		}
		if err := rows.Close(); err != nil {
			return nil, wrap("verdicts", err)
		}
	}
	return out, nil
}

// hidesAny reports whether the user has a hidden article: lists check
// the flag only then, so that users without rules pay nothing.
func (s *Store) hidesAny(ctx context.Context, userID int64) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM rule_verdicts WHERE user_id = ? AND hidden LIMIT 1) h`, userID).Scan(&n)
	return n > 0, err
}
