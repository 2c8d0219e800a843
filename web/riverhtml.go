package web

import (
	"fmt"
	digest "github.com/occasional-digest/digest"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// The front page's repeated parts (50 river items, twelve For you cards)
// are written here in Go instead of by html/template: executing the
// "item" and "foryoucard" templates cost about a hundred reflective field
// lookups and function calls per item, most of the page's CPU. The output
// is byte for byte what the templates wrote (TestRiverRenderGolden), with
// the same escaping: the functions below do what html/template's
// escapers do in each context the templates used.

// htmlWriter writes HTML into b, whose String is the page part without
// a copy.
type htmlWriter struct{ b strings.Builder }

// raw appends s as it is: markup of this file.
func (w *htmlWriter) raw(s string) { w.b.WriteString(s) }

// int appends n in decimal, which needs no escaping in any context.
func (w *htmlWriter) int(n int64) {
	var a [24]byte
	w.b.Write(strconv.AppendInt(a[:0], n, 10))
}

// text appends s escaped for text or a quoted attribute value, as
// html/template's htmlEscaper and attrEscaper do for a string.
func (w *htmlWriter) text(s string) {
	written := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case 0:
			rep = "\uFFFD"
		case '"':
			rep = "&#34;"
		case '&':
			rep = "&amp;"
		case '\'':
			rep = "&#39;"
		case '+':
			rep = "&#43;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		w.b.WriteString(s[written:i])
		w.b.WriteString(rep)
		written = i + 1
	}
	w.b.WriteString(s[written:])
}

// url appends s as a whole URL attribute value: a scheme other than
// http, https or mailto becomes "#ZgotmplZ", the rest is normalised and
// escaped for the attribute (html/template's urlFilter, urlNormalizer,
// attrEscaper).
func (w *htmlWriter) url(s string) {
	if protocol, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(protocol, "/") {
		if !strings.EqualFold(protocol, "http") && !strings.EqualFold(protocol, "https") && !strings.EqualFold(protocol, "mailto") {
			s = "#ZgotmplZ"
		}
	}
	w.urlPart(s)
}

// urlPart appends s as a part of a URL before its query (html/template's
// urlNormalizer, then attrEscaper).
func (w *htmlWriter) urlPart(s string) {
	for i := 0; i < len(s); i++ {
		if !urlKeeps(s, i) {
			var n strings.Builder
			processURLNorm(s, &n)
			w.text(n.String())
			return
		}
	}
	w.text(s)
}

