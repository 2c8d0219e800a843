package extract

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// isoLayouts are tried first: most machine-readable dates are ISO 8601 in
// one of its many spellings.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04:05 -0700 MST",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006-01",
	"20060102T150405Z0700",
	"20060102",
	"2006/01/02 15:04:05",
	"2006/01/02",
	time.RFC1123Z,
	time.RFC1123,
	time.RFC850,
	time.ANSIC,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 02 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
}

var monthNames = map[string]time.Month{
	"jan": 1, "january": 1, "janvier": 1, "januar": 1, "enero": 1, "gennaio": 1, "janeiro": 1, "januari": 1,
	"feb": 2, "february": 2, "février": 2, "fevrier": 2, "februar": 2, "febrero": 2, "febbraio": 2, "fevereiro": 2, "februari": 2,
	"mar": 3, "march": 3, "mars": 3, "märz": 3, "marz": 3, "marzo": 3, "março": 3, "maart": 3,
	"apr": 4, "april": 4, "avril": 4, "abril": 4, "aprile": 4,
	"may": 5, "mai": 5, "mayo": 5, "maggio": 5, "maio": 5, "mei": 5,
	"jun": 6, "june": 6, "juin": 6, "juni": 6, "junio": 6, "giugno": 6, "junho": 6,
	"jul": 7, "july": 7, "juillet": 7, "juli": 7, "julio": 7, "luglio": 7, "julho": 7,
	"aug": 8, "august": 8, "août": 8, "aout": 8, "agosto": 8, "augustus": 8,
	"sep": 9, "sept": 9, "september": 9, "septembre": 9, "septiembre": 9, "settembre": 9, "setembro": 9,
	"oct": 10, "october": 10, "octobre": 10, "oktober": 10, "octubre": 10, "ottobre": 10, "outubro": 10, "okt": 10,
	"nov": 11, "november": 11, "novembre": 11, "noviembre": 11, "novembro": 11,
	"dec": 12, "december": 12, "décembre": 12, "decembre": 12, "dezember": 12, "diciembre": 12, "dicembre": 12, "dezembro": 12, "dez": 12,
}

// zoneOffsets are the abbreviations news sites print, in seconds east of UTC.
var zoneOffsets = map[string]int{
	"utc": 0, "gmt": 0, "z": 0, "ut": 0,
	"est": -5 * 3600, "edt": -4 * 3600, "et": -5 * 3600,
	"cst": -6 * 3600, "cdt": -5 * 3600, "ct": -6 * 3600,
	"mst": -7 * 3600, "mdt": -6 * 3600, "mt": -7 * 3600,
	"pst": -8 * 3600, "pdt": -7 * 3600, "pt": -8 * 3600,
	"bst": 3600, "cet": 3600, "cest": 2 * 3600, "eet": 2 * 3600, "eest": 3 * 3600,
	"wet": 0, "west": 3600, "ist": 5*3600 + 1800, "jst": 9 * 3600, "kst": 9 * 3600,
	"aest": 10 * 3600, "aedt": 11 * 3600, "msk": 3 * 3600, "hkt": 8 * 3600, "sgt": 8 * 3600,
}

// parseDate reads a date in any of the forms sites use: ISO 8601 and RFC
// 1123 variants, Unix seconds or milliseconds, and free text such as
// "Updated 3:04 PM ET, Tue January 2, 2018" or "2. März 2021, 14:05 Uhr".
// Times without a zone are taken as UTC. Years outside 1990–2100 are
// refused.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 4 || len(s) > 200 {
		return time.Time{}, false
	}
	if s[0] >= '0' && s[0] <= '9' || s[0] >= 'A' && s[0] <= 'Z' {
		for _, l := range isoLayouts {
			if len(l) > len(s)+6 {
				continue
			}
			if t, err := time.Parse(l, s); err == nil {
				return checkYear(t)
			}
		}
	}
	if allDigits(s) && (len(s) == 10 || len(s) == 13) {
		v, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			if len(s) == 13 {
				return checkYear(time.UnixMilli(v).UTC())
			}
			return checkYear(time.Unix(v, 0).UTC())
		}
	}
	return parseFreeDate(s)
}

func checkYear(t time.Time) (time.Time, bool) {
	if y := t.Year(); y < 1990 || y > 2100 {
		return time.Time{}, false
	}
	return t, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

type dateTok struct {
	word string // lower-cased letters, or digits
	num  int    // -1 for words
	sep  byte   // the separator that follows
}

func dateTokens(s string) []dateTok {
	var toks []dateTok
	i := 0
	for i < len(s) && len(toks) < 40 {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(s[i:min(j, i+9)])
			toks = append(toks, dateTok{word: s[i:j], num: n})
			i = j
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 0x80) {
				j++
			}
			toks = append(toks, dateTok{word: strings.ToLower(s[i:j]), num: -1})
			i = j
		default:
			if len(toks) > 0 && toks[len(toks)-1].sep == 0 {
				toks[len(toks)-1].sep = c
			}
			if c == '+' || c == '-' {
				if len(toks) > 0 {
					toks[len(toks)-1].sep = c
				}
			}
			i++
		}
	}
	return toks
}

