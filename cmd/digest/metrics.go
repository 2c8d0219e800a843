package main

import (
	"context"
	"sync"
	"time"

	"github.com/occasional-digest/digest/metrics"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// heard counts a notification of changes (see postgres.DB.Changes).
func (a *app) heard(what string) {
	if what == "" {
		what = "lost"
	}
	a.changes.Lock()
	defer a.changes.Unlock()
	if a.changes.n == nil {
		a.changes.n = map[string]int64{}
	}
	a.changes.n[what]++
}

// backlogger is the stores' Backlog (sqlstore.Store, behind both
// backends).
type backlogger interface {
	Backlog(ctx context.Context, now time.Time) (sqlstore.Backlog, error)
}

// registerMetrics registers what the app measures: the pipeline's fetches
// and write batches, the store's backlog (feeds due, post-processing
// queued, the story engine's lag) and whether this process runs the story
// engine. HTTP latency is registered by the web side (see serve).
func (a *app) registerMetrics(r *metrics.Registry) {
	r.CounterFunc("digest_changes_heard_total", "Notifications heard from the database (PostgreSQL): stored articles and stories, other changes of what readers are shown (content), changed sessions, credentials or users (accounts); lost: reconnected, anything may have changed.", "what",
		func() map[string]float64 {
			a.changes.Lock()
			defer a.changes.Unlock()
			out := map[string]float64{"articles": 0, "stories": 0, "content": 0, "accounts": 0, "lost": 0}
			for k, v := range a.changes.n {
				out[k] = float64(v)
			}
			return out
		})
	r.CounterFunc("digest_fetches_total", "Feed fetches by outcome since start (ok: new content; not_modified: 304; error).", "outcome",
		func() map[string]float64 {
			s := a.pipeline.Stats()
			return map[string]float64{
				"ok":           float64(s.Fetched - s.NotModified - s.Errors),
				"not_modified": float64(s.NotModified),
				"error":        float64(s.Errors),
			}
		})
	r.CounterFunc("digest_write_batches_total", "Store transactions that saved fetch results, since start.", "",
		func() map[string]float64 { return map[string]float64{"": float64(a.pipeline.Stats().Batches)} })
	r.CounterFunc("digest_articles_total", "Articles stored by this process since start: created or changed in place.", "change",
		func() map[string]float64 {
			s := a.pipeline.Stats()
			return map[string]float64{"created": float64(s.Created), "updated": float64(s.Updated)}
		})
	if b, ok := a.store.(backlogger); ok {
		// One reading serves the three gauges of a scrape.
		var last struct {
			sync.Mutex
			at time.Time
			b  sqlstore.Backlog
		}
		read := func(ctx context.Context) (sqlstore.Backlog, time.Time, error) {
			last.Lock()
			defer last.Unlock()
			now := time.Now()
			if now.Sub(last.at) < time.Second {
				return last.b, last.at, nil
			}
			v, err := b.Backlog(ctx, now)
			if err != nil {
				return v, now, err
			}
			last.at, last.b = now, v
			return v, now, nil
		}
		r.GaugeFunc("digest_feeds_due", "Feeds whose next check has come (being fetched or waiting for a worker).",
			func(ctx context.Context) (float64, error) {
				v, _, err := read(ctx)
				return float64(v.DueFeeds), err
			})
		r.GaugeFunc("digest_post_queue_depth", "Articles with post-processing (extraction, icon, story) queued.",
			func(ctx context.Context) (float64, error) {
				v, _, err := read(ctx)
				return float64(v.Queued), err
			})
		r.GaugeFunc("digest_story_engine_lag_seconds", "How long the longest-due story step has waited (0: none due).",
			func(ctx context.Context) (float64, error) {
				v, now, err := read(ctx)
				if err != nil || v.OldestStory.IsZero() {
					return 0, err
				}
				return max(now.Sub(v.OldestStory).Seconds(), 0), nil
			})
	}
	r.GaugeFunc("digest_database_up", "1 when the database answers a ping (checked at most once a second).", func(context.Context) (float64, error) {
		if a.db.up() {
			return 1, nil
		}
		return 0, nil
	})
	r.GaugeFunc("digest_story_unsettled_articles", "Articles the story engine took since it last regrouped its window in canonical order (0: settled; see Stories.Recluster).", func(context.Context) (float64, error) {
		if a.leader != nil {
			return float64(a.leader.Unsettled()), nil
		}
		return float64(a.stories.Unsettled()), nil
	})
	r.GaugeFunc("digest_story_engine_leader", "1 when this process runs the story engine.", func(context.Context) (float64, error) {
		if a.leader == nil || a.leader.Leading() {
			return 1, nil
		}
		return 0, nil
	})
}
