package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/postgres"
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
left. --repair is for SQLite; on PostgreSQL the serving worker that holds
the story engine works the queue off.

With --database postgres://... the command checks that database. The line
also counts the feeds leased to a worker ("leased") and those whose lease
ran out before the worker saved them ("lease_expired": claimed again when
due); neither is an error.

With --truth FILE|URL (the JSON lines of a feed farm's /truth, from a file
or fetched), every entry the farm serves must be stored exactly once:
"truth_entries" counts them, "missing" those with no stored source,
"duplicates" those stored more than once; each is an error.`

// checkReport is the JSON line digest check prints.
type checkReport struct {
	Articles      int      `json:"articles"`
	WithoutStory  int      `json:"without_story"`
	Pending       int      `json:"pending"`
	PostFailed    int      `json:"post_failed"`
	OrphanSources int      `json:"orphan_sources"`
	Stories       int      `json:"stories"`
	EmptyStories  int      `json:"empty_stories"`
	Leased        int      `json:"leased"`
	LeaseExpired  int      `json:"lease_expired"`
	TruthEntries  *int     `json:"truth_entries,omitempty"` // with --truth
	Missing       *int     `json:"missing,omitempty"`
	Duplicates    *int     `json:"duplicates,omitempty"`
	Repaired      *int     `json:"repaired,omitempty"` // articles given a story by --repair
	Queued        *int     `json:"queued,omitempty"`   // articles in no story whose story step --repair queued
	Errors        []string `json:"errors"`
}

func runCheck(ctx context.Context, env *Env, args []string) error {
	var repair bool
	var truth string
	cfg, rest, err := parseConfig(env, "check", checkUsage, args, func(fs *flagSet) {
		fs.BoolVar(&repair, "repair", false, "put the articles in no story through the story engine (with the server stopped; SQLite)")
		fs.StringVar(&truth, "truth", "", "a feed farm's /truth (file or http URL): every entry must be stored exactly once")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("check: unexpected arguments %q", rest)
	}
	pg := postgres.IsDSN(cfg.Database)
	if pg && repair {
		return usageErrorf("check: --repair runs its own story engine, on SQLite only: on PostgreSQL the serving worker that holds the story engine works the queue off")
	}
	if _, err := os.Stat(cfg.Database); err != nil && !pg {
		// Opening would create an empty database: nothing to check.
		return fmt.Errorf("check: no database at %s: %w", cfg.Database, err)
	}
	var want map[string]int // truth's GUIDs, then how often each is stored
	if truth != "" {
		if want, err = readTruth(ctx, truth); err != nil {
			return fmt.Errorf("check: truth: %w", err)
		}
	}
	log := newLogger(env, cfg.LogLevel)
	st, err := openChecked(ctx, cfg.Database, log)
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
	if rep.Leased, rep.LeaseExpired, err = st.Leases(ctx, time.Now()); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if want != nil {
		if err := st.SourceGUIDs(ctx, func(g string) {
			if n, ok := want[g]; ok {
				want[g] = n + 1
			}
		}); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		total, missing, dups := len(want), 0, 0
		for _, n := range want {
			switch {
			case n == 0:
				missing++
			case n > 1:
				dups++
			}
		}
		rep.TruthEntries, rep.Missing, rep.Duplicates = &total, &missing, &dups
		if missing > 0 {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%d of the truth's %d entries are not stored", missing, total))
		}
		if dups > 0 {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%d of the truth's %d entries are stored more than once", dups, total))
		}
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

// checkedStore is what check reads: the store, with the counts only the
// SQL stores give.
type checkedStore interface {
	digest.Store
	SourceGUIDs(ctx context.Context, fn func(guid string)) error
	Leases(ctx context.Context, now time.Time) (held, expired int, err error)
	QueueStoryless(ctx context.Context) (int, error)
}

// openChecked opens the database check reads: PostgreSQL for a
// postgres:// URL, otherwise the SQLite file.
func openChecked(ctx context.Context, database string, log *slog.Logger) (checkedStore, error) {
	if postgres.IsDSN(database) {
		return postgres.Open(ctx, database, log)
	}
	return sqlite.Open(ctx, database, log)
}

// readTruth reads a feed farm's truth (JSON lines with the entry's GUID
// in "id") from a file or an http(s) URL and returns its GUIDs, each
// mapped to 0.
func readTruth(ctx context.Context, src string) (map[string]int, error) {
	var r io.Reader
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", src, nil)
		if err != nil {
			return nil, err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: %s", src, res.Status)
		}
		r = res.Body
	} else {
		f, err := os.Open(src)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	want := map[string]int{}
	dec := json.NewDecoder(r)
	for line := 1; ; line++ {
		var e struct {
			ID string `json:"id"`
		}
		err := dec.Decode(&e)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d: %w", src, line, err)
		}
		if e.ID == "" {
			return nil, fmt.Errorf("%s: entry %d has no \"id\"", src, line)
		}
		if _, dup := want[e.ID]; dup {
			return nil, fmt.Errorf("%s: entry %d: id %q listed twice", src, line, e.ID)
		}
		want[e.ID] = 0
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("%s: no entries", src)
	}
	return want, nil
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
