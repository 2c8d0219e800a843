// Command bench scores the extract package against go-readability and
// go-trafilatura on the team's extraction corpus, per dataset, and times
// them side by side in one process (run with GOMAXPROCS=1 for one-core
// figures).
//
//	go run . [-data DIR] [-tools parse,ours,readability,trafilatura] [-worst N] [-dataset NAME]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"extracteval/bench"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"

	"github.com/occasional-digest/digest/extract"
)

type tool struct {
	name string
	fn   func(p bench.Page) (string, error)
}

var tools = []tool{
	{"parse", func(p bench.Page) (string, error) {
		_, err := html.Parse(bytes.NewReader(p.HTML))
		return "", err
	}},
	{"ours", func(p bench.Page) (string, error) {
		a, err := extract.Extract(p.HTML, p.URL)
		if err != nil {
			return "", err
		}
		return a.Text, nil
	}},
	{"readability", func(p bench.Page) (string, error) {
		u, _ := url.Parse(p.URL)
		a, err := readability.FromReader(bytes.NewReader(p.HTML), u)
		if err != nil {
			return "", err
		}
		var sb strings.Builder
		if err := a.RenderText(&sb); err != nil {
			return "", err
		}
		return sb.String(), nil
	}},
	{"trafilatura", func(p bench.Page) (string, error) {
		u, _ := url.Parse(p.URL)
		r, err := trafilatura.Extract(bytes.NewReader(p.HTML), trafilatura.Options{OriginalURL: u, EnableFallback: true})
		if err != nil {
			return "", err
		}
		return r.ContentText, nil
	}},
}

