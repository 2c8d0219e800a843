package extract

import "strings"

// Class and id vocabularies. They describe how CMSs name their parts; the
// lists are matched as substrings of the lower-cased class or id.
var (
	unlikelyWords = []string{
		"-ad-", "ai2html", "banner", "breadcrumb", "combx", "comment", "community",
		"cover-wrap", "disqus", "extra", "footer", "gdpr", "header", "legends", "menu",
		"related", "remark", "replies", "rss", "shoutbox", "sidebar", "skyscraper",
		"social", "sponsor", "supplemental", "ad-break", "agegate", "pagination",
		"pager", "popup", "yom-remote",
	}
	// strongUnlikelyWords name page furniture that no content word in the
	// same class rescues ("login-overlay-content").
	strongUnlikelyWords = []string{
		"login", "signin", "sign-in", "cookie", "consent", "gdpr", "newsletter", "popup",
	}
	maybeWords = []string{"and", "article", "body", "column", "content", "main", "mathjax", "shadow"}

	negativeWords = []string{
		"-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "footer",
		"gdpr", "masthead", "media", "meta", "outbrain", "promo", "related", "scroll",
		"share", "shoutbox", "sidebar", "skyscraper", "sponsor", "shopping", "tags",
		"widget",
	}
	positiveWords = []string{
		"article", "body", "content", "entry", "hentry", "h-entry", "main", "page",
		"pagination", "post", "text", "blog", "story",
	}

	// boilerWords name blocks that sit inside an article's container but
	// are not the article: sharing, subscription, cookie and newsletter
	// boxes, related lists, comments.
	boilerWords = []string{
		"newsletter", "subscribe", "subscription", "cookie", "consent", "signup", "sign-up",
		"paywall", "related", "recommend", "promo", "advert", "outbrain", "taboola",
		"social", "sharing", "comment", "disqus", "popular", "most-read", "mostread",
		"more-stories", "read-more", "readmore", "affiliate", "recirculation", "editor-picks", "editorpicks",
		"author-bio", "authorbio",
	}
)

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// isUnlikely reports whether an element's class or id names a part of the
// page that is almost never the article.
func isUnlikely(class, id string) bool {
	s := lower(class) + " " + lower(id)
	return containsAny(s, strongUnlikelyWords) || containsAny(s, unlikelyWords) && !containsAny(s, maybeWords)
}

// classWeight scores an element's class and id: -25 each for a boilerplate
// name, +25 each for a content name.
func classWeight(class, id string) int16 {
	var w int16
	if class != "" {
		c := lower(class)
		if containsAny(c, negativeWords) || hasWord(c, "hid") {
			w -= 25
		}
		if containsAny(c, positiveWords) {
			w += 25
		}
	}
	if id != "" {
		c := lower(id)
		if containsAny(c, negativeWords) || hasWord(c, "hid") {
			w -= 25
		}
		if containsAny(c, positiveWords) {
			w += 25
		}
	}
	return w
}

// hasWord reports whether w occurs in s as a space-separated word.
func hasWord(s, w string) bool {
	for s != "" {
		i := strings.IndexByte(s, ' ')
		var f string
		if i < 0 {
			f, s = s, ""
		} else {
			f, s = s[:i], s[i+1:]
		}
		if f == w {
			return true
		}
	}
	return false
}

// boilerMaxChars is the largest block that a boilerplate class name alone
// removes from inside the content.
const boilerMaxChars = 1000

func isBoilerplate(class, id string) bool {
	return containsAny(lower(class), boilerWords) || containsAny(lower(id), boilerWords)
}
