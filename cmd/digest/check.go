package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

const checkUsage = `check [--repair] [flags]

Checks the invariants of the data directory's database and prints one JSON
line: {"articles", "without_story", "pending", "post_failed", "orphan_sources",
"stories", "empty_stories", "errors": [...]}. Once post-processing has
settled, every article is in a story, every story holds an article and every
source belongs to a stored article and feed; the command exits non-zero when
one of these fails. "pending" counts the articles whose post-processing
(page extraction, icon, story) is still queued: the server works it off,
after a restart too. "post_failed" counts the articles with a step given up
after repeated failures (their post_error in the API says which); neither is
an error by itself.

With --repair (the server stopped: the command runs its own story engine),
the story step of every article in no story is queued first ("queued"
counts them; the server works the queue off, and a repair that is
interrupted leaves nothing unqueued), then those articles are put through
the story engine, as the pipeline would have, and the line says what is
left.`

// checkReport is the JSON line digest check prints.
type checkReport struct {
	Articles      int      `json:"articles"`
	WithoutStory  int      `json:"without_story"`
	Pending       int      `json:"pending"`
	PostFailed    int      `json:"post_failed"`
	OrphanSources int      `json:"orphan_sources"`
	Stories       int      `json:"stories"`
	EmptyStories  int      `json:"empty_stories"`
	Repaired      *int     `json:"repaired,omitempty"` // articles given a story by --repair
	Queued        *int     `json:"queued,omitempty"`   // articles in no story whose story step --repair queued
	Errors        []string `json:"errors"`
}

func runCheck(ctx context.Context, env *Env, args []string) error {
	var repair bool
	cfg, rest, err := parseConfig(env, "check", checkUsage, args, func(fs *flagSet) {
		fs.BoolVar(&repair, "repair", false, "put the articles in no story through the story engine (with the server stopped)")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("check: unexpected arguments %q", rest)
	}
	if _, err := os.Stat(cfg.Database); err != nil {
		// Opening would create an empty database: nothing to check.
		return fmt.Errorf("check: no database at %s: %w", cfg.Database, err)
	}
	log := newLogger(env, cfg.LogLevel)
	st, err := sqlite.Open(ctx, cfg.Database, log)
	if err != nil {
		return err
	}
	defer st.Close()

	var rep checkReport
	if repair {
		q, err := st.QueueStoryless(ctx)
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		rep.Queued = &q
		n, err := repairStories(ctx, st, log)
		rep.Repaired = &n
		if err != nil {
			// Report what is left all the same.
			rep.Errors = append(rep.Errors, "repair: "+err.Error())
		}
	}
	v, err := st.Invariants(ctx)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	rep.Articles, rep.Stories = v.Articles, v.Stories
	rep.Pending, rep.PostFailed = v.Pending, v.PostFailed
	rep.WithoutStory, rep.EmptyStories, rep.OrphanSources = v.WithoutStory, v.EmptyStories, v.OrphanSources
	if v.WithoutStory > 0 {
		rep.Errors = append(rep.Errors, fmt.Sprintf("%d of %s in no story", v.WithoutStory, count(v.Articles, "article is", "articles are")))
	}
	if v.EmptyStories > 0 {
		rep.Errors = append(rep.Errors, fmt.Sprintf("%d of %s no article", v.EmptyStories, count(v.Stories, "story holds", "stories hold")))
	}
	if v.OrphanSources > 0 {
		rep.Errors = append(rep.Errors, fmt.Sprintf("%d sources belong to no stored article or feed", v.OrphanSources))
	}
	if rep.Errors == nil {
		rep.Errors = []string{}
	}
	line, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s\n", line)
	if len(rep.Errors) > 0 {
		return fmt.Errorf("check: %s", count(len(rep.Errors), "problem", "problems"))
	}
	return nil
}

// repairStories puts every article in no story through a story engine
// loaded as the server loads it, oldest first, and returns how many of
// them have a story now.
func repairStories(ctx context.Context, st digest.Store, log *slog.Logger) (int, error) {
	var ids []int64
	cursor := ""
	for {
		page, next, err := st.RecentArticles(ctx, time.Time{}, 500, cursor)
		if err != nil {
			return 0, err
		}
		for _, a := range page {
			if a.StoryID == 0 {
				ids = append(ids, a.ID)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(ids) == 0 {
		return 0, nil
	}
	sink, err := newStorySink(st, log)
	if err != nil {
		return 0, err
	}
	if err := sink.Load(ctx, time.Now()); err != nil {
		return 0, err
	}
	slices.Reverse(ids) // RecentArticles lists newest first
	var errs []error
	for batch := range slices.Chunk(ids, 500) {
		if err := sink.Add(ctx, batch); err != nil {
			errs = append(errs, err)
		}
	}
	n := 0
	for _, id := range ids {
		a, err := st.StoredArticle(ctx, id)
		switch {
		case digest.IsNotFound(err):
			n++ // merged, as a copy, into the article it copies
		case err != nil:
			errs = append(errs, err)
		case a.StoryID != 0:
			n++
		}
	}
	return n, errors.Join(errs...)
}
