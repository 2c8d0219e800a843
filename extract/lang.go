package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Language detection: scripts with one main language decide at once;
// Latin, Cyrillic and Greek text is matched against profiles of the most
// frequent short words of each language.

var stopWords = map[string][]string{
	"en": {"the", "and", "of", "to", "in", "is", "that", "for", "it", "with", "was", "on", "as", "are", "be", "this", "by", "he", "have", "from", "at", "not", "but", "they", "his", "has", "were", "which", "their", "been"},
	"de": {"der", "die", "und", "das", "ist", "den", "nicht", "zu", "mit", "sich", "des", "auf", "für", "ein", "eine", "dem", "im", "von", "auch", "es", "wird", "sie", "werden", "bei", "nach", "wie", "aus", "hat", "einen", "oder"},
	"fr": {"le", "la", "les", "de", "des", "et", "est", "un", "une", "du", "en", "que", "qui", "dans", "pour", "pas", "au", "sur", "par", "il", "ne", "se", "plus", "avec", "ce", "sont", "aux", "elle", "mais", "été", "à", "l", "d", "cette", "était", "ont", "nous", "leur", "sera", "avant"},
	"es": {"el", "la", "de", "que", "y", "en", "los", "las", "del", "se", "un", "por", "con", "una", "para", "es", "al", "lo", "como", "más", "pero", "sus", "ha", "fue", "este", "sobre", "entre", "también", "cuando"},
	"it": {"il", "di", "che", "la", "e", "un", "per", "non", "una", "del", "della", "sono", "in", "con", "gli", "le", "si", "da", "dei", "anche", "nel", "alla", "è", "ha", "come", "più", "delle", "questo", "ma", "lo"},
	"pt": {"de", "que", "o", "a", "do", "da", "em", "um", "para", "com", "não", "uma", "os", "no", "se", "na", "por", "mais", "as", "dos", "como", "mas", "ao", "ele", "das", "foi", "é", "sua", "ou", "quando"},
	"nl": {"de", "het", "een", "van", "en", "in", "is", "dat", "op", "te", "zijn", "voor", "met", "niet", "die", "aan", "er", "ook", "als", "maar", "bij", "om", "wordt", "door", "hij", "naar", "nog", "werd", "ze", "dan"},
	"sv": {"och", "att", "det", "som", "en", "är", "av", "för", "på", "med", "den", "till", "inte", "har", "de", "ett", "om", "var", "jag", "men", "så", "från", "kan", "vi", "sig", "ska", "när", "efter", "han", "också"},
	"da": {"og", "at", "det", "er", "en", "til", "som", "på", "de", "med", "af", "for", "ikke", "den", "har", "et", "var", "om", "jeg", "men", "fra", "kan", "vi", "sig", "skal", "når", "efter", "han", "også", "blev"},
	"no": {"og", "i", "det", "er", "en", "til", "som", "på", "de", "med", "av", "for", "ikke", "den", "har", "et", "var", "om", "jeg", "men", "fra", "kan", "vi", "seg", "skal", "når", "etter", "han", "også", "ble"},
	"fi": {"ja", "on", "ei", "että", "se", "oli", "hän", "ovat", "mutta", "kun", "myös", "tai", "kuin", "joka", "sen", "ole", "jo", "nyt", "vain", "niin", "mukaan", "ovat", "olla", "vuonna", "sekä", "jos", "siitä", "tämä", "sitä", "hänen"},
	"pl": {"i", "w", "na", "z", "do", "nie", "się", "że", "to", "jest", "o", "jak", "po", "co", "ale", "od", "za", "przez", "dla", "jego", "czy", "tak", "już", "oraz", "tym", "być", "które", "jako", "tego", "był"},
	"cs": {"a", "v", "se", "na", "je", "že", "s", "z", "do", "o", "to", "k", "ve", "za", "by", "jako", "pro", "ale", "jsou", "tak", "jeho", "které", "od", "po", "také", "být", "byl", "až", "už", "když"},
	"hu": {"a", "az", "és", "hogy", "nem", "is", "egy", "meg", "de", "van", "csak", "már", "mint", "volt", "ez", "el", "kell", "még", "azt", "vagy", "után", "ki", "most", "lesz", "pedig", "fel", "több", "szerint", "között", "amely"},
	"ro": {"și", "în", "de", "la", "a", "cu", "pe", "nu", "care", "că", "din", "se", "o", "un", "este", "mai", "sunt", "pentru", "fost", "au", "ce", "sau", "lui", "după", "dar", "acest", "această", "fi", "între", "cum"},
	"tr": {"ve", "bir", "bu", "da", "de", "için", "ile", "çok", "ne", "olarak", "daha", "gibi", "en", "ama", "o", "kadar", "sonra", "olan", "var", "değil", "ki", "mi", "her", "göre", "yeni", "ise", "veya", "olduğu", "şekilde", "büyük"},
	"ru": {"и", "в", "не", "на", "что", "с", "по", "это", "он", "как", "из", "к", "а", "за", "то", "но", "о", "его", "от", "для", "же", "так", "все", "бы", "был", "только", "уже", "при", "она", "или"},
	"uk": {"і", "в", "не", "на", "що", "з", "у", "та", "до", "це", "як", "за", "від", "він", "по", "але", "його", "для", "її", "вже", "був", "також", "про", "які", "було", "щоб", "є", "або", "їх", "ми"},
	"bg": {"и", "на", "в", "да", "се", "не", "е", "за", "от", "с", "че", "по", "са", "това", "като", "но", "ще", "към", "го", "си", "бъде", "след", "при", "който", "има", "или", "до", "му", "тя", "беше"},
	"el": {"και", "το", "η", "να", "του", "της", "με", "τα", "την", "σε", "για", "που", "των", "ο", "στο", "από", "τον", "οι", "είναι", "θα", "δεν", "στην", "τις", "ένα", "στη", "μια", "αλλά", "ότι", "τους", "στα"},
	"id": {"yang", "dan", "di", "ini", "dengan", "untuk", "dari", "dalam", "tidak", "akan", "pada", "itu", "juga", "ke", "ada", "oleh", "karena", "telah", "bisa", "saat", "sebagai", "lebih", "kami", "atau", "mereka", "para", "sudah", "kata", "namun", "bahwa"},
}

