// Package clusters holds the word clusters the entity tagger's features
// read: the 100,000 most frequent lower-case words of GloVe 6B, grouped
// by k-means over their 100-dimensional vectors into 64 coarse and 512
// fine clusters (see NOTICE and ./gen). Words of one cluster are used
// alike ("obama" and "barack" beside other politicians' names), so a name
// unseen in training gets the weights its cluster learned: the standard
// remedy for names the training text never had.
package clusters

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

//go:embed clusters.tsv.gz
var data []byte

// pair is a word's coarse and fine cluster, each plus one (0: none).
type pair struct{ coarse, fine uint16 }

var load = sync.OnceValue(func() map[string]pair {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		panic("clusters: embedded table: " + err.Error())
	}
	m := make(map[string]pair, 100000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			continue
		}
		c, err1 := strconv.Atoi(f[1])
		fi, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil {
			continue
		}
		m[f[0]] = pair{uint16(c + 1), uint16(fi + 1)}
	}
	if err := sc.Err(); err != nil {
		panic("clusters: embedded table: " + err.Error())
	}
	return m
})

// Of returns the coarse and fine clusters of a lower-case word, numbered
// from 1; 0, 0 for a word not in the table.
func Of(lw string) (coarse, fine int) {
	p := load()[lw]
	return int(p.coarse), int(p.fine)
}

// Len returns the number of words in the table.
func Len() int { return len(load()) }
