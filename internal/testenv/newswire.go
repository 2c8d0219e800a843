package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Newswire is a large benchmark archive of realistic news articles, built
// from the real text of ../shared/corpus (the clustering articles, the
// CNN set and the CoNLL Reuters sentences): each article is a run of real
// sentences from one document plus a few from another, so words, their
// frequencies and common phrases ("the president", "according to") are
// those of news, and no two articles are equal. Titles are real
// sentences cut short, authors and story entities real names of the
// CoNLL set. Articles arrive roughly in publication order, as a reader
// ingests them, over NewswireDays days.
type Newswire struct {
	// Articles to store; Feeds share them (the default 1,000,000 and 1,000).
	Articles, Feeds int
	// CorpusDir is ../shared/corpus.
	CorpusDir string
	// Seed makes the archive reproducible.
	Seed uint64
	// Progress, unless nil, is called after each batch.
	Progress func(done int)
}

// NewswireDays is the span of the archive's publication dates, ending at
// NewswireEnd.
const NewswireDays = 730

// NewswireEnd is the newest publication date of the archive.
var NewswireEnd = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// NewswireUsers are the archive's readers: each follows 60% of the feeds,
// overlapping (as Populate's), and has read every third article.
var NewswireUsers = []string{"alice", "bob", "carol"}

// newswireText is the text the archive is cut from.
type newswireText struct {
	docs     [][]string // sentences of each document
	people   []string
	entities []digest.Entity
}

// loadNewswireText reads the corpus' documents and names.
func loadNewswireText(dir string) (*newswireText, error) {
	t := &newswireText{}
	jsonl := func(name, field string) error {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			text, _ := m[field].(string)
			text = strings.TrimPrefix(text, "(CNN)")
			if s := sentences(text); len(s) >= 3 {
				t.docs = append(t.docs, s)
			}
		}
		return sc.Err()
	}
	for _, f := range [][2]string{{"stories/articles.jsonl", "text"}, {"stories/ecbplus-dev.jsonl", "text"}, {"summaries/cnn-dev.jsonl", "article"}} {
		if err := jsonl(f[0], f[1]); err != nil {
			return nil, fmt.Errorf("newswire: %w", err)
		}
	}
	if err := t.conll(filepath.Join(dir, "ner/eng.train")); err != nil {
		return nil, fmt.Errorf("newswire: %w", err)
	}
	if len(t.docs) == 0 || len(t.people) == 0 {
		return nil, errors.New("newswire: no text in " + dir)
	}
	return t, nil
}

// conll reads the CoNLL Reuters sentences (a document per -DOCSTART-)
// and the names they tag.
func (t *newswireText) conll(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	seen := map[string]bool{}
	var doc []string
	var words []string
	var name []string
	kind := ""
	flushName := func() {
		if len(name) > 0 {
			n := strings.Join(name, " ")
			if !seen[kind+n] {
				seen[kind+n] = true
				switch kind {
				case "PER":
					if len(name) > 1 {
						t.people = append(t.people, n)
					}
					t.entities = append(t.entities, digest.Entity{Name: n, Kind: digest.Person})
				case "LOC":
					t.entities = append(t.entities, digest.Entity{Name: n, Kind: digest.Place})
				case "ORG":
					t.entities = append(t.entities, digest.Entity{Name: n, Kind: digest.Organization})
				}
			}
		}
		name, kind = nil, ""
	}
	flushSentence := func() {
		flushName()
		if len(words) > 5 {
			s := strings.Join(words, " ")
			for _, p := range []string{" .", " ,", " 's", " n't", " :", " ;", " )", " %"} {
				s = strings.ReplaceAll(s, p, p[1:])
			}
			s = strings.ReplaceAll(s, "( ", "(")
			doc = append(doc, s)
		}
		words = nil
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-DOCSTART-") {
			flushSentence()
			if len(doc) >= 3 {
				t.docs = append(t.docs, doc)
			}
			doc = nil
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 4 {
			flushSentence()
			continue
		}
		words = append(words, fs[0])
		tag := fs[3]
		if tag == "O" {
			flushName()
			continue
		}
		k := tag[2:]
		if k != kind || strings.HasPrefix(tag, "B-") {
			flushName()
		}
		kind = k
		name = append(name, fs[0])
	}
	flushSentence()
	if len(doc) >= 3 {
		t.docs = append(t.docs, doc)
	}
	return sc.Err()
}