func main() {
	data := flag.String("data", "", "corpus folder (default: ../../shared/corpus/extraction)")
	names := flag.String("tools", "parse,ours,readability,trafilatura", "tools to run, comma-separated")
	worst := flag.Int("worst", 0, "list the N pages of ours with the lowest F1")
	only := flag.String("dataset", "", "only this dataset")
	limit := flag.Int("limit", 0, "at most N pages per dataset")
	cmp := flag.String("cmp", "", "list the -worst N pages where this tool beats ours most")
	save := flag.String("save", "", "write ours' per-page text and scores to this JSON file (for comparing runs)")
	flag.Parse()
	if *data == "" {
		*data = filepath.Join("..", "..", "shared", "corpus", "extraction")
	}
	if err := run(*data, *names, *only, *worst, *limit, *cmp, *save); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(data, names, only string, worst, limit int, cmpTool, save string) error {
	pages, err := bench.LoadBenchmark(data, true)
	if err != nil {
		return err
	}
	ds, err := datasets(data)
	if err != nil {
		return err
	}
	groups := map[string][]bench.Page{}
	var order []string
	for _, p := range pages {
		d := ds[p.ID]
		if only != "" && d != only {
			continue
		}
		if limit > 0 && len(groups[d]) >= limit {
			continue
		}
		if groups[d] == nil {
			order = append(order, d)
		}
		groups[d] = append(groups[d], p)
	}
	sort.Strings(order)
	var all []bench.Page
	for _, d := range order {
		all = append(all, groups[d]...)
	}
	want := map[string]bool{}
	for _, n := range strings.Split(names, ",") {
		want[strings.TrimSpace(n)] = true
	}
	type result struct {
		name  string
		preds map[string]string
		secs  map[string]float64 // per dataset
		total float64
	}
	var results []result
	var active []tool
	for _, t := range tools {
		if want[t.name] {
			active = append(active, t)
			results = append(results, result{name: t.name, preds: map[string]string{}, secs: map[string]float64{}})
		}
	}
	// Tools take turns chunk by chunk (50 pages), so that the changing load
	// of a shared machine weighs on all of them alike; each chunk starts
	// from a collected heap, and a tool pays for the collection of its own
	// garbage. The first page of each dataset is a warm-up, not timed.
	const chunk = 50
	for _, d := range order {
		ps := groups[d]
		for k, t := range active {
			s, _ := t.fn(ps[0])
			results[k].preds[ps[0].ID] = strings.ReplaceAll(s, "\u00ad", "")
		}
		for lo := 1; lo < len(ps); lo += chunk {
			hi := min(lo+chunk, len(ps))
			for k, t := range active {
				runtime.GC()
				start := time.Now()
				for _, p := range ps[lo:hi] {
					s, err := t.fn(p)
					if err != nil {
						s = ""
					}
					results[k].preds[p.ID] = strings.ReplaceAll(s, "\u00ad", "")
				}
				el := time.Since(start).Seconds()
				results[k].secs[d] += el
				results[k].total += el
			}
		}
	}
	fmt.Printf("%-20s %6s", "dataset", "pages")
	for _, r := range results {
		if r.name != "parse" {
			fmt.Printf(" | %-24s", r.name+" F1/P/R")
		}
	}
	fmt.Println()
	var ourPer []bench.PageReport
	per := map[string]map[string]float64{} // tool -> id -> F1
	score := func(label string, ps []bench.Page) {
		fmt.Printf("%-20s %6d", label, len(ps))
		for _, r := range results {
			if r.name == "parse" {
				continue
			}
			sub := make(map[string]string, len(ps))
			for _, p := range ps {
				sub[p.ID] = r.preds[p.ID]
			}
			rep, err := bench.Evaluate(ps, &bench.Predictions{Name: r.name, Bodies: sub}, 0, 1)
			if err != nil {
				fmt.Printf(" | %-24s", "error")
				continue
			}
			fmt.Printf(" | %.4f / %.4f / %.4f", rep.F1, rep.Precision, rep.Recall)
			if label == "all" {
				if r.name == "ours" {
					ourPer = rep.PerPage
				}
				per[r.name] = map[string]float64{}
				for _, pp := range rep.PerPage {
					per[r.name][pp.ID] = pp.F1
				}
			}
		}
		fmt.Println()
	}
	for _, d := range order {
		score(d, groups[d])
	}
	score("all", all)

	fmt.Printf("\n%-20s", "pages/s (1 run)")
	for _, r := range results {
		fmt.Printf(" | %s %.0f", r.name, float64(len(all))/r.total)
	}
	fmt.Println()
	var parse, ours float64
	for _, r := range results {
		switch r.name {
		case "parse":
			parse = r.total
		case "ours":
			ours = r.total
		}
	}
	for _, r := range results {
		if r.name != "ours" && r.name != "parse" && ours > 0 {
			fmt.Printf("ours is %.2fx the pages/s of %s\n", r.total/ours, r.name)
		}
	}
	if parse > 0 && ours > 0 {
		fmt.Printf("ours time / parse time: %.2f\n", ours/parse)
		for _, d := range order {
			var ps, os float64
			for _, r := range results {
				switch r.name {
				case "parse":
					ps = r.secs[d]
				case "ours":
					os = r.secs[d]
				}
			}
			fmt.Printf("  %-20s ours/parse %.2f\n", d, os/ps)
		}
	}
	if save != "" && ourPer != nil {
		if err := savePages(save, ourPer, ds, results[slices.IndexFunc(results, func(r result) bool { return r.name == "ours" })].preds); err != nil {
			return err
		}
	}
	if worst > 0 && ourPer != nil {
		sort.Slice(ourPer, func(i, j int) bool { return ourPer[i].F1 < ourPer[j].F1 })
		for _, p := range ourPer[:min(worst, len(ourPer))] {
			fmt.Printf("%-60s F1 %.3f P %.3f R %.3f\n", p.ID, p.F1, p.Precision, p.Recall)
		}
	}
	if cmpTool != "" && per[cmpTool] != nil {
		type diff struct {
			id      string
			o, t, d float64
		}
		var ds []diff
		for id, f := range per["ours"] {
			ds = append(ds, diff{id, f, per[cmpTool][id], per[cmpTool][id] - f})
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i].d > ds[j].d })
		fmt.Printf("\npages where %s beats ours most:\n", cmpTool)
		for _, d := range ds[:min(worst, len(ds))] {
			fmt.Printf("%-60s ours %.3f %s %.3f\n", d.id, d.o, cmpTool, d.t)
		}
		var gain float64
		for _, d := range ds {
			gain += d.d
		}
		fmt.Printf("sum of differences: %.2f pages\n", gain)
	}
	return nil
}

// savedPage is one page of a -save file.
type savedPage struct {
	Dataset   string  `json:"dataset"`
	Precision float64 `json:"p"`
	Recall    float64 `json:"r"`
	Text      string  `json:"text"`
}

// savePages writes ours' text and per-page scores, by page ID, so that two
// runs can be compared page by page.
func savePages(path string, per []bench.PageReport, ds, preds map[string]string) error {
	out := make(map[string]savedPage, len(per))
	for _, p := range per {
		out[p.ID] = savedPage{Dataset: ds[p.ID], Precision: p.Precision, Recall: p.Recall, Text: preds[p.ID]}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func datasets(dir string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, err
	}
	var gt map[string]struct {
		Dataset string `json:"dataset"`
	}
	if err := json.Unmarshal(b, &gt); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(gt))
	for id, v := range gt {
		out[id] = v.Dataset
	}
	return out, nil
}
