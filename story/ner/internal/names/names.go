// Package names holds the given names the entity tagger's features know:
// 26,522 first names that at least 250 children born in the United States
// in 1880–2024 were given, lower-cased (see NOTICE and ./gen). A word on
// the list is a hint, not a verdict: "Paris", "Jordan" and "Will" are on it.
package names

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"strings"
	"sync"
)

//go:embed names.txt.gz
var data []byte

var load = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		panic("names: embedded list: " + err.Error())
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		panic("names: embedded list: " + err.Error())
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	m := make(map[string]struct{}, len(lines))
	for _, l := range lines {
		m[l] = struct{}{}
	}
	return m
})

// Given reports whether lw, lower-cased, is a given name on the list.
func Given(lw string) bool {
	_, ok := load()[lw]
	return ok
}

// Len returns the number of names on the list.
func Len() int { return len(load()) }
