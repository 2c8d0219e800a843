package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/occasional-digest/digest/story"
)

// clusterIn is one input line of "digest cluster". Only id and text are
// required; published may be RFC 3339 or a date.
type clusterIn struct {
	ID        json.RawMessage `json:"id"`
	Title     string          `json:"title"`
	Text      string          `json:"text"`
	Published string          `json:"published"`
	URL       string          `json:"url"`
	Outlet    string          `json:"outlet"`
	SourceURL string          `json:"source_url"`
	Author    string          `json:"author"`
}

// clusterOut is one output line: the article's final story (after every
// merge and split the rest of the input caused) and the article it copies,
// if any.
type clusterOut struct {
	ID          json.RawMessage `json:"id"`
	Story       int64           `json:"story"`
	DuplicateOf json.RawMessage `json:"duplicate_of"`
}

func runCluster(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "cluster", "cluster -in FILE.jsonl [-window 72h] [-dedup-window 336h]")
	in := fs.String("in", "-", "JSON lines {id, title, text, published, url, outlet, source_url} in arrival order (- for stdin)")
	window := fs.Duration("window", story.DefaultOptions().Window, "how long a story stays open after its last article")
	dedupWindow := fs.Duration("dedup-window", story.DefaultOptions().DedupWindow, "how long an article of a closed story is still recognised in a copy (at least -window)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("cluster: unexpected arguments %q", fs.Args())
	}
	var r io.Reader = env.Stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		defer f.Close()
		r = f
	}
	opts, err := story.Standard()
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	opts.Window, opts.DedupWindow = *window, *dedupWindow
	opts.Now = time.Now
	w := bufio.NewWriter(env.Stdout)
	if err := clusterStream(ctx, r, w, opts); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	return w.Flush()
}

// clusterStream runs one engine over the lines of r and writes one result
// line per article, in input order, once the input is exhausted (so that
// each line names the story the article ended in).
func clusterStream(ctx context.Context, r io.Reader, w io.Writer, opts story.Options) error {
	e := story.NewEngine(opts)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	type row struct {
		id    json.RawMessage
		num   int64
		story int64
		dup   int64
	}
	var rows []row
	seen := map[string]int64{} // input id -> engine id
	merged := map[int64]int64{}
	line := 0
	for sc.Scan() {
		line++
		if line%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		raw := sc.Bytes()
		if strings.TrimSpace(string(raw)) == "" {
			continue
		}
		var v clusterIn
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		key := strings.TrimSpace(string(v.ID))
		if key == "" || key == "null" {
			return fmt.Errorf("line %d: missing \"id\"", line)
		}
		num, ok := seen[key]
		if !ok {
			num = int64(len(seen) + 1)
			seen[key] = num
		}
		var pub time.Time
		if v.Published != "" {
			t, err := parseTime(v.Published)
			if err != nil {
				return fmt.Errorf("line %d: published: %w", line, err)
			}
			pub = t
		}
		res := e.Add(story.Doc{ID: num, Title: v.Title, Text: v.Text, URL: v.URL, Outlet: v.Outlet,
			Published: pub, SourceURL: v.SourceURL, Author: v.Author})
		for _, m := range res.MergedStories {
			merged[m] = res.StoryID
		}
		rows = append(rows, row{id: append(json.RawMessage(nil), v.ID...), num: num, story: res.StoryID, dup: res.DuplicateOf})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	ids := make(map[int64]json.RawMessage, len(rows))
	for _, r := range rows {
		if _, ok := ids[r.num]; !ok {
			ids[r.num] = r.id
		}
	}
	enc := json.NewEncoder(w)
	for _, r := range rows {
		s := r.story
		if now, ok := e.StoryOf(r.num); ok {
			// The story holding the article now, after merges and splits.
			s = now
		}
		for range len(merged) + 1 {
			next, ok := merged[s]
			if !ok {
				break
			}
			s = next
		}
		out := clusterOut{ID: r.id, Story: s, DuplicateOf: json.RawMessage("null")}
		if r.dup != 0 {
			out.DuplicateOf = ids[r.dup]
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	return nil
}

// parseTime accepts RFC 3339 (with or without fractional seconds), a
// date-time without zone (taken as UTC) or a date.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q (want RFC 3339 or YYYY-MM-DD)", s)
}
