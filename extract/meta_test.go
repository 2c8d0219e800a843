package extract

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func page(head, body string) []byte {
	return []byte("<!DOCTYPE html><html><head>" + head + "</head><body>" + body +
		"<p>" + strings.Repeat("A sentence of body text that is long enough to count as a paragraph. ", 3) + "</p></body></html>")
}

func TestMetadataSources(t *testing.T) {
	jsonLD := `<script type="application/ld+json">{"@context":"https://schema.org","@graph":[` +
		`{"@type":"WebSite","name":"Graph Site"},` +
		`{"@type":["NewsArticle"],"headline":"LD headline","datePublished":"2021-05-06T07:08:09+02:00","dateModified":"2021-05-07T10:00:00Z",` +
		`"author":[{"@type":"Person","name":"Ana Lima"},{"@type":"Person","name":"Ben Ode"}],"articleSection":"World",` +
		`"keywords":["a","b"],"image":["https://img.example/1.jpg"],"inLanguage":"pt-BR","url":"https://site.example/ld"}]}</script>`
	cases := []struct {
		name  string
		head  string
		body  string
		url   string
		check func(t *testing.T, a *Article)
	}{
		{"JSON-LD @graph gives headline, authors, dates, section, tags, image, language", jsonLD, "", "https://site.example/x", func(t *testing.T, a *Article) {
			eq(t, "title", a.Title, "LD headline")
			eq(t, "authors", strings.Join(a.Authors, ";"), "Ana Lima;Ben Ode")
			eqTime(t, "published", a.Published, "2021-05-06T07:08:09+02:00")
			eqTime(t, "modified", a.Modified, "2021-05-07T10:00:00Z")
			eq(t, "section", a.Section, "World")
			eq(t, "tags", strings.Join(a.Tags, ","), "a,b")
			eq(t, "image", a.Image, "https://img.example/1.jpg")
			eq(t, "lang", a.Lang, "pt-BR")
			eq(t, "canonical", a.CanonicalURL, "https://site.example/ld")
			eq(t, "site", a.SiteName, "Graph Site")
		}},
		{"JSON-LD wins over OpenGraph", jsonLD + `<meta property="og:title" content="OG title">`, "", "", func(t *testing.T, a *Article) {
			eq(t, "title", a.Title, "LD headline")
		}},
		{"broken JSON-LD is ignored, OpenGraph used", `<script type="application/ld+json">{"@type":"NewsArticle",</script><meta property="og:title" content="OG title">`, "", "", func(t *testing.T, a *Article) {
			eq(t, "title", a.Title, "OG title")
		}},
		{"OpenGraph and article:* tags", `<meta property="og:title" content="OG title"><meta property="og:site_name" content="OG Site">` +
			`<meta property="article:published_time" content="2020-01-02T03:04:05Z"><meta property="article:tag" content="x"><meta property="article:tag" content="y">` +
			`<meta property="og:image" content="/rel.jpg"><meta property="og:url" content="https://og.example/a"><meta property="og:locale" content="fr_FR">` +
			`<meta property="og:description" content="OG description">`, "", "https://og.example/page", func(t *testing.T, a *Article) {
			eq(t, "title", a.Title, "OG title")
			eq(t, "site", a.SiteName, "OG Site")
			eqTime(t, "published", a.Published, "2020-01-02T03:04:05Z")
			eq(t, "tags", strings.Join(a.Tags, ","), "x,y")
			eq(t, "image", a.Image, "https://og.example/rel.jpg")
			eq(t, "canonical", a.CanonicalURL, "https://og.example/a")
			eq(t, "lang", a.Lang, "fr-FR")
			eq(t, "description", a.Description, "OG description")
		}},
		{"Twitter card", `<meta name="twitter:title" content="TW title"><meta name="twitter:description" content="TW desc"><meta name="twitter:image" content="https://tw.example/i.png">`, "", "", func(t *testing.T, a *Article) {
			eq(t, "title", a.Title, "TW title")
			eq(t, "description", a.Description, "TW desc")
			eq(t, "image", a.Image, "https://tw.example/i.png")
		}},
		{"Dublin Core", `<meta name="DC.title" content="DC title"><meta name="DC.creator" content="Carla Dee"><meta name="DCTERMS.modified" content="2019-02-03"><meta name="DC.date.issued" content="2019-01-02"><meta name="DC.language" content="nl">`, "", "", func(t *testing.T, a *Article) {
			eq(t, "title", a.Title, "DC title")
			eq(t, "authors", strings.Join(a.Authors, ";"), "Carla Dee")
			eqTime(t, "published", a.Published, "2019-01-02T00:00:00Z")
			eqTime(t, "modified", a.Modified, "2019-02-03T00:00:00Z")
			eq(t, "lang", a.Lang, "nl")
		}},
		{"microdata", `<title>Page</title>`, `<div itemscope itemtype="https://schema.org/Article"><h1 itemprop="headline">MD headline</h1>` +
			`<span itemprop="author" itemscope><span itemprop="name">Dora Em</span></span><time itemprop="datePublished" datetime="2018-07-08T09:10:00-04:00">July 8</time>` +
			`<meta itemprop="dateModified" content="2018-07-09"></div>`, "", func(t *testing.T, a *Article) {
			eq(t, "title", a.Title, "MD headline")
			eq(t, "authors", strings.Join(a.Authors, ";"), "Dora Em")
			eqTime(t, "published", a.Published, "2018-07-08T09:10:00-04:00")
			eqTime(t, "modified", a.Modified, "2018-07-09T00:00:00Z")
		}},
		{"<time> element with pubdate", `<title>T</title>`, `<time datetime="2017-03-04">x</time><time pubdate datetime="2016-01-02T10:00:00+01:00">y</time>`, "", func(t *testing.T, a *Article) {
			eqTime(t, "published", a.Published, "2016-01-02T10:00:00+01:00")
		}},
		{"<time> text without datetime", `<title>T</title>`, `<time>Updated 3:04 PM EST, Tue January 2, 2018</time>`, "", func(t *testing.T, a *Article) {
			eqTime(t, "published", a.Published, "2018-01-02T15:04:00-05:00")
		}},
		{"date printed in an element named for it", `<title>T</title>`, `<div class="post-info">Posted on <span class="entry-date">Sept. 12, 2019, 10:30 a.m. ET</span></div>`, "https://x.example/2010/01/02/a", func(t *testing.T, a *Article) {
			eqTime(t, "published", a.Published, "2019-09-12T10:30:00-05:00")
		}},
		{"URL date when nothing else", `<title>T</title>`, "", "https://news.example/2015/11/23/story.html", func(t *testing.T, a *Article) {
			eqTime(t, "published", a.Published, "2015-11-23T00:00:00Z")
		}},
		{"byline class", `<title>T</title>`, `<div class="byline">By Erin Fox and Gil Ray</div>`, "", func(t *testing.T, a *Article) {
			eq(t, "authors", strings.Join(a.Authors, ";"), "Erin Fox;Gil Ray")
		}},
		{"rel=author link", `<title>T</title>`, `<a rel="author" href="/erin">Erin Fox</a>`, "", func(t *testing.T, a *Article) {
			eq(t, "authors", strings.Join(a.Authors, ";"), "Erin Fox")
		}},
		{"title without the site name", `<title>The real headline here | Big Site</title>`, "", "", func(t *testing.T, a *Article) {
			eq(t, "title", a.Title, "The real headline here")
		}},
		{"dates in the future are refused", `<meta property="article:published_time" content="2099-01-01T00:00:00Z">`, "", "https://x.example/2010/01/02/a", func(t *testing.T, a *Article) {
			eqTime(t, "published", a.Published, "2010-01-02T00:00:00Z")
		}},
		{"html lang", `<title>T</title>`, "", "", func(t *testing.T, a *Article) {
			eq(t, "lang", a.Lang, "en") // detected from the English body text
		}},
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Extract(page(c.head, c.body), c.url, WithNow(now))
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, a)
		})
	}
}

