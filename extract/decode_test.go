package extract

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCharsets(t *testing.T) {
	ja := "市立中央図書館は六月から、平日の開館時間を午後十時まで延長する試験運用を始めた。学生や保護者の要望を受けたもので、八月末まで続ける予定だ。"
	ru := "Городской совет во вторник решил, что новый мост будет открыт для движения до конца года, сообщили в мэрии города."
	fr := "Le café crème coûte deux euros à la gare, même le dimanche, et l'été on le sert glacé avec une brioche."
	cases := []struct {
		name    string
		in      []byte
		ct      string
		want    string
		charset string
	}{
		{"Shift_JIS declared in meta", append([]byte(`<html><head><meta charset="Shift_JIS"></head><body><p>`), append(encode(t, japanese.ShiftJIS, ja), "</p></body></html>"...)...), "", ja, "shift_jis"},
		{"KOI8-R declared in http-equiv", append([]byte(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head><body><p>`), append(encode(t, charmap.KOI8R, ru), "</p></body></html>"...)...), "", ru, "koi8-r"},
		{"KOI8-R declared in the Content-Type header", append([]byte(`<html><body><p>`), append(encode(t, charmap.KOI8R, ru), "</p></body></html>"...)...), "text/html; charset=KOI8-R", ru, "koi8-r"},
		{"windows-1252 mislabeled as UTF-8", append([]byte(`<html><head><meta charset="utf-8"></head><body><p>`), append(encode(t, charmap.Windows1252, fr), "</p></body></html>"...)...), "", fr, "utf-8"},
		{"windows-1252 undeclared", append([]byte(`<html><body><p>`), append(encode(t, charmap.Windows1252, fr), "</p></body></html>"...)...), "", fr, "windows-1252"},
		{"UTF-8 declared as latin-1 stays UTF-8", []byte(`<html><head><meta charset="iso-8859-1"></head><body><p>` + fr + `</p></body></html>`), "", fr, "utf-8"},
		{"UTF-16LE with BOM", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), `<html><body><p>`+fr+`</p></body></html>`), "", fr, "utf-16le"},
		{"UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, `<html><body><p>`+fr+`</p></body></html>`...), "", fr, "utf-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Extract(c.in, "", WithContentType(c.ct))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(a.Text, c.want) {
				t.Errorf("text = %q, want %q", a.Text, c.want)
			}
			if a.Charset != c.charset {
				t.Errorf("charset = %q, want %q", a.Charset, c.charset)
			}
		})
	}
}
