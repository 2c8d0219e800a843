package story

import (
	"bufio"
	"encoding/json"
	"github.com/occasional-digest/digest/internal/testcorpus"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/occasional-digest/digest/eval"
)

// corpusDir returns ../shared/corpus, or skips the test when its stories
// folder is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	testcorpus.Path(t, "stories")
	return testcorpus.Dir(t)
}

type corpusItem struct {
	ID    string `json:"id"`
	Event string `json:"event"`
	Topic string `json:"topic"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

func loadCorpus(t testing.TB, name string) []corpusItem {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir(t), "stories", name))
	if err != nil {
		t.Skipf("corpus file %s: %v", name, err)
	}
	defer f.Close()
	var items []corpusItem
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var it corpusItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return items
}

// clusterCorpus runs the engine over items in file order (the event and
// topic hidden) and scores the final stories against the gold events.
func clusterCorpus(items []corpusItem, opts Options) eval.ClusterScore {
	e := NewEngine(opts)
	for i, it := range items {
		e.Add(Doc{ID: int64(i + 1), Title: it.Title, Text: it.Text})
	}
	gold := map[string]string{}
	topic := map[string]string{}
	pred := map[string]string{}
	for i, it := range items {
		gold[it.ID] = it.Event
		if it.Topic != "" {
			topic[it.ID] = it.Topic
		}
		if s, ok := e.StoryOf(int64(i + 1)); ok {
			pred[it.ID] = strconv.FormatInt(s, 10)
		}
	}
	if len(topic) == 0 {
		topic = nil
	}
	return eval.ScoreClusters(gold, pred, topic)
}

func logScore(t *testing.T, name string, s eval.ClusterScore) {
	t.Helper()
	t.Logf("%-18s pairwise %s | B-cubed %s | stories %d (events %d) | sibling-merge %.3f",
		name, s.Pairwise, s.BCubed, s.Stories, s.Events, s.SiblingMerge)
}

// TestCorpusSmoke clusters the first 200 ECB+ articles and 250 Multi-News
// articles with the default options and checks the B-cubed scores beat
// floors (subsets cut events, so the pairwise figures are not comparable
// with the full-file ones).
func TestCorpusSmoke(t *testing.T) {
	ecb := loadCorpus(t, "ecbplus-dev.jsonl")
	mn := loadCorpus(t, "articles.jsonl")
	sEcb := clusterCorpus(ecb[:min(len(ecb), 200)], DefaultOptions())
	sMn := clusterCorpus(mn[:min(len(mn), 250)], DefaultOptions())
	logScore(t, "ecbplus[:200]", sEcb)
	logScore(t, "multinews[:250]", sMn)
	if sEcb.BCubed.F1 < 0.80 {
		t.Errorf("ECB+ subset B-cubed F1 %.3f, want >= 0.80", sEcb.BCubed.F1)
	}
	if sMn.BCubed.F1 < 0.90 {
		t.Errorf("Multi-News subset B-cubed F1 %.3f, want >= 0.90", sMn.BCubed.F1)
	}
}

// TestCorpusEval clusters both development files in full and prints the
// figures. It runs only with DIGEST_EVAL=1. It fails below the naive
// single-link baselines of the corpus README (at their best threshold, so
// an optimistic bar); the targets are pairwise F1 0.92 on Multi-News and
// B-cubed F1 0.92 on ECB+, logged as unmet when they are.
func TestCorpusEval(t *testing.T) {
	if os.Getenv("DIGEST_EVAL") != "1" {
		t.Skip("set DIGEST_EVAL=1 to run the full corpus evaluation")
	}
	ecb := loadCorpus(t, "ecbplus-dev.jsonl")
	mn := loadCorpus(t, "articles.jsonl")
	sMn := clusterCorpus(mn, DefaultOptions())
	sEcb := clusterCorpus(ecb, DefaultOptions())
	logScore(t, "articles.jsonl", sMn)
	logScore(t, "ecbplus-dev.jsonl", sEcb)
	if sMn.Pairwise.F1 < 0.771 {
		t.Errorf("Multi-News pairwise F1 %.3f, below the naive baseline 0.771", sMn.Pairwise.F1)
	}
	if sEcb.BCubed.F1 < 0.831 {
		t.Errorf("ECB+ B-cubed F1 %.3f, below the naive baseline 0.831", sEcb.BCubed.F1)
	}
	// Streaming results depend on arrival order: report the spread over a
	// few shuffles of each file too.
	for _, f := range []struct {
		name  string
		items []corpusItem
	}{{"articles.jsonl", mn}, {"ecbplus-dev.jsonl", ecb}} {
		var pw, b3, sib []float64
		for seed := range uint64(3) {
			items := slices.Clone(f.items)
			r := rand.New(rand.NewPCG(seed, 99))
			r.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
			s := clusterCorpus(items, DefaultOptions())
			pw, b3, sib = append(pw, s.Pairwise.F1), append(b3, s.BCubed.F1), append(sib, s.SiblingMerge)
		}
		t.Logf("%-18s shuffled x3: pairwise F1 %.3f %.3f %.3f | B-cubed F1 %.3f %.3f %.3f | sibling-merge %.3f %.3f %.3f",
			f.name, pw[0], pw[1], pw[2], b3[0], b3[1], b3[2], sib[0], sib[1], sib[2])
		s0 := sMn
		if f.name == "ecbplus-dev.jsonl" {
			s0 = sEcb
		}
		mean := func(first float64, xs []float64) float64 { return (first + xs[0] + xs[1] + xs[2]) / 4 }
		t.Logf("%-18s mean of 4 orders: pairwise F1 %.3f | B-cubed F1 %.3f | sibling-merge %.3f",
			f.name, mean(s0.Pairwise.F1, pw), mean(s0.BCubed.F1, b3), mean(s0.SiblingMerge, sib))
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"Multi-News pairwise F1", sMn.Pairwise.F1, 0.92}, {"ECB+ B-cubed F1", sEcb.BCubed.F1, 0.92}} {
		if c.got < c.want {
			t.Logf("target unmet: %s %.3f < %.2f", c.name, c.got, c.want)
		}
	}
}
