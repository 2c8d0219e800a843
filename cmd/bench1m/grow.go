package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/occasional-digest/digest/internal/testenv"
)

// grow enlarges a SQLite newswire archive of N0 articles (built by the
// store, IDs 1..N0) to n articles in SQL, far faster than the store's
// write path: article N0*k+i takes article i's text with its first
// paragraph (and summary) from another article, the title of a third,
// the author of a fourth and another feed, and a publication time in
// order of arrival over the archive's span (testenv.NewswireDays); its
// story is a copy of article i's story with the same entities. Followers
// of the feed get a state, every third article read; the full-text index
// gets it as the store would index it (no summary: its words are in the
// text), and the unread counters are recounted at the end.
func grow(ctx context.Context, path string, n int) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=synchronous(off)&_pragma=cache_size(-200000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var n0, s0, feeds int64
	if err := db.QueryRowContext(ctx, `SELECT (SELECT MAX(id) FROM articles), (SELECT MAX(id) FROM stories), (SELECT MAX(id) FROM feeds)`).Scan(&n0, &s0, &feeds); err != nil {
		return err
	}
	end := testenv.NewswireEnd
	startUS := end.Add(-testenv.NewswireDays * 24 * time.Hour).UnixMicro()
	stepUS := testenv.NewswireDays * 24 * time.Hour.Microseconds() / int64(n)
	const chunk = 20_000
	began := time.Now()
	for lo := n0 + 1; lo <= int64(n); lo += chunk {
		hi := min(int64(n), lo+chunk-1)
		k := (lo - 1) / n0 // copy number of lo; a chunk may span two copies
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		// src(id) = ((id-1) % n0) + 1; other articles picked by hashes of id.
		stmts := []string{
			fmt.Sprintf(`INSERT INTO stories (id, headline, summary, first_seen, last_seen, importance, outlets, short, follows)
				SELECT s.id + c.k*%[1]d, s.headline, s.summary, s.first_seen, s.last_seen, s.importance, s.outlets, s.short, 0
				FROM stories s CROSS JOIN (SELECT DISTINCT (x.id - 1) / %[2]d AS k FROM (SELECT %[3]d AS id UNION ALL SELECT %[4]d) x) c
				WHERE s.id <= %[1]d AND s.id + c.k*%[1]d NOT IN (SELECT id FROM stories)`, s0, n0, lo, hi),
			fmt.Sprintf(`INSERT INTO story_entities (story_id, entity_id, count)
				SELECT se.story_id + c.k*%[1]d, se.entity_id, se.count
				FROM story_entities se CROSS JOIN (SELECT DISTINCT (x.id - 1) / %[2]d AS k FROM (SELECT %[3]d AS id UNION ALL SELECT %[4]d) x) c
				WHERE se.story_id <= %[1]d AND NOT EXISTS (SELECT 1 FROM story_entities e2 WHERE e2.story_id = se.story_id + c.k*%[1]d)`, s0, n0, lo, hi),
			fmt.Sprintf(`WITH RECURSIVE ids(id) AS (SELECT %[1]d UNION ALL SELECT id + 1 FROM ids WHERE id < %[2]d),
				m AS (SELECT id, ((id - 1) %% %[3]d) + 1 AS a, ((id * 7919) %% %[3]d) + 1 AS b,
					((id * 104729) %% %[3]d) + 1 AS t, ((id * 15485863) %% %[3]d) + 1 AS au, (id - 1) / %[3]d AS k FROM ids)
				INSERT INTO articles (id, url, title, author, published, updated, site_name, lang, image_url, summary, content, text,
					word_count, extracted, created, feed_id, story_id, post_error)
				SELECT m.id, 'https://news.example/g' || m.id, t.title, au.author,
					%[4]d + m.id * %[5]d - (abs(random()) %% 43200000000), 0, '', a.lang, '', b.summary,
					CASE WHEN m.id %% 2 = 0 THEN '<p>' || replace(
						CASE WHEN instr(b.text, char(10, 10)) > 0 AND instr(a.text, char(10, 10)) > 0
						THEN substr(b.text, 1, instr(b.text, char(10, 10)) - 1) || substr(a.text, instr(a.text, char(10, 10)))
						ELSE a.text END, char(10, 10), '</p><p>') || '</p>' ELSE '<p>' || b.summary || '</p>' END,
					CASE WHEN instr(b.text, char(10, 10)) > 0 AND instr(a.text, char(10, 10)) > 0
						THEN substr(b.text, 1, instr(b.text, char(10, 10)) - 1) || substr(a.text, instr(a.text, char(10, 10)))
						ELSE a.text END,
					a.word_count, 1, %[4]d + m.id * %[5]d, ((a.feed_id - 1 + m.k * 37) %% %[6]d) + 1,
					CASE WHEN a.story_id IS NULL THEN NULL ELSE a.story_id + m.k * %[7]d END, ''
				FROM m JOIN articles a ON a.id = m.a JOIN articles b ON b.id = m.b JOIN articles t ON t.id = m.t JOIN articles au ON au.id = m.au`,
				lo, hi, n0, startUS, stepUS, feeds, s0),
			fmt.Sprintf(`INSERT INTO sources (feed_id, guid, article_id, url, title, published, original, hash, created, article_published)
				SELECT feed_id, 'urn:newswire:g' || id, id, url, title, published, 1, 'g' || id, created, published
				FROM articles WHERE id BETWEEN %d AND %d`, lo, hi),
			fmt.Sprintf(`INSERT INTO article_states (user_id, article_id, published, read, starred, hidden)
				SELECT u.user_id, a.id, a.published, a.id %% 3 = 1, 0, 0
				FROM articles a JOIN subscriptions u ON u.feed_id = a.feed_id WHERE a.id BETWEEN %d AND %d`, lo, hi),
			fmt.Sprintf(`INSERT INTO articles_fts (rowid, title, summary, text)
				SELECT id, title, '', text FROM articles WHERE id BETWEEN %d AND %d`, lo, hi),
		}
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				tx.Rollback()
				return fmt.Errorf("grow %d-%d (copy %d): %w", lo, hi, k, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		el := time.Since(began)
		slog.Info("grown", "articles", hi, "elapsed", el.Round(time.Second), "per_s", int(float64(hi-n0)/el.Seconds()))
	}
	// The base articles: every third read too, as the copies.
	for _, q := range []string{
		`UPDATE article_states SET read = article_id % 3 = 1 WHERE article_id <= ` + fmt.Sprint(n0),
		`UPDATE subscriptions SET unread = (
			SELECT COUNT(DISTINCT s.article_id)
			FROM sources s JOIN article_states st ON st.article_id = s.article_id AND st.user_id = subscriptions.user_id
			WHERE s.feed_id = subscriptions.feed_id AND NOT st.read AND NOT st.hidden)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("grow: %w", err)
		}
	}
	slog.Info("grow done", "articles", n, "elapsed", time.Since(began).Round(time.Second))
	return nil
}