// sentences cuts text into sentences at ". ", "? ", "! " and line ends.
func sentences(text string) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		para = strings.TrimSpace(para)
		for para != "" {
			i := strings.IndexAny(para, ".?!")
			for i >= 0 && i+1 < len(para) && para[i+1] != ' ' {
				j := strings.IndexAny(para[i+1:], ".?!")
				if j < 0 {
					i = -1
					break
				}
				i += 1 + j
			}
			s := para
			if i >= 0 {
				s, para = para[:i+1], strings.TrimSpace(para[i+1:])
			} else {
				para = ""
			}
			if len(strings.Fields(s)) >= 4 {
				out = append(out, s)
			}
		}
	}
	return out
}

// Build stores the archive in st (an empty store): the users of
// NewswireUsers, the feeds, the articles through SaveFetches in batches
// of 2,000 (as the pipeline saves), a story for about every five
// articles with two or three entities, and every third article read. It
// returns the users. The post-processing queue is emptied (the articles
// are complete as stored).
func (nw Newswire) Build(ctx context.Context, st digest.Store) ([]*digest.User, error) {
	if nw.Articles <= 0 {
		nw.Articles = 1_000_000
	}
	if nw.Feeds <= 0 {
		nw.Feeds = 1000
	}
	text, err := loadNewswireText(nw.CorpusDir)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(nw.Seed, 42))
	var users []*digest.User
	for _, name := range NewswireUsers {
		u := &digest.User{Name: name, Role: digest.RoleUser}
		if err := st.CreateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("newswire: %w", err)
		}
		users = append(users, u)
	}
	feeds := make([]int64, nw.Feeds)
	follow := func(k, i int) bool { // user k follows feed i
		lo := k * nw.Feeds / 5
		return i >= lo && i < lo+nw.Feeds*3/5
	}
	for i := range feeds {
		for k, u := range users {
			if !follow(k, i) {
				continue
			}
			f := &digest.Feed{URL: fmt.Sprintf("https://outlet%d.example/feed", i), Title: fmt.Sprintf("%s Daily %d", text.people[i%len(text.people)], i),
				Category: fmt.Sprint("Topic ", i%10), Fetch: digest.FetchNever,
				FetchState: digest.FetchState{NextCheck: NewswireEnd.Add(100 * 365 * 24 * time.Hour)}}
			if err := st.CreateFeed(ctx, u.ID, f); err != nil {
				return nil, fmt.Errorf("newswire: %w", err)
			}
			feeds[i] = f.ID
		}
	}
	// Authors: a few hundred per outlet's pool, Zipf-used.
	authorZipf := rand.NewZipf(r, 1.1, 4, uint64(len(text.people)-1))
	entityZipf := rand.NewZipf(r, 1.05, 8, uint64(len(text.entities)-1))
	start := NewswireEnd.Add(-NewswireDays * 24 * time.Hour)
	step := NewswireDays * 24 * time.Hour / time.Duration(nw.Articles)
	const batch = 2000
	var pendingStory []int64
	for first := 0; first < nw.Articles; first += batch {
		byFeed := map[int64][]digest.Entry{}
		for k := first; k < min(nw.Articles, first+batch); k++ {
			e := text.article(r, k)
			e.Author = text.people[authorZipf.Uint64()]
			// Roughly in order of arrival: up to 12 hours early.
			e.Published = start.Add(time.Duration(k)*step - time.Duration(r.Int64N(int64(12*time.Hour))))
			f := feeds[r.IntN(len(feeds))]
			byFeed[f] = append(byFeed[f], e)
		}
		var rs []digest.FetchResult
		for f, es := range byFeed {
			rs = append(rs, digest.FetchResult{FeedID: f, Entries: es,
				State: digest.FetchState{LastCheck: NewswireEnd, NextCheck: NewswireEnd.Add(100 * 365 * 24 * time.Hour)}})
		}
		slices.SortFunc(rs, func(a, b digest.FetchResult) int { return int(a.FeedID - b.FeedID) })
		saved, err := st.SaveFetches(ctx, rs)
		if err != nil {
			return nil, fmt.Errorf("newswire: save: %w", err)
		}
		var created []int64
		for _, s := range saved {
			created = append(created, s.Created...)
		}
		slices.Sort(created)
		posts := make([]digest.PendingPost, len(created))
		for i, id := range created {
			posts[i] = digest.PendingPost{ArticleID: id}
		}
		if err := st.SavePosts(ctx, posts); err != nil {
			return nil, fmt.Errorf("newswire: posts: %w", err)
		}
		// Stories of 1 to 9 articles close in time.
		pendingStory = append(pendingStory, created...)
		for len(pendingStory) >= 9 {
			n := 1 + r.IntN(9)
			ids := pendingStory[:n]
			pendingStory = pendingStory[n:]
			s := &digest.Story{Headline: text.title(r), Summary: text.run(r, 2), ArticleIDs: slices.Clone(ids),
				FirstSeen: NewswireEnd, LastSeen: NewswireEnd, Importance: float64(n), Outlets: n}
			seen := map[string]bool{}
			for range 2 + r.IntN(2) {
				e := text.entities[entityZipf.Uint64()]
				if !seen[string(e.Kind)+e.Name] {
					seen[string(e.Kind)+e.Name] = true
					e.Count = 1 + r.IntN(4)
					s.Entities = append(s.Entities, e)
				}
			}
			if err := st.SaveStory(ctx, s); err != nil {
				return nil, fmt.Errorf("newswire: story: %w", err)
			}
		}
		if nw.Progress != nil {
			nw.Progress(min(nw.Articles, first+batch))
		}
	}
	for _, u := range users {
		cursorID := int64(0)
		for {
			refs, err := st.ArticleRefs(ctx, digest.ArticleQuery{UserID: u.ID, ByID: true, Oldest: true, AfterID: cursorID, Limit: 100_000})
			if err != nil {
				return nil, fmt.Errorf("newswire: %w", err)
			}
			if len(refs) == 0 {
				break
			}
			var read []int64
			for k, ref := range refs {
				if k%3 == 0 {
					read = append(read, ref.ID)
				}
			}
			for len(read) > 0 {
				chunk := read[:min(len(read), 10_000)]
				if _, err := st.MarkRead(ctx, u.ID, chunk, true); err != nil {
					return nil, fmt.Errorf("newswire: %w", err)
				}
				read = read[len(chunk):]
			}
			cursorID = refs[len(refs)-1].ID
		}
	}
	return users, nil
}

