package fetch

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

func TestToUTF8(t *testing.T) {
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(`<?xml version="1.0" encoding="UTF-16"?><rss><title>Grüße</title></rss>`))
	utf16beBOM, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(`<p>Grüße</p>`))
	tests := []struct {
		name        string
		body        string
		contentType string
		want        string
		wantCharset string
	}{
		{"windows-1252 labelled in the header is converted",
			"<p>Caf\xe9 \x93quoted\x94 \x80</p>", "text/html; charset=windows-1252",
			"<p>Café “quoted” €</p>", "windows-1252"},
		{"ISO-8859-1 label means windows-1252",
			"<p>\x93x\x94</p>", "text/html; charset=ISO-8859-1",
			"<p>“x”</p>", "windows-1252"},
		{"windows-1252 labelled in the XML declaration is converted and the declaration rewritten",
			"<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<rss><title>Caf\xe9</title></rss>", "application/rss+xml",
			"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss><title>Café</title></rss>", "windows-1252"},
		{"single-quoted XML encoding is rewritten",
			"  <?xml version='1.0' encoding='iso-8859-1' standalone='yes'?><a>\xe9</a>", "",
			"  <?xml version='1.0' encoding='utf-8' standalone='yes'?><a>é</a>", "windows-1252"},
		{"windows-1252 in an HTML meta charset is converted",
			"<html><head><meta charset=\"windows-1252\"><title>Caf\xe9</title>", "text/html",
			"<html><head><meta charset=\"windows-1252\"><title>Café</title>", "windows-1252"},
		{"http-equiv Content-Type meta is honoured",
			"<html><head><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=koi8-r\"></head>\xf0\xd2\xc9\xd7\xc5\xd4", "text/html",
			"<html><head><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=koi8-r\"></head>Привет", "koi8-r"},
		{"Shift_JIS in the header is converted",
			"<p>\x93\xfa\x96\x7b\x8c\xea</p>", "text/html; charset=Shift_JIS",
			"<p>日本語</p>", "shift_jis"},
		{"Shift_JIS in the XML declaration is converted",
			"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><t>\x93\xfa\x96\x7b\x8c\xea</t>", "text/xml",
			"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>日本語</t>", "shift_jis"},
		{"KOI8-R in the header is converted",
			"\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9\xd2", "text/plain; charset=KOI8-R",
			"Привет, мир", "koi8-r"},
		{"UTF-8 BOM wins over the header and is removed",
			"\xef\xbb\xbf<p>Grüße</p>", "text/html; charset=windows-1252",
			"<p>Grüße</p>", "utf-8"},
		{"UTF-16BE BOM is decoded",
			string(utf16beBOM), "",
			"<p>Grüße</p>", "utf-16be"},
		{"UTF-16LE without BOM is recognised by the XML declaration",
			string(utf16le), "application/xml",
			`<?xml version="1.0" encoding="utf-8"?><rss><title>Grüße</title></rss>`, "utf-16le"},
		{"header charset wins over the XML declaration",
			"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Caf\xe9</t>", "application/xml; charset=windows-1252",
			"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Café</t>", "windows-1252"},
		{"unknown header label is skipped for the XML declaration",
			"<?xml version=\"1.0\" encoding=\"koi8-r\"?><t>\xf0\xd2\xc9\xd7\xc5\xd4</t>", "application/xml; charset=x-no-such-charset",
			"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Привет</t>", "koi8-r"},
		{"unknown labels everywhere fall back to windows-1252 for invalid UTF-8",
			"<?xml version=\"1.0\" encoding=\"bogus\"?><t>Caf\xe9</t>", "text/xml; charset=bogus",
			"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Café</t>", "windows-1252"},
		{"a wrong UTF-8 label on windows-1252 bytes gives replacement characters, not a failure",
			"<p>Caf\xe9 au lait</p>", "text/html; charset=utf-8",
			"<p>Caf\uFFFD au lait</p>", "utf-8"},
		{"a windows-1252 label on valid UTF-8 is a wrong label and ignored",
			"<p>Grüße “x”</p>", "text/html; charset=iso-8859-1",
			"<p>Grüße “x”</p>", "utf-8"},
		{"a wrong XML declaration on valid UTF-8 is ignored and rewritten",
			"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Grüße</t>", "application/rss+xml",
			"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Grüße</t>", "utf-8"},
		{"pure ASCII keeps its declared legacy name",
			"<p>plain</p>", "text/html; charset=windows-1252",
			"<p>plain</p>", "windows-1252"},
		{"UTF-16 label on 8-bit bytes is ignored",
			"<p>Grüße</p>", "text/html; charset=utf-16",
			"<p>Grüße</p>", "utf-8"},
		{"unlabelled valid UTF-8 is kept",
			"<p>Grüße 日本</p>", "",
			"<p>Grüße 日本</p>", "utf-8"},
		{"unlabelled invalid UTF-8 is read as windows-1252",
			"<p>Gr\xfc\xdfe</p>", "",
			"<p>Grüße</p>", "windows-1252"},
		{"meta in an XML document's CDATA is not a declaration",
			"<?xml version=\"1.0\"?><rss><description><![CDATA[<meta charset=\"koi8-r\">]]>Grüße</description></rss>", "application/rss+xml",
			"<?xml version=\"1.0\"?><rss><description><![CDATA[<meta charset=\"koi8-r\">]]>Grüße</description></rss>", "utf-8"},
		{"meta-looking text in JSON is not a declaration",
			`{"content_html":"<meta charset=\"koi8-r\">Grüße"}`, "application/feed+json",
			`{"content_html":"<meta charset=\"koi8-r\">Grüße"}`, "utf-8"},
		{"malformed Content-Type still yields its charset",
			"Caf\xe9", "text/plain;; charset=windows-1252;;",
			"Café", "windows-1252"},
		{"invalid Shift_JIS bytes become replacement characters",
			"\x93\xfa\xff\xff\x8c", "text/plain; charset=shift_jis",
			"日\uFFFD\uFFFD\uFFFD", "shift_jis"},
		{"empty body stays empty",
			"", "text/html; charset=koi8-r",
			"", "koi8-r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cs := ToUTF8([]byte(tt.body), tt.contentType)
			if string(got) != tt.want || cs != tt.wantCharset {
				t.Fatalf("ToUTF8 = %q, %q\nwant     %q, %q", got, cs, tt.want, tt.wantCharset)
			}
			if !utf8.Valid(got) {
				t.Fatalf("output is not valid UTF-8: %q", got)
			}
		})
	}
}

