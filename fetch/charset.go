package fetch

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// ToUTF8 converts a text body to UTF-8 and returns it with the name of the
// encoding it was in (a WHATWG name: "utf-8", "windows-1252", "shift_jis",
// ...). The encoding is taken from, in order:
//
//  1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE), which is removed;
//  2. the charset parameter of contentType (the Content-Type header);
//  3. the encoding of an XML declaration (and UTF-16 without a BOM,
//     recognised by the declaration's byte pattern);
//  4. an HTML <meta charset> or <meta http-equiv="Content-Type"> in the
//     first 1024 bytes, unless the document is XML or JSON;
//  5. otherwise UTF-8 if the bytes are valid UTF-8, else windows-1252.
//
// Unknown labels are skipped, and so is a legacy label on a body that is
// valid UTF-8 with non-ASCII characters (a wrong label). Bytes invalid in the chosen encoding become
// U+FFFD: ToUTF8 never fails and always returns valid UTF-8. After the
// conversion an XML declaration's encoding is rewritten to "utf-8" so that
// an XML parser does not convert again. body is returned as is, without a
// copy, when it is valid UTF-8 already and needs no rewrite.
func ToUTF8(body []byte, contentType string) ([]byte, string) {
	enc, name, rest := detect(body, contentType)
	if name != "utf-8" && !strings.HasPrefix(name, "utf-16") && utf8.Valid(rest) && hasHighBit(rest) {
		// A legacy label on valid multi-byte UTF-8 is a wrong label (a
		// server default, a copied declaration): text in a legacy
		// encoding is practically never valid UTF-8 once it has
		// non-ASCII bytes.
		enc, name = unicode.UTF8, "utf-8"
	}
	var out []byte
	if name == "utf-8" {
		out = rest
		if !utf8.Valid(out) {
			out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
		}
	} else {
		var err error
		out, err = enc.NewDecoder().Bytes(rest)
		if err != nil || !utf8.Valid(out) {
			// x/text decoders replace invalid input; this is the
			// belt to those braces.
			if err != nil {
				out = rest
			}
			out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
		}
	}
	return rewriteXMLEncoding(out), name
}

// detect finds body's encoding and returns it with the body without its
// byte order mark.
func detect(body []byte, contentType string) (encoding.Encoding, string, []byte) {
	switch {
	case bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")):
		return unicode.UTF8, "utf-8", body[3:]
	case bytes.HasPrefix(body, []byte("\xFF\xFE")):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", body[2:]
	case bytes.HasPrefix(body, []byte("\xFE\xFF")):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", body[2:]
	}
	utf16 := utf16Pattern(body)
	media := ""
	if contentType != "" {
		var label string
		media, label = parseContentType(contentType)
		if label != "" {
			if e, name := lookup(label); e != nil && (!strings.HasPrefix(name, "utf-16") || utf16 != "") {
				if strings.HasPrefix(name, "utf-16") {
					// Without a BOM, the byte pattern says which.
					return utf16Encoding(utf16), utf16, body
				}
				return e, name, body
			}
		}
	}
	if utf16 != "" {
		return utf16Encoding(utf16), utf16, body
	}
	if label, ok := xmlEncoding(body); ok {
		if e, name := lookup(label); e != nil && !strings.HasPrefix(name, "utf-16") {
			return e, name, body
		}
		return fallback(body)
	}
	if !isXMLType(media) && !isJSONType(media) {
		if label := metaCharset(body); label != "" {
			if e, name := lookup(label); e != nil {
				if strings.HasPrefix(name, "utf-16") {
					// HTML: a meta naming UTF-16 means UTF-8.
					return unicode.UTF8, "utf-8", body
				}
				return e, name, body
			}
		}
	}
	return fallback(body)
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func fallback(body []byte) (encoding.Encoding, string, []byte) {
	if utf8.Valid(body) {
		return unicode.UTF8, "utf-8", body
	}
	e, name := lookup("windows-1252")
	return e, name, body
}

func lookup(label string) (encoding.Encoding, string) {
	label = strings.TrimSpace(label)
	if label == "" || len(label) > 40 {
		return nil, ""
	}
	return charset.Lookup(label)
}

// parseContentType returns the media type and charset of a Content-Type
// value, tolerating the malformed ones servers send.
func parseContentType(ct string) (media, label string) {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil {
		return mt, params["charset"]
	}
	media = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	if i := indexFold([]byte(ct), "charset="); i >= 0 {
		label = ct[i+len("charset="):]
		if j := strings.IndexAny(label, "; ,"); j >= 0 {
			label = label[:j]
		}
		label = strings.Trim(label, `"'`)
	}
	return media, label
}

// utf16Pattern recognises "<?" encoded as UTF-16 without a BOM.
func utf16Pattern(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{'<', 0, '?', 0}):
		return "utf-16le"
	case bytes.HasPrefix(b, []byte{0, '<', 0, '?'}):
		return "utf-16be"
	}
	return ""
}

func utf16Encoding(name string) encoding.Encoding {
	if name == "utf-16be" {
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	}
	return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
}