// parseFreeDate finds a year, a month and a day in free text, with an
// optional time of day and zone.
func parseFreeDate(s string) (time.Time, bool) {
	toks := dateTokens(s)
	year, month, day := 0, 0, 0
	hour, minute, sec := -1, 0, 0
	zone, haveZone := 0, false
	pm, am := false, false
	var nums []int // numbers not yet used, by token index
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.num < 0 {
			w := t.word
			if m, ok := monthNames[w]; ok && month == 0 {
				month = int(m)
				continue
			}
			if len(w) > 3 {
				if m, ok := monthNames[w[:3]]; ok && month == 0 && strings.HasPrefix(monthLong(m), w) {
					month = int(m)
					continue
				}
			}
			switch w {
			case "pm", "p":
				pm = true
			case "am", "a":
				am = true
			case "uhr", "h":
			default:
				if off, ok := zoneOffsets[w]; ok && !haveZone {
					zone, haveZone = off, true
					if (w == "gmt" || w == "utc") && i+1 < len(toks) && toks[i+1].num >= 0 && (t.sep == '+' || t.sep == '-') {
						zone = zoneNum(toks[i+1].word, t.sep)
						i++
					}
				}
			}
			continue
		}
		// hh:mm[:ss]
		if t.sep == ':' && i+1 < len(toks) && toks[i+1].num >= 0 && hour < 0 && t.num < 24 && toks[i+1].num < 60 {
			hour, minute = t.num, toks[i+1].num
			i++
			if toks[i].sep == ':' && i+1 < len(toks) && toks[i+1].num >= 0 && toks[i+1].num < 61 {
				sec = toks[i+1].num
				i++
			}
			if (toks[i].sep == '+' || toks[i].sep == '-') && i+1 < len(toks) && toks[i+1].num >= 0 && len(toks[i+1].word) >= 2 && !haveZone {
				zone, haveZone = zoneNum(toks[i+1].word, toks[i].sep), true
				if toks[i+1].sep == ':' && i+2 < len(toks) {
					zone = zoneNum(toks[i+1].word+toks[i+2].word, toks[i].sep)
					i++
				}
				i++
			}
			continue
		}
		if len(t.word) == 4 && t.num >= 1990 && t.num <= 2100 && year == 0 {
			year = t.num
			continue
		}
		if len(t.word) == 8 && year == 0 {
			if tt, err := time.Parse("20060102", t.word); err == nil {
				year, month, day = tt.Year(), int(tt.Month()), tt.Day()
				continue
			}
		}
		if len(t.word) <= 2 {
			nums = append(nums, t.num)
		}
	}
	if year == 0 {
		return time.Time{}, false
	}
	if month == 0 {
		// Numeric forms: d.m.yyyy, yyyy-mm-dd or m/d/yyyy.
		if len(nums) < 2 {
			return time.Time{}, false
		}
		a, b := nums[0], nums[1]
		isoFirst := len(toks) > 0 && toks[0].num == year
		switch {
		case isoFirst && a <= 12:
			month, day = a, b
		case strings.Contains(s, "/") && a <= 12 && b <= 31:
			month, day = a, b
			if b <= 12 && a > 12 {
				month, day = b, a
			}
		case b <= 12:
			day, month = a, b
		case a <= 12:
			month, day = a, b
		default:
			return time.Time{}, false
		}
	} else {
		for _, n := range nums {
			if n >= 1 && n <= 31 {
				day = n
				break
			}
		}
	}
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return time.Time{}, false
	}
	if hour < 0 {
		hour = 0
	}
	if pm && hour < 12 {
		hour += 12
	}
	if am && hour == 12 {
		hour = 0
	}
	loc := time.UTC
	if haveZone && zone != 0 {
		loc = time.FixedZone("", zone)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc)
	if t.Day() != day {
		return time.Time{}, false
	}
	return checkYear(t)
}

func monthLong(m time.Month) string { return strings.ToLower(m.String()) }

func zoneNum(digits string, sign byte) int {
	if len(digits) < 2 || len(digits) > 4 {
		return 0
	}
	h, _ := strconv.Atoi(digits[:2])
	m := 0
	if len(digits) == 4 {
		m, _ = strconv.Atoi(digits[2:])
	}
	off := h*3600 + m*60
	if sign == '-' {
		off = -off
	}
	return off
}

// dateFromURL reads /2024/05/17/ or /2024-05-17/ style dates from a URL's
// path.
func dateFromURL(raw string) (time.Time, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return time.Time{}, false
	}
	p := u.Path
	for i := 0; i+10 <= len(p); i++ {
		if p[i] != '/' && p[i] != '-' && p[i] != '_' {
			continue
		}
		rest := p[i+1:]
		if len(rest) < 7 || !allDigits(rest[:4]) {
			continue
		}
		y, _ := strconv.Atoi(rest[:4])
		if y < 1990 || y > 2100 {
			continue
		}
		sep := rest[4]
		if sep != '/' && sep != '-' && sep != '_' {
			if len(rest) >= 8 && allDigits(rest[:8]) && (len(rest) == 8 || !isDigit(rest[8])) {
				if t, err := time.Parse("20060102", rest[:8]); err == nil {
					return t, true
				}
			}
			continue
		}
		if !allDigits(rest[5:7]) {
			continue
		}
		m, _ := strconv.Atoi(rest[5:7])
		if m < 1 || m > 12 {
			continue
		}
		d := 1
		if len(rest) >= 10 && rest[7] == sep && allDigits(rest[8:10]) {
			d, _ = strconv.Atoi(rest[8:10])
		} else {
			continue // a month alone is too weak
		}
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if t.Day() == d {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