func TestToUTF8DoesNotCopyValidUTF8(t *testing.T) {
	in := []byte(`<?xml version="1.0" encoding="UTF-8"?><rss><title>Grüße</title></rss>`)
	out, _ := ToUTF8(in, "application/rss+xml; charset=utf-8")
	if &out[0] != &in[0] {
		t.Fatal("valid UTF-8 with a UTF-8 declaration was copied")
	}
}

func TestIsText(t *testing.T) {
	for _, tt := range []struct {
		media string
		body  string
		want  bool
	}{
		{"text/html", "", true},
		{"application/rss+xml", "", true},
		{"application/atom+xml", "", true},
		{"application/feed+json", "", true},
		{"image/png", "<html>", false},
		{"image/svg+xml", "<svg/>", true},
		{"application/octet-stream", "<?xml version=\"1.0\"?><rss/>", true},
		{"application/octet-stream", "\x89PNG\r\n\x1a\n\x00\x00", false},
		{"", "<html><body>x</body></html>", true},
		{"application/pdf", "%PDF-1.4", false},
	} {
		if got := isText(tt.media, []byte(tt.body)); got != tt.want {
			t.Errorf("isText(%q, %q) = %v, want %v", tt.media, tt.body, got, tt.want)
		}
	}
}

func FuzzToUTF8(f *testing.F) {
	seeds := []struct{ body, ct string }{
		{"<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss><title>Caf\xe9</title></rss>", "application/rss+xml"},
		{"<?xml version='1.0' encoding='Shift_JIS'?><t>\x93\xfa\x96\x7b</t>", ""},
		{"<html><head><meta charset=\"koi8-r\"></head>\xf0\xd2\xc9", "text/html"},
		{"<meta http-equiv=\"content-type\" content=\"text/html; charset=gbk\">\xc4\xe3", ""},
		{"\xef\xbb\xbf<p>x</p>", "text/html; charset=latin1"},
		{"\xff\xfe<\x00?\x00x\x00m\x00l\x00", ""},
		{"<\x00?\x00x\x00m\x00l\x00 \x00", "application/xml; charset=utf-16"},
		{"<?xml encoding=\"", "text/xml"},
		{"<?xml version=\"1.0\" encoding=\"utf-8\"?>\xff", "text/xml; charset=\"utf-8\""},
		{"{\"a\":\"\xe9\"}", "application/json"},
		{"", ""},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		orig := bytes.Clone(body)
		out, cs := ToUTF8(body, ct)
		if !bytes.Equal(body, orig) {
			t.Fatal("ToUTF8 modified its input")
		}
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 output %q", out)
		}
		if cs == "" {
			t.Fatal("no charset name")
		}
		if label, ok := xmlEncoding(out); ok && label != "" && !strings.EqualFold(label, "utf-8") {
			t.Fatalf("XML declaration still says %q: %q", label, out)
		}
		// Converting again changes nothing for XML and unlabelled text.
		if _, ok := xmlEncoding(out); ok {
			again, _ := ToUTF8(out, "")
			if !bytes.Equal(again, bytes.TrimPrefix(out, []byte("\xef\xbb\xbf"))) {
				t.Fatalf("second conversion changed the XML document:\n%q\n%q", out, again)
			}
		}
	})
}
