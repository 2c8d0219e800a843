package sanitize

import (
	"regexp"
	"strings"
	"sync"
	"testing"
)

const base = "https://news.example.com/2026/11/story.html"

func TestHTMLRemovesScriptsAndHandlers(t *testing.T) {
	tests := []struct {
		name, in string
		bad      []string // none of these may appear in the output (lower-cased)
		keep     string   // this must appear
	}{
		{"script element and its content are removed", `<p>a</p><script>alert(1)</script>`, []string{"<script", "alert"}, "<p>a</p>"},
		{"script split across case and attributes is removed", `<ScRiPt type="text/javascript" src=//evil.example/x.js></sCrIpT><p>a</p>`, []string{"<script", "evil"}, "<p>a</p>"},
		{"onerror on img is dropped", `<img src="x.jpg" onerror="alert(1)">`, []string{"onerror", "alert"}, `src="https://news.example.com/2026/11/x.jpg"`},
		{"onclick on paragraph is dropped", `<p onclick="steal()">text</p>`, []string{"onclick", "steal"}, "<p>text</p>"},
		{"javascript: href is dropped, text kept", `<a href="javascript:alert(1)">click</a>`, []string{"javascript", "href"}, "click"},
		{"javascript: with entities and whitespace is dropped", `<a href="&#106;ava&#x09;script:alert(1)">x</a>`, []string{"script", "href"}, "x"},
		{"vbscript: href is dropped", `<a href="vbscript:msgbox(1)">x</a>`, []string{"vbscript", "href"}, "x"},
		{"data: URL in href is dropped", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`, []string{"data:", "href"}, "x"},
		{"data: URL in img src drops the image", `<p>t<img src="data:image/svg+xml,<svg onload=alert(1)>"></p>`, []string{"data:", "<img", "onload"}, "<p>t"},
		{"style attribute with expression is dropped", `<p style="width: expression(alert(1))">x</p>`, []string{"style", "expression"}, "<p>x</p>"},
		{"style element is removed with its content", `<style>body{background:url(javascript:alert(1))}</style><p>x</p>`, []string{"<style", "javascript"}, "<p>x</p>"},
		{"svg onload is removed", `<svg onload="alert(1)"><circle r="5"/></svg><p>x</p>`, []string{"<svg", "onload"}, "<p>x</p>"},
		{"nested malformed script tags are removed", `<scr<script>ipt>alert(1)</scr</script>ipt><p>x</p>`, []string{"<script"}, "<p>x</p>"},
		{"unclosed tags are closed", `<p><em>open`, []string{"<script"}, "<p><em>open</em></p>"},
		{"iframe from an unknown host is removed", `<iframe src="https://evil.example/x"></iframe><p>x</p>`, []string{"<iframe", "evil"}, "<p>x</p>"},
		{"iframe with javascript src is removed", `<iframe src="javascript:alert(1)"></iframe><p>x</p>`, []string{"<iframe", "javascript"}, "<p>x</p>"},
		{"youtube embed is kept, https and sandboxed", `<iframe src="//www.youtube.com/embed/dQw4w9WgXcQ" onload="x()"></iframe>`, []string{"onload"}, `<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" sandbox=`},
		{"vimeo embed is kept", `<iframe src="https://player.vimeo.com/video/76979871" width="640"></iframe>`, nil, `src="https://player.vimeo.com/video/76979871"`},
		{"form and input are removed", `<form action="https://evil.example"><input name="pw"></form><p>x</p>`, []string{"<form", "<input"}, "<p>x</p>"},
		{"object and embed are removed", `<object data="x.swf"><embed src="x.swf"></object><p>x</p>`, []string{"<object", "<embed"}, "<p>x</p>"},
		{"meta refresh is removed", `<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><p>x</p>`, []string{"<meta", "javascript"}, "<p>x</p>"},
		{"base element cannot change the base", `<base href="https://evil.example/"><a href="/a">x</a>`, []string{"<base", "evil"}, `href="https://news.example.com/a"`},
		{"comment with conditional script is removed", `<!--[if IE]><script>alert(1)</script><![endif]--><p>x</p>`, []string{"<!--", "<script"}, "<p>x</p>"},
		{"link and import are removed", `<link rel="import" href="https://evil.example/x.html"><p>x</p>`, []string{"<link", "evil"}, "<p>x</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HTML(tt.in, base)
			low := strings.ToLower(got)
			for _, b := range tt.bad {
				if strings.Contains(low, b) {
					t.Errorf("HTML(%q) = %q, contains %q", tt.in, got, b)
				}
			}
			if !strings.Contains(got, tt.keep) {
				t.Errorf("HTML(%q) = %q, want it to contain %q", tt.in, got, tt.keep)
			}
		})
	}
}

