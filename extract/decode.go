package extract

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// decode returns b as UTF-8 text and the name of the charset it was read as.
//
// Order: a byte-order mark; bytes that are valid UTF-8 are UTF-8 whatever
// they declare (servers and CMSs often keep a stale declaration after
// re-encoding); then the charset from the Content-Type or the page's <meta>;
// a page that claims UTF-8 but is not is read as UTF-8 with each invalid byte
// taken as windows-1252, the usual mislabeling.
func decode(b []byte, contentType string) ([]byte, string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return bytes.ToValidUTF8(b[3:], []byte("\uFFFD")), "utf-8"
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), b), "utf-16le"
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), b), "utf-16be"
	}
	if utf8.Valid(b) {
		return b, "utf-8"
	}
	head := b
	if len(head) > 4096 {
		head = head[:4096]
	}
	enc, name, _ := charset.DetermineEncoding(head, contentType)
	if name == "utf-8" || name == "" || enc == nil {
		return fixUTF8(b), "utf-8"
	}
	if name == "windows-1252" && looksMostlyUTF8(b) {
		// Undeclared, detected as the web's default, but mostly UTF-8:
		// a UTF-8 page with a few stray bytes.
		return fixUTF8(b), "utf-8"
	}
	return decodeWith(enc, b), name
}

func decodeWith(enc encoding.Encoding, b []byte) []byte {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return fixUTF8(b)
	}
	return bytes.ToValidUTF8(out, []byte("\uFFFD"))
}

// looksMostlyUTF8 reports whether most non-ASCII sequences of b are valid
// multi-byte UTF-8.
func looksMostlyUTF8(b []byte) bool {
	good, bad := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			bad++
		} else {
			good++
		}
		i += size
	}
	return good > 2*bad
}

// fixUTF8 keeps the valid UTF-8 sequences of b and reads every invalid byte
// as windows-1252.
func fixUTF8(b []byte) []byte {
	sb := bytes.NewBuffer(make([]byte, 0, len(b)+len(b)/8))
	dec := charmap.Windows1252
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			sb.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			r = dec.DecodeByte(c)
			if r == utf8.RuneError || r < 0x20 {
				r = '\uFFFD'
			}
		}
		sb.WriteRune(r)
		i += size
	}
	return sb.Bytes()
}
