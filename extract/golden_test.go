package extract

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenNow is the reference time of the golden runs, so that dates are
// judged the same way whenever the tests run.
var goldenNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// pageURLs are the URLs the test pages were "fetched" from.
var pageURLs = map[string]string{
	"wordpress.html":           "https://riverside.example/2023/04/12/community-garden-opens/",
	"news-jsonld.html":         "https://courier.example/business/port-strike-ends?utm_source=feed",
	"medium.html":              "https://medium.example/@priya/what-i-learned-shipping-a-database-migration-7f3a",
	"wp-mobile.html":           "https://digest.example/2024/05/17/lighthouse-keepers-end-of-an-era/",
	"br-layout.html":           "http://gazette.example/news/2008/01/15/budget.html",
	"table-list.html":          "https://weather.example/blog/wet-spring",
	"comments.html":            "https://flourandfield.example/rye-bread-without-starter/",
	"cookie-newsletter.html":   "https://news.example/city/library-hours",
	"german.html":              "https://stadtanzeiger.example/lokales/strassenbahn",
	"microdata.html":           "https://readingroom.example/reviews/bakery-novel",
	"japanese.html":            "https://minato.example/local/20230601-library",
	"captions.html":            "https://courier.example/2024/03/04/ferry-returns/",
	"bylines.html":             "https://courier.example/city/old-library-stays",
	"engagement.html":          "https://railweekly.example/night-trains-return",
	"footers.html":             "https://science.example/news/seabed-map.html",
	"comments-unnamed.html":    "https://yarnnotes.example/2012/09/cool-nights.html",
	"comments-thoughts.html":   "https://transittalk.example/2024/05/tram-line-survey-closes/",
	"footer-only.html":         "https://eveningstar.example/topic/las-vegas/",
	"short-post-comments.html": "https://citylooks.example/2024/10/street-style-yellow-raincoats/",
}

// TestGolden extracts every page of testdata/pages and compares the whole
// Article with testdata/golden/NAME.json. Run with -update to rewrite them
// after a deliberate change, and read the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "pages", "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test pages: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Extract(b, pageURLs[name], WithNow(goldenNow))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			got, err := json.MarshalIndent(a, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".html")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from %s:\n%s", name, golden, lineDiff(string(want), string(got)))
			}
		})
	}
}

// lineDiff lists the lines that differ, for readable failures.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var sb strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			sb.WriteString("- " + a + "\n+ " + b + "\n")
		}
	}
	return sb.String()
}