func TestHTMLResolvesURLs(t *testing.T) {
	tests := []struct {
		name, in, base, want string
	}{
		{"relative href against the page", `<a href="../10/older.html">o</a>`, base,
			`<a href="https://news.example.com/2026/10/older.html" rel="noopener noreferrer" target="_blank">o</a>`},
		{"root-relative img", `<img src="/img/a.jpg" alt="A">`, base, `<img src="https://news.example.com/img/a.jpg" alt="A">`},
		{"protocol-relative img takes the base scheme", `<img src="//cdn.example.net/a.jpg">`, base, `<img src="https://cdn.example.net/a.jpg">`},
		{"srcset candidates are resolved one by one", `<img src="a.jpg" srcset="a-2x.jpg 2x, /b.jpg 800w">`, base,
			`<img src="https://news.example.com/2026/11/a.jpg" srcset="https://news.example.com/2026/11/a-2x.jpg 2x, https://news.example.com/b.jpg 800w">`},
		{"blockquote cite is resolved", `<blockquote cite="/src">q</blockquote>`, base, `<blockquote cite="https://news.example.com/src">q</blockquote>`},
		{"absolute link gets rel and target, replacing the feed's own", `<a href="http://other.example/" rel="nofollow" target="_self">x</a>`, base,
			`<a href="http://other.example/" rel="noopener noreferrer" target="_blank">x</a>`},
		{"in-page fragment link is left alone", `<a href="#fn1">1</a>`, base, `<a href="#fn1">1</a>`},
		{"mailto link is kept without target", `<a href="mailto:desk@example.com">mail</a>`, base, `<a href="mailto:desk@example.com">mail</a>`},
		{"relative URLs stay relative without a base", `<a href="/x">x</a>`, "", `<a href="/x">x</a>`},
		{"relative image without a base is dropped", `<p>t<img src="/x.jpg"></p>`, "", `<p>t</p>`},
		{"unusable base is ignored", `<a href="/x">x</a>`, "not a url", `<a href="/x">x</a>`},
		{"video poster and source are resolved", `<video controls poster="p.jpg"><source src="v.mp4" type="video/mp4"></video>`, base,
			`<video controls="" poster="https://news.example.com/2026/11/p.jpg"><source src="https://news.example.com/2026/11/v.mp4" type="video/mp4"></video>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML(tt.in, tt.base); got != tt.want {
				t.Errorf("HTML(%q, %q)\n got %s\nwant %s", tt.in, tt.base, got, tt.want)
			}
		})
	}
}

func TestHTMLRemovesTrackingPixelsAndEmptyElements(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"1x1 image is removed", `<p>text</p><img src="https://example.com/p.gif" width="1" height="1">`, `<p>text</p>`},
		{"0-height image is removed", `<p>text<img src="https://example.com/p.gif" height="0"></p>`, `<p>text</p>`},
		{"feedburner ~r pixel is removed", `<p>text</p><img src="http://feeds.feedburner.com/~r/Example/~4/abc123" height="1" width="1" alt=""/>`, `<p>text</p>`},
		{"feedburner share button and its empty link are removed", `<div class="feedflare"><a href="http://feeds.feedburner.com/~ff/Example?a=x:y"><img src="http://feeds.feedburner.com/~ff/Example?d=yIl2AUoC8zA" border="0"></a></div><p>t</p>`, `<p>t</p>`},
		{"wordpress stats pixel is removed", `<p>t</p><img src="https://pixel.wp.com/b.gif?host=example.com&blog=1&post=2" alt="">`, `<p>t</p>`},
		{"stats.wordpress.com pixel is removed", `<p>t</p><img src="https://stats.wordpress.com/b.gif?x=1">`, `<p>t</p>`},
		{"doubleclick subdomain is removed", `<p>t</p><a href="https://ad.doubleclick.net/click"><img src="https://ad.doubleclick.net/ad.gif"></a>`, `<p>t</p>`},
		{"large image on a normal host is kept", `<figure><img src="https://img.example.com/a.jpg" width="640" height="360"><figcaption>Cap</figcaption></figure>`,
			`<figure><img src="https://img.example.com/a.jpg" width="640" height="360"><figcaption>Cap</figcaption></figure>`},
		{"empty paragraphs and br-only divs are removed", `<p></p><p> &nbsp; </p><div><br></div><p>x</p>`, `<p>x</p>`},
		{"nested empties are removed as a whole", `<div><p><span><em> </em></span></p></div><p>x</p>`, `<p>x</p>`},
		{"empty table cells are kept so columns stay aligned", `<table><tr><td></td><td>x</td></tr></table>`, `<table><tr><td></td><td>x</td></tr></table>`},
		{"line break inside text is kept", `<p>a<br>b</p>`, `<p>a<br>b</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML(tt.in, base); got != tt.want {
				t.Errorf("HTML(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestHTMLPlainTextAndEmpty(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty input gives empty output", "", ""},
		{"white space only gives empty output", " \n\t ", ""},
		{"plain text is escaped", `Use "quotes" > less`, `Use &#34;quotes&#34; &gt; less`},
		{"entities survive", `AT&amp;T &lt;b&gt;`, `AT&amp;T &lt;b&gt;`},
		{"plain text paragraphs become p elements", "One <3.\n\n Two.\r\n\r\nThree", `<p>One &lt;3.</p><p>Two.</p><p>Three</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML(tt.in, base); got != tt.want {
				t.Errorf("HTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs are separated by a blank line", `<p>One.</p><p>Two.</p>`, "One.\n\nTwo."},
		{"br is a line break", `<p>a<br>b</p>`, "a\nb"},
		{"inline tags do not add spaces", `<p>Hel<b>lo</b> <i>world</i>!</p>`, "Hello world!"},
		{"entities are decoded", `<p>AT&amp;T &lt;3 &eacute;t&eacute; &#8212; ok</p>`, "AT&T <3 été — ok"},
		{"white space collapses", "<p>  a \n\t b  </p>", "a b"},
		{"script and style content are not text", `<style>p{}</style><p>x</p><script>var a = 1;</script>`, "x"},
		{"list items are paragraphs", `<ul><li>a</li><li>b</li></ul>`, "a\n\nb"},
		{"table cells are spaced", `<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>`, "a b\n\nc"},
		{"text without markup collapses white space, keeps paragraphs", "a  b\n c\n\n\nd", "a b c\n\nd"},
		{"self-closing svg does not swallow the rest", `<svg/><p>x</p>`, "x"},
		{"empty input", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// eventAttr matches an event-handler attribute as a browser would parse
// it: a space (or slash or quote) then on... then =.
var eventAttr = regexp.MustCompile(`(?i)[\s/"']on[a-z]+\s*=`)

func FuzzHTML(f *testing.F) {
	for _, s := range []string{
		`<p>Hello <b>world</b></p>`,
		`<img src=x onerror=alert(1)>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<svg onload=alert(1)>`,
		`<scr<script>ipt>alert(1)</script>`,
		`<iframe src="//www.youtube.com/embed/x"></iframe>`,
		`<img src="a.jpg" srcset="a.jpg 1x, b.jpg 2x">`,
		`<p><a href="/x"><img src="/p.gif" width=1 height=1></a></p>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	} {
		f.Add(s, base)
	}
	f.Fuzz(func(t *testing.T, in, baseURL string) {
		out := HTML(in, baseURL)
		low := strings.ToLower(out)
		if strings.Contains(low, "<script") {
			t.Fatalf("HTML(%q) = %q contains <script", in, out)
		}
		// Only tags are checked: text may say "on=" as long as it is
		// escaped text, which has no "<" before it inside a tag.
		for _, tag := range regexp.MustCompile(`<[^>]*>`).FindAllString(out, -1) {
			if eventAttr.MatchString(tag) {
				t.Fatalf("HTML(%q) = %q has an event handler in %q", in, out, tag)
			}
			if strings.Contains(strings.ToLower(tag), "javascript:") {
				t.Fatalf("HTML(%q) = %q has a javascript: URL in %q", in, out, tag)
			}
		}
		// Sanitizing is idempotent on its own output, apart from the
		// embed attributes it adds and from text without markup, which
		// the second pass splits into paragraphs.
		if again := HTML(out, baseURL); again != out && !strings.Contains(out, "<iframe") && hasMarkup(out) {
			t.Fatalf("HTML not stable:\n in  %q\n out %q\n again %q", in, out, again)
		}
		_ = Text(out)
	})
}

// benchContent is a typical WordPress content:encoded body.
var benchContent = strings.Repeat(`<p>The council voted on Tuesday to approve the <a href="/2026/11/budget">new budget</a>, which
includes funds for <strong>three new schools</strong> and the repair of the harbour bridge.</p>
<figure><img src="/wp-content/uploads/2026/11/bridge-1024x683.jpg" alt="The bridge" width="1024" height="683"
srcset="/wp-content/uploads/2026/11/bridge-300x200.jpg 300w, /wp-content/uploads/2026/11/bridge-1024x683.jpg 1024w">
<figcaption>The harbour bridge &#8212; photo by J. Doe</figcaption></figure>
`, 3) + `<img src="https://pixel.wp.com/b.gif?host=x" width="1" height="1"><script>track()</script>`

func BenchmarkHTML(b *testing.B) {
	b.SetBytes(int64(len(benchContent)))
	for b.Loop() {
		HTML(benchContent, base)
	}
}

func BenchmarkHTMLPlainText(b *testing.B) {
	s := strings.Repeat("The council voted on Tuesday to approve the new budget. ", 12)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		HTML(s, base)
	}
}

func BenchmarkText(b *testing.B) {
	s := HTML(benchContent, base)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Text(s)
	}
}

// TestHTMLConcurrent checks that the shared policy gives every goroutine
// the same answer (run with -race to check it is not mutated).
func TestHTMLConcurrent(t *testing.T) {
	want := HTML(benchContent, base)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if got := HTML(benchContent, base); got != want {
					errs <- got
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent HTML differs:\n got %s\nwant %s", got, want)
	}
}
