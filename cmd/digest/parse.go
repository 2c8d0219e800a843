package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/occasional-digest/digest/feed"
)

// runParse is "digest parse [-url URL] [-json] FILE": it parses one feed
// document the way ingest does and prints what came out, so that a person
// can look at the parsing step alone. An HTML page gets the feeds it leads
// to listed instead.
func runParse(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "parse", "parse [-url URL] [-json] FILE|-")
	feedURL := fs.String("url", "", "the URL the document was fetched from (resolves relative links; default file://FILE)")
	asJSON := fs.Bool("json", false, "print the parsed feed as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErrorf("parse: want one FILE (or - for standard input), got %d", fs.NArg())
	}
	name := fs.Arg(0)
	var body []byte
	var err error
	if name == "-" {
		body, err = io.ReadAll(io.LimitReader(env.Stdin, 64<<20))
	} else {
		body, err = os.ReadFile(name)
	}
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if *feedURL == "" {
		*feedURL = "file://" + name
	}

	if !feed.IsFeed(body) && strings.HasPrefix(*feedURL, "http") {
		return listFeeds(env, name, *feedURL, body)
	}
	p, err := feed.Parse(body, *feedURL, time.Now())
	if err != nil {
		return fmt.Errorf("parse %s: %s", name, reason(err, *feedURL))
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(jsonFeed(p))
	}
	w := env.Stdout
	fmt.Fprintf(w, "format:      %s\ntitle:       %s\nsite:        %s\nlanguage:    %s\nttl:         %v\ndescription: %s\nentries:     %d\n",
		p.Format, p.Title, p.SiteURL, p.Lang, p.TTL, p.Description, len(p.Entries))
	for i, e := range p.Entries {
		fmt.Fprintf(w, "\n[%d] %s\n", i+1, e.Title)
		fmt.Fprintf(w, "    guid:      %s\n    url:       %s\n", e.GUID, e.URL)
		if e.Link != e.URL {
			fmt.Fprintf(w, "    link:      %s\n", e.Link)
		}
		if e.Author != "" {
			fmt.Fprintf(w, "    author:    %s\n", e.Author)
		}
		if !e.Published.IsZero() {
			fmt.Fprintf(w, "    published: %s\n", e.Published.Format(time.RFC3339))
		}
		if !e.Updated.IsZero() && !e.Updated.Equal(e.Published) {
			fmt.Fprintf(w, "    updated:   %s\n", e.Updated.Format(time.RFC3339))
		}
		if e.ImageURL != "" {
			fmt.Fprintf(w, "    image:     %s\n", e.ImageURL)
		}
		fmt.Fprintf(w, "    words:     %d\n    hash:      %.16s\n    summary:   %s\n", len(strings.Fields(e.Text)), e.Hash, e.Summary)
	}
	return nil
}

// listFeeds prints the feeds an HTML page links to, then the common paths
// worth trying; it fails only when the page links to none.
func listFeeds(env *Env, name, pageURL string, body []byte) error {
	guesses := feed.Discover(pageURL, nil) // the common paths alone
	var linked []string
	for _, u := range feed.Discover(pageURL, body) {
		if !slices.Contains(guesses, u) {
			linked = append(linked, u)
		}
	}
	if len(linked) == 0 {
		return withFix(fmt.Errorf("parse %s: not a feed, and the page links to no feed", name),
			"Common paths to try with digest fetch: "+strings.Join(guesses, " "))
	}
	fmt.Fprintf(env.Stdout, "%s is not a feed; the feeds it links to, most likely first:\n", name)
	for _, u := range linked {
		fmt.Fprintln(env.Stdout, " ", u)
	}
	return nil
}

// parsedJSON is parse -json's output: the feed as ingest sees it, with
// the names the JSON API uses and no zero dates.
type parsedJSON struct {
	Format      string      `json:"format"`
	Title       string      `json:"title"`
	SiteURL     string      `json:"site_url,omitempty"`
	Description string      `json:"description,omitempty"`
	Lang        string      `json:"lang,omitempty"`
	TTLSeconds  int64       `json:"ttl_seconds,omitempty"`
	Entries     []entryJSON `json:"entries"`
}

type entryJSON struct {
	GUID      string     `json:"guid"`
	URL       string     `json:"url"`
	Link      string     `json:"link,omitempty"`
	Title     string     `json:"title"`
	Author    string     `json:"author,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	Updated   *time.Time `json:"updated,omitempty"`
	Summary   string     `json:"summary,omitempty"`
	Content   string     `json:"content,omitempty"`
	Text      string     `json:"text,omitempty"`
	ImageURL  string     `json:"image_url,omitempty"`
	Lang      string     `json:"lang,omitempty"`
	Hash      string     `json:"hash"`
}

func jsonFeed(p *feed.Parsed) parsedJSON {
	date := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	out := parsedJSON{Format: p.Format, Title: p.Title, SiteURL: p.SiteURL, Description: p.Description,
		Lang: p.Lang, TTLSeconds: int64(p.TTL / time.Second), Entries: []entryJSON{}}
	for _, e := range p.Entries {
		j := entryJSON{GUID: e.GUID, URL: e.URL, Title: e.Title, Author: e.Author,
			Published: date(e.Published), Updated: date(e.Updated), Summary: e.Summary, Content: e.Content,
			Text: e.Text, ImageURL: e.ImageURL, Lang: e.Lang, Hash: e.Hash}
		if e.Link != e.URL {
			j.Link = e.Link
		}
		out.Entries = append(out.Entries, j)
	}
	return out
}
