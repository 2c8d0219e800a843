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
	// boxes, author boxes, related lists, comments.
	boilerWords = []string{
		"share", "sharing", "social", "newsletter", "subscribe", "subscription", "cookie",
		"consent", "related", "recommend", "popular", "trending", "comment", "disqus",
		"promo", "advert", "sponsor", "signup", "sign-up", "paywall", "outbrain", "taboola",
		"breadcrumb", "pagination", "toolbar", "print-", "jp-relatedposts", "sharedaddy",
		"author-bio", "author-box", "about-author", "byline", "tags", "tag-list", "post-tags",
		"read-more", "readmore", "more-stories", "most-read", "mostread", "nav", "menu",
		"footer", "rating", "widget", "banner", "ad-container", "adsbygoogle", "ads-",
		"-ads", "skip-link", "screen-reader", "sr-only", "visually-hidden", "meta",
		"caption-credit", "credit", "copyright", "hidden",
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
	return containsAny(s, unlikelyWords) && !containsAny(s, maybeWords)
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