// run returns n sentences in a row from a random document.
func (t *newswireText) run(r *rand.Rand, n int) string {
	d := t.docs[r.IntN(len(t.docs))]
	i := r.IntN(len(d))
	var out []string
	for k := range n {
		out = append(out, d[(i+k)%len(d)])
	}
	return strings.Join(out, " ")
}

// title returns a real sentence cut to at most 12 words, without its
// final stop.
func (t *newswireText) title(r *rand.Rand) string {
	d := t.docs[r.IntN(len(t.docs))]
	w := strings.Fields(d[r.IntN(len(d))])
	w = w[:min(len(w), 6+r.IntN(7))]
	return strings.TrimRight(strings.Join(w, " "), ".,;:")
}

// article returns the k-th entry: 6 to 30 sentences in a row of one
// document (wrapping), then 1 to 4 of another, in paragraphs of up to
// three sentences. Half the outlets' feeds carry the full text as
// content, the others a summary only (the text then stands for what
// extraction found).
func (t *newswireText) article(r *rand.Rand, k int) digest.Entry {
	d := t.docs[r.IntN(len(t.docs))]
	i := r.IntN(len(d))
	n := 6 + r.IntN(25)
	var ss []string
	for j := range n {
		ss = append(ss, d[(i+j)%len(d)])
	}
	d2 := t.docs[r.IntN(len(t.docs))]
	i2 := r.IntN(len(d2))
	for j := range 1 + r.IntN(4) {
		ss = append(ss, d2[(i2+j)%len(d2)])
	}
	var paras []string
	for len(ss) > 0 {
		m := min(len(ss), 1+r.IntN(3))
		paras = append(paras, strings.Join(ss[:m], " "))
		ss = ss[m:]
	}
	name := fmt.Sprintf("n%07d", k)
	summary := paras[0]
	if len(summary) > 300 {
		summary = summary[:strings.LastIndexByte(summary[:300], ' ')+1] + "…"
	}
	e := digest.Entry{
		GUID: "urn:newswire:" + name, URL: "https://news.example/" + name, Link: "https://news.example/" + name,
		Title: t.title(r), Summary: summary, Text: strings.Join(paras, "\n\n"), Hash: name, Extracted: true, Lang: "en",
	}
	if k%2 == 0 {
		e.Content = "<p>" + strings.Join(paras, "</p><p>") + "</p>"
	} else {
		e.Content = "<p>" + summary + "</p>"
	}
	return e
}