func eq(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func eqTime(t *testing.T, what string, got time.Time, want string) {
	t.Helper()
	w, err := time.Parse(time.RFC3339, want)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(w) || got.Format(time.RFC3339) != want {
		t.Errorf("%s = %s, want %s", what, got.Format(time.RFC3339), want)
	}
}

func TestParseDate(t *testing.T) {
	cases := []struct {
		in   string
		want string // RFC 3339; "" for no date
	}{
		{"2021-05-06T07:08:09+02:00", "2021-05-06T07:08:09+02:00"},
		{"2021-05-06T07:08:09.123Z", "2021-05-06T07:08:09Z"},
		{"2021-05-06T07:08:09+0200", "2021-05-06T07:08:09+02:00"},
		{"2021-05-06T07:08", "2021-05-06T07:08:00Z"},
		{"2021-05-06 07:08:09", "2021-05-06T07:08:09Z"},
		{"2021-05-06", "2021-05-06T00:00:00Z"},
		{"20210506", "2021-05-06T00:00:00Z"},
		{"2021/05/06", "2021-05-06T00:00:00Z"},
		{"Thu, 06 May 2021 07:08:09 GMT", "2021-05-06T07:08:09Z"},
		{"Thu, 06 May 2021 07:08:09 +0100", "2021-05-06T07:08:09+01:00"},
		{"May 6, 2021", "2021-05-06T00:00:00Z"},
		{"May 6, 2021 3:04 PM", "2021-05-06T15:04:00Z"},
		{"6 May 2021", "2021-05-06T00:00:00Z"},
		{"Jan. 2, 2018", "2018-01-02T00:00:00Z"},
		{"Sept. 12, 2019, 10:30 a.m. ET", "2019-09-12T10:30:00-05:00"},
		{"Updated 3:04 PM EST, Tue January 2, 2018", "2018-01-02T15:04:00-05:00"},
		{"Published 2 May 2021, 14:05 BST", "2021-05-02T14:05:00+01:00"},
		{"2. März 2021, 14:05 Uhr", "2021-03-02T14:05:00Z"},
		{"12 de octubre de 2020", "2020-10-12T00:00:00Z"},
		{"06.05.2021", "2021-05-06T00:00:00Z"},
		{"05/06/2021", "2021-05-06T00:00:00Z"},
		{"1620284889", "2021-05-06T07:08:09Z"},
		{"1620284889000", "2021-05-06T07:08:09Z"},
		{"Monday, January 2, 2006 15:04 GMT+0300", "2006-01-02T15:04:00+03:00"},
		{"", ""},
		{"yesterday", ""},
		{"Version 2.0", ""},
		{"1850-01-01", ""},
		{"February 30, 2020", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, ok := parseDate(c.in)
			if c.want == "" {
				if ok {
					t.Fatalf("parseDate(%q) = %s, want no date", c.in, got.Format(time.RFC3339))
				}
				return
			}
			if !ok {
				t.Fatalf("parseDate(%q) failed, want %s", c.in, c.want)
			}
			if g := got.Format(time.RFC3339); g != c.want {
				t.Fatalf("parseDate(%q) = %s, want %s", c.in, g, c.want)
			}
		})
	}
}