var stopIndex = func() map[string][]string {
	idx := map[string][]string{}
	for lang, ws := range stopWords {
		for _, w := range ws {
			idx[w] = append(idx[w], lang)
		}
	}
	return idx
}()

// detectLang guesses the language of text: a primary BCP 47 tag, or "" when
// the text is too short or unclear.
func detectLang(text string) string {
	if len(text) > 20000 {
		text = text[:20000]
	}
	var han, kana, hangul, arabic, hebrew, thai, deva, letters int
	for _, r := range text {
		if r < 0x80 {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				letters++
			}
			continue
		}
		switch {
		case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			kana++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Arabic, r):
			arabic++
		case unicode.Is(unicode.Hebrew, r):
			hebrew++
		case unicode.Is(unicode.Thai, r):
			thai++
		case unicode.Is(unicode.Devanagari, r):
			deva++
		case unicode.IsLetter(r):
			letters++
		}
	}
	total := han + kana + hangul + arabic + hebrew + thai + deva + letters
	if total < 20 {
		return ""
	}
	switch {
	case kana*10 > total:
		return "ja"
	case han*2 > total:
		if kana > 0 {
			return "ja"
		}
		return "zh"
	case hangul*2 > total:
		return "ko"
	case arabic*2 > total:
		if strings.ContainsAny(text, "پچژگ") {
			return "fa"
		}
		return "ar"
	case hebrew*2 > total:
		return "he"
	case thai*2 > total:
		return "th"
	case deva*2 > total:
		return "hi"
	}
	scores := map[string]int{}
	words := 0
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(text[start:end])
		start = -1
		words++
		for _, l := range stopIndex[w] {
			scores[l]++
		}
	}
	for i := 0; i < len(text) && words < 3000; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsLetter(r) {
			if start < 0 {
				start = i
			}
		} else {
			flush(i)
		}
		i += size
	}
	flush(min(len(text), len(text)))
	best, bestN, second := "", 0, 0
	for l, n := range scores {
		if n > bestN || n == bestN && l < best {
			best, bestN, second = l, n, bestN
		} else if n > second {
			second = n
		}
	}
	if words < 5 || bestN*20 < words || bestN == second {
		return ""
	}
	return best
}
