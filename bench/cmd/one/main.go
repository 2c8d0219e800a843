// Command one extracts one page of the corpus and prints its metadata and
// text, with -truth the ground truth first: a debugging aid.
//
//	go run ./cmd/one [-data DIR] [-truth] ID
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"extracteval/bench"

	"github.com/occasional-digest/digest/extract"
)

func main() {
	data := flag.String("data", filepath.Join("..", "..", "shared", "corpus", "extraction"), "corpus folder")
	truth := flag.Bool("truth", false, "print the ground truth first")
	diff := flag.Bool("diff", false, "print only the lines of the truth missing from ours (-) and ours missing from the truth (+)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: one [-data DIR] [-truth] ID")
		os.Exit(2)
	}
	if err := run(*data, flag.Arg(0), *truth, *diff); err != nil {
		fmt.Fprintln(os.Stderr, "one:", err)
		os.Exit(1)
	}
}

func run(data, id string, truth, diff bool) error {
	f, err := os.Open(filepath.Join(data, "html", id+".html.gz"))
	if err != nil {
		return err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(z)
	if err != nil {
		return err
	}
	gt, err := os.ReadFile(filepath.Join(data, "ground-truth.json"))
	if err != nil {
		return err
	}
	var m map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(gt, &m); err != nil {
		return err
	}
	a, err := extract.Extract(b, m[id].URL)
	if err != nil {
		return err
	}
	if diff {
		printDiff(m[id].ArticleBody, a.Text)
		return nil
	}
	if truth {
		fmt.Println("=== TRUTH")
		fmt.Println(m[id].ArticleBody)
	}
	fmt.Println("=== OURS", a.Title, a.Authors, a.Published, a.Lang)
	fmt.Println(a.Text)
	return nil
}

// printDiff prints the lines of want whose words do not occur in got, and
// the lines of got whose words do not occur in want, each in order.
func printDiff(want, got string) {
	norm := func(s string) string { return " " + strings.Join(bench.Tokenize(s), " ") + " " }
	w, g := norm(want), norm(got)
	show := func(sign, text, other string) {
		for _, line := range strings.Split(text, "\n") {
			t := norm(line)
			if strings.TrimSpace(t) == "" || strings.Contains(other, t) {
				continue
			}
			fmt.Println(sign, strings.TrimSpace(line))
		}
	}
	fmt.Println("=== MISSING (in truth, not ours)")
	show("-", want, g)
	fmt.Println("=== EXTRA (ours, not in truth)")
	show("+", got, w)
}