func TestDateFromURL(t *testing.T) {
	cases := map[string]string{
		"https://a.example/2019/03/04/slug":        "2019-03-04",
		"https://a.example/news/2019-03-04-slug":   "2019-03-04",
		"https://a.example/20190304/slug":          "2019-03-04",
		"https://a.example/2019/03/slug":           "",
		"https://a.example/products/123456789/abc": "",
		"https://a.example/2019/13/40/x":           "",
	}
	for in, want := range cases {
		got, ok := dateFromURL(in)
		g := ""
		if ok {
			g = got.Format("2006-01-02")
		}
		if g != want {
			t.Errorf("dateFromURL(%q) = %q, want %q", in, g, want)
		}
	}
}

func TestDetectLang(t *testing.T) {
	cases := []struct{ lang, text string }{
		{"en", "The council said that the new bridge would be open to traffic by the end of the year, and that it was pleased with the work."},
		{"de", "Der Stadtrat hat am Dienstag beschlossen, dass die neue Brücke bis zum Ende des Jahres für den Verkehr geöffnet wird."},
		{"fr", "Le conseil municipal a décidé mardi que le nouveau pont sera ouvert à la circulation avant la fin de l'année."},
		{"es", "El ayuntamiento decidió el martes que el nuevo puente estará abierto al tráfico antes de que termine el año."},
		{"it", "Il consiglio comunale ha deciso martedì che il nuovo ponte sarà aperto al traffico entro la fine dell'anno."},
		{"pt", "A câmara decidiu na terça-feira que a nova ponte estará aberta ao trânsito até ao final do ano, com mais faixas."},
		{"nl", "De gemeenteraad heeft dinsdag besloten dat de nieuwe brug voor het einde van het jaar open is voor het verkeer."},
		{"ru", "Городской совет во вторник решил, что новый мост будет открыт для движения до конца года, и это хорошо."},
		{"ja", "市議会は火曜日、新しい橋を年末までに開通させることを決めた。工事は順調に進んでいるという。"},
		{"zh", "市议会周二决定，新桥将在年底前通车。市长表示，工程进展顺利，预计不会延期。"},
		{"ko", "시의회는 화요일 새 다리를 연말까지 개통하기로 결정했다. 공사는 순조롭게 진행되고 있다."},
		{"ar", "قرر مجلس المدينة يوم الثلاثاء أن الجسر الجديد سيفتح أمام حركة المرور بحلول نهاية العام."},
		{"", "ok"},
	}
	for _, c := range cases {
		if got := detectLang(c.text); got != c.lang {
			t.Errorf("detectLang(%.30q) = %q, want %q", c.text, got, c.lang)
		}
	}
}

func TestSplitAuthors(t *testing.T) {
	cases := map[string][]string{
		"By Jane Doe and John Roe": {"Jane Doe", "John Roe"},
		"Jane Doe, John Roe":       {"Jane Doe", "John Roe"},
		"von Katrin Vogel":         {"Katrin Vogel"},
		"https://x.example/jane":   nil,
		"By Jane Doe | Reuters":    {"Jane Doe"},
	}
	for in, want := range cases {
		if got := splitAuthors(in); !slices.Equal(got, want) {
			t.Errorf("splitAuthors(%q) = %q, want %q", in, got, want)
		}
	}
}