// urlKeeps reports whether urlNormalizer keeps s[i] as it is.
func urlKeeps(s string, i int) bool {
	c := s[i]
	switch c {
	case '!', '#', '$', '&', '*', '+', ',', '/', ':', ';', '=', '?', '@', '[', ']', '-', '.', '_', '~':
		return true
	case '%':
		return i+2 < len(s) && isHexByte(s[i+1]) && isHexByte(s[i+2])
	}
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

const lowerHex = "0123456789abcdef"

func isHexByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// processURLNorm percent-encodes what urlNormalizer encodes.
func processURLNorm(s string, b *strings.Builder) {
	written := 0
	for i := 0; i < len(s); i++ {
		if urlKeeps(s, i) {
			continue
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte(lowerHex[s[i]>>4])
		b.WriteByte(lowerHex[s[i]&15])
		written = i + 1
	}
	b.WriteString(s[written:])
}

// bool appends "true" or "false".
func (w *htmlWriter) bool(v bool) { w.b.WriteString(strconv.FormatBool(v)) }

// pageClock formats times as the page templates' isotime, longdate and ago.
type pageClock struct {
	now time.Time // in loc
	loc *time.Location
}

func (p *pages) clock() pageClock { return pageClock{now: p.now().In(p.loc), loc: p.loc} }

// time appends the <time> element the templates write for t.
func (w *htmlWriter) time(c pageClock, t time.Time) {
	w.raw(`<time datetime="`)
	var a [64]byte
	w.b.Write(t.UTC().AppendFormat(a[:0], time.RFC3339))
	w.raw(`" title="`)
	w.text(longDate(t.In(c.loc)))
	w.raw(`">`)
	w.text(ago(c.now, t.In(c.loc)))
	w.raw(`</time>`)
}

// icon appends the "icon" template's badge.
func (w *htmlWriter) icon(id int64, name string) {
	if id != 0 {
		w.raw(`<img class="icon" src="/icons/`)
		w.int(id)
		w.raw(`" alt="" width="16" height="16" loading="lazy" decoding="async">`)
		return
	}
	w.raw(`<span class="icon icon-letter" aria-hidden="true">`)
	w.text(initial(name))
	w.raw(`</span>`)
}

// riverItems writes the river's items as the "item" template did.
func riverItems(c pageClock, items []item) template.HTML {
	var w htmlWriter
	w.b.Grow(1400 * len(items))
	for i := range items {
		w.item(c, &items[i])
	}
	return template.HTML(w.b.String())
}

func (w *htmlWriter) item(c pageClock, it *item) {
	w.raw("\n<li class=\"item")
	if it.Read {
		w.raw(" is-read")
	}
	if it.Starred {
		w.raw(" is-starred")
	}
	w.raw(`" data-item data-id="`)
	w.int(it.ID)
	w.raw("\">\n  <p class=\"meta\">\n    <a class=\"outlet\" href=\"/?feed=")
	w.int(it.FeedID)
	w.raw(`">`)
	w.icon(it.IconID, it.Outlet)
	w.raw(`<span>`)
	w.text(it.Outlet)
	w.raw("</span></a>\n    <span class=\"nb\"><span class=\"sep\" aria-hidden=\"true\">·</span>&nbsp;")
	w.time(c, it.Published)
	w.raw("</span>\n    ")
	if it.Starred {
		w.raw(`<span class="star" title="Starred">★<span class="visually-hidden"> starred</span></span>`)
	}
	w.raw("\n  </p>\n  <h2 class=\"item-title\"><a href=\"/articles/")
	w.int(it.ID)
	w.urlPart(it.Context)
	w.raw(`" data-open>`)
	if it.Title != "" {
		w.text(it.Title)
	} else {
		w.raw("Untitled")
	}
	w.raw("</a></h2>\n  ")
	if it.Snippet != "" {
		w.raw(`<p class="item-snippet">`)
		w.raw(string(it.Snippet)) // template.HTML: safe as it is
		w.raw(`</p>`)
	}
	w.raw("\n  <div class=\"item-actions\">\n    ")
	w.toggleForm(it, "read", it.Read, "/unread", "/read", "Mark unread", "Mark read")
	w.raw("\n    ")
	w.toggleForm(it, "star", it.Starred, "/unstar", "/star", "Unstar", "Star")
	w.raw("\n    ")
	if it.URL != "" {
		w.raw(`<a class="link-button" href="`)
		w.url(it.URL)
		w.raw(`" rel="noopener noreferrer" target="_blank" data-source>Source</a>`)
	}
	w.raw("\n  </div>\n</li>\n")
}

// forYouCards writes the front page's story cards as the "foryoucard"
// template did.
func forYouCards(c pageClock, cards []foryouCard) template.HTML {
	var w htmlWriter
	w.b.Grow(4000 * len(cards))
	for i := range cards {
		w.forYouCard(c, &cards[i])
	}
	return template.HTML(w.b.String())
}

func (w *htmlWriter) forYouCard(c pageClock, k *foryouCard) {
	w.raw("\n<li class=\"story-card\">\n  <h3 class=\"story-card-title\" id=\"story-")
	w.int(k.ID)
	w.raw(`-title"><a href="/stories/`)
	w.int(k.ID)
	w.raw(`" data-open>`)
	if k.Headline != "" {
		w.text(k.Headline)
	} else {
		w.raw("Untitled story")
	}
	w.raw("</a></h3>\n  ")
	if k.Short != "" {
		w.raw(`<p class="story-card-summary">`)
		w.text(k.Short)
		w.raw(`</p>`)
	}
	w.raw("\n  ")
	w.outlets(c, &k.storyCard)
	w.raw("\n  <div class=\"why-line\">\n    <details class=\"why\"><summary>")
	if k.Reason != "" {
		w.text(k.Reason)
	} else {
		w.raw("Why this story")
	}
	w.raw("</summary>\n      <ul class=\"why-parts\">")
	for _, p := range k.Why {
		w.raw(`<li><span>`)
		w.text(p.Name)
		if p.Reason != "" {
			w.raw(` <span class="why-reason">(`)
			w.text(p.Reason)
			w.raw(`)</span>`)
		}
		w.raw(`</span> <span class="why-value">`)
		w.text(fmt.Sprintf("%+.2f", p.Value))
		w.raw(`</span></li>`)
	}
	w.raw(`<li class="why-total"><span>Score</span> <span class="why-value">`)
	w.text(fmt.Sprintf("%.2f", k.Score))
	w.raw("</span></li></ul>\n      <div class=\"why-actions\">\n        <form method=\"post\" action=\"/stories/")
	w.int(k.ID)
	w.raw(`/more"><input type="hidden" name="return" value="`)
	w.text(k.Return)
	w.raw("\"><button type=\"submit\" class=\"link-button\">More like this</button></form>\n        ")
	for _, o := range k.Options {
		w.choiceForms(o, k.Return)
	}
	w.raw("\n        <a class=\"link-button\" href=\"/foryou\">Your choices</a>\n      </div>\n    </details>\n    <form method=\"post\" action=\"/stories/")
	w.int(k.ID)
	w.raw(`/less" class="less-form"><input type="hidden" name="return" value="`)
	w.text(k.Return)
	w.raw(`"><button type="submit" class="link-button" id="story-`)
	w.int(k.ID)
	w.raw(`-less" aria-labelledby="story-`)
	w.int(k.ID)
	w.raw(`-less story-`)
	w.int(k.ID)
	w.raw("-title\">Less of this</button></form>\n    <form method=\"post\" action=\"/stories/")
	w.int(k.ID)
	w.raw(`/dismiss" class="dismiss-form" data-dismiss="`)
	w.int(k.ID)
	w.raw(`"><input type="hidden" name="return" value="`)
	w.text(k.Return)
	w.raw(`"><button type="submit" class="link-button" id="story-`)
	w.int(k.ID)
	w.raw(`-dismiss" aria-labelledby="story-`)
	w.int(k.ID)
	w.raw(`-dismiss story-`)
	w.int(k.ID)
	w.raw("-title\">Dismiss</button></form>\n  </div>\n  ")
	if len(k.Chips) > 0 {
		w.raw(`<ul class="chips chips-small" aria-label="Named in this story">`)
		for _, e := range k.Chips {
			w.raw(`<li><a class="chip chip-`)
			w.text(strings.ToLower(string(e.Kind)))
			w.raw(`" href="`)
			w.url(entityURL(e))
			w.raw(`">`)
			w.text(e.Name)
			w.raw(`</a></li>`)
		}
		w.raw(`</ul>`)
	}
	w.raw("\n</li>\n")
}

// outlets writes the "outlets" template.
func (w *htmlWriter) outlets(c pageClock, k *storyCard) {
	w.raw("\n<p class=\"story-outlets\">\n  ")
	if o := k.Lead; o != nil {
		w.raw(`<span class="story-outlet story-lead">`)
		w.icon(o.IconID, o.Title)
		w.raw(`<span>`)
		w.text(o.Title)
		w.raw(`</span></span>`)
	}
	w.raw("\n  ")
	if len(k.Also) > 0 {
		w.raw(`<span class="sep" aria-hidden="true">·</span>&nbsp;<span class="also">also in `)
		for i, o := range k.Also {
			if i > 0 {
				w.raw(", ")
			}
			w.raw(`<span class="story-outlet">`)
			w.icon(o.IconID, o.Title)
			w.raw(`<span>`)
			w.text(o.Title)
			w.raw(`</span></span>`)
		}
		if k.More != 0 {
			w.raw(` <span class="more" title="`)
			w.text(plural(k.More, "more outlet", "more outlets"))
			w.raw(`">+`)
			w.int(int64(k.More))
			w.raw(`</span>`)
		}
		w.raw(`</span>`)
	} else if k.More != 0 {
		w.raw(`<span class="more">+`)
		w.int(int64(k.More))
		w.raw(`</span>`)
	}
	w.raw("\n  <span class=\"sep\" aria-hidden=\"true\">·</span>&nbsp;")
	w.time(c, k.Updated)
	w.raw("\n</p>\n")
}

// choiceForms writes the "choiceforms" template: follow and mute, or
// undo what the reader chose.
func (w *htmlWriter) choiceForms(o choiceOption, back string) {
	hidden := func(name, value string) {
		w.raw(`<input type="hidden" name="`)
		w.raw(name)
		w.raw(`" value="`)
		w.text(value)
		w.raw(`">`)
	}
	w.raw("\n")
	switch {
	case o.Following() || o.Muted():
		w.raw(`<form method="post" action="/foryou/choices/delete">`)
		hidden("kind", string(o.Kind))
		hidden("key", o.Key)
		hidden("return", back)
		if o.Following() {
			w.raw(`<button type="submit" class="link-button" aria-pressed="true">Following `)
		} else {
			w.raw(`<button type="submit" class="link-button" aria-pressed="true">Unmute `)
		}
		w.text(o.Label)
		w.raw("</button></form>\n")
	default:
		for _, v := range [...]string{"follow", "mute"} {
			w.raw(`<form method="post" action="/foryou/choices">`)
			hidden("kind", string(o.Kind))
			hidden("key", o.Key)
			hidden("label", o.Label)
			w.raw(`<input type="hidden" name="value" value="`)
			w.raw(v)
			w.raw(`">`)
			hidden("return", back)
			if v == "follow" {
				w.raw(`<button type="submit" class="link-button">Follow `)
			} else {
				w.raw(`<button type="submit" class="link-button">Mute `)
			}
			w.text(o.Label)
			w.raw("</button></form>\n")
		}
	}
	w.raw("\n")
}

// pickerFeedsHTML writes the river's outlet picker's entries.
func pickerFeedsHTML(feeds []digest.Feed) template.HTML {
	var w htmlWriter
	w.b.Grow(200 * len(feeds))
	for i := range feeds {
		f := &feeds[i]
		w.raw(`<li><a href="/?feed=`)
		w.int(f.ID)
		w.raw(`">`)
		w.icon(f.IconID, f.Title)
		w.raw(`<span>`)
		if f.Title != "" {
			w.text(f.Title)
		} else {
			w.text(f.URL)
		}
		w.raw(`</span>`)
		if f.Unread != 0 {
			w.raw(` <span class="count">`)
			w.int(int64(f.Unread))
			w.raw(`<span class="visually-hidden"> unread</span></span>`)
		}
		w.raw(`</a></li>`)
	}
	return template.HTML(w.b.String())
}

// toggleForm writes an item's read or star form: on (the item is read,
// starred) posts to offPath with offLabel, otherwise to onPath.
func (w *htmlWriter) toggleForm(it *item, kind string, on bool, offPath, onPath, offLabel, onLabel string) {
	path, label := onPath, onLabel
	if on {
		path, label = offPath, offLabel
	}
	w.raw(`<form method="post" action="/articles/`)
	w.int(it.ID)
	w.raw(path)
	w.raw(`" data-toggle="` + kind + `" data-id="`)
	w.int(it.ID)
	w.raw(`" data-active="`)
	w.bool(on)
	w.raw("\">\n      <input type=\"hidden\" name=\"return\" value=\"")
	w.text(it.Return)
	w.raw("\">\n      <button type=\"submit\" class=\"link-button\">")
	w.raw(label)
	w.raw("</button>\n    </form>")
}