// xmlDecl returns the span of an XML declaration at the start of b (after
// optional whitespace): b[start:end] is `<?xml ... ?>`.
func xmlDecl(b []byte) (start, end int, ok bool) {
	for start < len(b) && start < 64 && (b[start] == ' ' || b[start] == '\t' || b[start] == '\r' || b[start] == '\n') {
		start++
	}
	if !bytes.HasPrefix(b[start:], []byte("<?xml")) || len(b) < start+6 {
		return 0, 0, false
	}
	if c := b[start+5]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
		return 0, 0, false
	}
	limit := min(len(b), start+512)
	i := bytes.Index(b[start:limit], []byte("?>"))
	if i < 0 {
		return 0, 0, false
	}
	return start, start + i + 2, true
}

// xmlEncoding returns the encoding pseudo-attribute of b's XML
// declaration. ok reports that b starts with a declaration, with or
// without the attribute.
func xmlEncoding(b []byte) (label string, ok bool) {
	start, end, ok := xmlDecl(b)
	if !ok {
		return "", false
	}
	vs, ve, found := encodingValue(b[start:end])
	if !found {
		return "", true
	}
	return string(b[start+vs : start+ve]), true
}

// encodingValue finds the value of encoding="..." in an XML declaration:
// decl[vs:ve] is the value without quotes.
func encodingValue(decl []byte) (vs, ve int, ok bool) {
	i := 5 // after "<?xml"
	for {
		j := bytes.Index(decl[i:], []byte("encoding"))
		if j < 0 {
			return 0, 0, false
		}
		i += j + len("encoding")
		if p := decl[i-len("encoding")-1]; p != ' ' && p != '\t' && p != '\r' && p != '\n' {
			continue // e.g. "xencoding"
		}
		k := i
		for k < len(decl) && isXMLSpace(decl[k]) {
			k++
		}
		if k >= len(decl) || decl[k] != '=' {
			continue
		}
		k++
		for k < len(decl) && isXMLSpace(decl[k]) {
			k++
		}
		if k >= len(decl) || (decl[k] != '"' && decl[k] != '\'') {
			return 0, 0, false
		}
		q := decl[k]
		e := bytes.IndexByte(decl[k+1:], q)
		if e < 0 {
			return 0, 0, false
		}
		return k + 1, k + 1 + e, true
	}
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// rewriteXMLEncoding sets an XML declaration's encoding to "utf-8" when it
// names anything else, copying b only then.
func rewriteXMLEncoding(b []byte) []byte {
	start, end, ok := xmlDecl(b)
	if !ok {
		return b
	}
	vs, ve, found := encodingValue(b[start:end])
	if !found || strings.EqualFold(string(b[start+vs:start+ve]), "utf-8") {
		return b
	}
	out := make([]byte, 0, len(b)-(ve-vs)+5)
	out = append(out, b[:start+vs]...)
	out = append(out, "utf-8"...)
	out = append(out, b[start+ve:]...)
	return out
}

// metaCharset returns the charset declared by a <meta> element in the
// first 1024 bytes of an HTML document (the HTML prescan), "" if none.
func metaCharset(b []byte) string {
	if len(b) > 1024 {
		b = b[:1024]
	}
	if indexFold(b, "<meta") < 0 {
		return ""
	}
	z := html.NewTokenizer(bytes.NewReader(b))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "meta" {
				continue
			}
			var cs, content string
			pragma := false
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "charset":
					if cs == "" {
						cs = string(v)
					}
				case "http-equiv":
					pragma = strings.EqualFold(string(v), "content-type")
				case "content":
					content = string(v)
				}
			}
			if cs != "" {
				return cs
			}
			if pragma && content != "" {
				if _, label := parseContentType(content); label != "" {
					return label
				}
			}
		}
	}
}

// indexFold is bytes.Index ignoring ASCII case; lower is lowercase ASCII.
func indexFold(b []byte, lower string) int {
	for i := 0; i+len(lower) <= len(b); i++ {
		j := 0
		for ; j < len(lower); j++ {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
		}
		if j == len(lower) {
			return i
		}
	}
	return -1
}

// isText reports whether a body of this media type is text to convert.
// Without a telling media type the body is sniffed.
func isText(media string, body []byte) bool {
	switch {
	case strings.HasPrefix(media, "text/"), isXMLType(media), isJSONType(media),
		media == "application/javascript", media == "application/ecmascript":
		return true
	case media == "", media == "application/octet-stream", media == "binary/octet-stream",
		media == "application/unknown", media == "application/x-unknown":
		return strings.HasPrefix(http.DetectContentType(body), "text/")
	}
	return false
}

func isXMLType(media string) bool {
	return media == "application/xml" || media == "text/xml" || strings.HasSuffix(media, "+xml")
}

func isJSONType(media string) bool {
	return media == "application/json" || strings.HasSuffix(media, "+json")
}

// mediaType returns the lowercase media type of a Content-Type value.
func mediaType(ct string) string {
	if ct == "" {
		return ""
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	for i := 0; i < len(ct); i++ {
		if c := ct[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(ct)
		}
	}
	return ct
}
