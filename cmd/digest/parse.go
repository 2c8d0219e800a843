package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("parse: want one FILE (or - for standard input), got %d", fs.NArg())
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

	p, err := feed.Parse(body, *feedURL, time.Now())
	if err != nil {
		if !feed.IsFeed(body) && strings.HasPrefix(*feedURL, "http") {
			fmt.Fprintf(env.Stdout, "%s is not a feed; feeds it leads to, most likely first:\n", name)
			for _, u := range feed.Discover(*feedURL, body) {
				fmt.Fprintln(env.Stdout, " ", u)
			}
		}
		return fmt.Errorf("parse %s: %w", name, err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
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
