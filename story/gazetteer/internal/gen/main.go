// Command gen derives the gazetteer's embedded table (data.tsv.gz) from the
// shared corpus (countries.json from world-countries, ODbL; cities50k.tsv from
// GeoNames, CC BY 4.0). Run it from the gazetteer package directory:
//
//	go run ./internal/gen -corpus ../../../shared/corpus/gazetteer
//
// The output has one record a line, tab-separated:
//
//	C  code  common name  official name  capitals  demonyms  aliases
//	T  name  country code  population
//
// where list fields are separated by "|".
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// extraAliases are common English names the source data lacks (it lists
// ISO codes and native spellings instead).
var extraAliases = map[string][]string{
	"US": {"U.S.", "US", "U.S.A.", "USA", "America", "United States of America"},
	"GB": {"U.K.", "UK", "Britain", "Great Britain"},
	"RU": {"Russian Federation"},
	"KR": {"S. Korea"},
	"KP": {"N. Korea"},
	"AE": {"UAE", "U.A.E."},
	"CD": {"DR Congo", "DRC", "Congo-Kinshasa"},
	"CG": {"Congo-Brazzaville"},
	"CZ": {"Czech Republic"},
	"NL": {"Holland"},
	"VA": {"Vatican"},
	"CI": {"Ivory Coast"},
	"MM": {"Burma"},
}

type country struct {
	Name struct {
		Common   string `json:"common"`
		Official string `json:"official"`
	} `json:"name"`
	CCA2         string   `json:"cca2"`
	Capital      []string `json:"capital"`
	AltSpellings []string `json:"altSpellings"`
	Demonyms     map[string]struct {
		F string `json:"f"`
		M string `json:"m"`
	} `json:"demonyms"`
}

func main() {
	corpus := flag.String("corpus", "../../../shared/corpus/gazetteer", "gazetteer corpus directory")
	out := flag.String("o", "data.tsv.gz", "output file")
	flag.Parse()
	if err := run(*corpus, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(corpus, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(zw)
	if err := writeCountries(w, filepath.Join(corpus, "countries.json")); err != nil {
		return err
	}
	if err := writeCities(w, filepath.Join(corpus, "cities50k.tsv")); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// latinName reports whether s is a plain English-usable name: Latin letters,
// spaces, dots, hyphens and apostrophes, at least three characters.
func latinName(s string) bool {
	if len([]rune(s)) < 3 {
		return false
	}
	for _, r := range s {
		switch {
		case r < 128 && (unicode.IsLetter(r) || r == ' ' || r == '.' || r == '-' || r == '\''):
		default:
			return false
		}
	}
	return true
}

func clean(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\t", " ", "|", " ").Replace(s)), " ")
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		s = clean(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

func writeCountries(w io.Writer, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cs []country
	if err := json.Unmarshal(b, &cs); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].CCA2 < cs[j].CCA2 })
	for _, c := range cs {
		var dem []string
		if d, ok := c.Demonyms["eng"]; ok {
			dem = uniq([]string{d.M, d.F})
		}
		var alias []string
		for _, a := range c.AltSpellings {
			if latinName(a) && a != c.Name.Common && a != c.Name.Official {
				alias = append(alias, a)
			}
		}
		alias = uniq(append(alias, extraAliases[c.CCA2]...))
		fmt.Fprintf(w, "C\t%s\t%s\t%s\t%s\t%s\t%s\n", c.CCA2, clean(c.Name.Common), clean(c.Name.Official),
			strings.Join(uniq(c.Capital), "|"), strings.Join(dem, "|"), strings.Join(alias, "|"))
	}
	return nil
}

func writeCities(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) < 3 {
			continue
		}
		pop, err := strconv.Atoi(fs[2])
		if err != nil {
			return fmt.Errorf("%s: population %q: %w", path, fs[2], err)
		}
		fmt.Fprintf(w, "T\t%s\t%s\t%d\n", clean(fs[0]), fs[1], pop)
	}
	return sc.Err()
}
