package sentence

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty text has no sentence", "", nil},
		{"white space only has no sentence", " \n\t\n ", nil},
		{"one word is one sentence", "Hello", []string{"Hello"}},
		{"two plain sentences split at the full stop", "It rained. The match was off.", []string{"It rained.", "The match was off."}},
		{"question and exclamation marks end sentences", "Why? Because! Then done.", []string{"Why?", "Because!", "Then done."}},
		{"title abbreviation before a name does not split", "Mr. Smith met Dr. Jones. They talked.", []string{"Mr. Smith met Dr. Jones.", "They talked."}},
		{"military and political titles do not split", "Gen. Lee and Sen. Warren spoke with Gov. Brown.", []string{"Gen. Lee and Sen. Warren spoke with Gov. Brown."}},
		{"initialism inside a sentence does not split", "The U.S. Army said so. It was late.", []string{"The U.S. Army said so.", "It was late."}},
		{"initialism at the end splits before a sentence starter", "He moved to the U.S. The move was hard.", []string{"He moved to the U.S.", "The move was hard."}},
		{"spaced initials of a name do not split", "J. R. R. Tolkien wrote it. Fans agree.", []string{"J. R. R. Tolkien wrote it.", "Fans agree."}},
		{"middle initial does not split", "George W. Bush spoke. He left.", []string{"George W. Bush spoke.", "He left."}},
		{"unspaced initials do not split", "J.R.R. Tolkien wrote it.", []string{"J.R.R. Tolkien wrote it."}},
		{"time of day before a capital that is not a starter does not split", "At 5 p.m. Eastern time it began. It ended.", []string{"At 5 p.m. Eastern time it began.", "It ended."}},
		{"time of day at the end splits before a starter", "It began at 5 p.m. The crowd cheered.", []string{"It began at 5 p.m.", "The crowd cheered."}},
		{"decimal number does not split", "Growth was 3.5 percent. Prices rose 0.2%.", []string{"Growth was 3.5 percent.", "Prices rose 0.2%."}},
		{"number abbreviation before a digit does not split", "He was ranked No. 5 in the world. Then he won.", []string{"He was ranked No. 5 in the world.", "Then he won."}},
		{"month abbreviation before a day does not split", "On Jan. 5 the court ruled. Appeals followed.", []string{"On Jan. 5 the court ruled.", "Appeals followed."}},
		{"company suffix before a name does not split", "Apple Inc. Chief Executive Tim Cook spoke.", []string{"Apple Inc. Chief Executive Tim Cook spoke."}},
		{"company suffix at the end splits before a starter", "He joined Apple Inc. The company grew.", []string{"He joined Apple Inc.", "The company grew."}},
		{"closing quote after the full stop stays with the sentence", `He said "go." Then he left.`, []string{`He said "go."`, "Then he left."}},
		{"curly closing quote after the full stop stays with the sentence", "She said “we won.” The crowd roared.", []string{"She said “we won.”", "The crowd roared."}},
		{"question in a quote followed by a lower-case verb does not split", `"Really?" he asked. Yes.`, []string{`"Really?" he asked.`, "Yes."}},
		{"closing bracket after the full stop stays with the sentence", "It fell (again.) Nobody cared.", []string{"It fell (again.)", "Nobody cared."}},
		{"ellipsis before a capital splits", "I waited... Nothing came.", []string{"I waited...", "Nothing came."}},
		{"ellipsis before lower case does not split", "I waited... and waited.", []string{"I waited... and waited."}},
		{"unicode ellipsis before a capital splits", "I waited… Nothing came.", []string{"I waited…", "Nothing came."}},
		{"URL with dots does not split", "See www.example.com/a.html?x=1 for more. Thanks.", []string{"See www.example.com/a.html?x=1 for more.", "Thanks."}},
		{"domain at the end of a sentence splits", "Visit example.com. It is free.", []string{"Visit example.com.", "It is free."}},
		{"e-mail address does not split", "Write to john.doe@mail.example.org today. Or call.", []string{"Write to john.doe@mail.example.org today.", "Or call."}},
		{"numbered list items are sentences without splitting at the number", "Steps:\n1. Open the box.\n2. Read the manual.", []string{"Steps:", "1. Open the box.", "2. Read the manual."}},
		{"year at the end of a sentence splits", "It opened in 2015. Sales rose.", []string{"It opened in 2015.", "Sales rose."}},
		{"paragraph break ends a sentence without a full stop", "Breaking news\n\nThe storm hit land.", []string{"Breaking news", "The storm hit land."}},
		{"headline line ends a sentence", "Storm hits coast\nThe storm hit land.", []string{"Storm hits coast", "The storm hit land."}},
		{"wrapped line continuing in lower case does not split", "The storm hit the\ncoast at dawn.", []string{"The storm hit the\ncoast at dawn."}},
		{"line ending with a comma does not split", "The mayor,\nJohn Smith, spoke.", []string{"The mayor,\nJohn Smith, spoke."}},
		{"paragraph break after a title abbreviation splits", "He met Mr.\n\nThe end.", []string{"He met Mr.", "The end."}},
		{"glued sentences are split", "The game ended.The crowd left.", []string{"The game ended.", "The crowd left."}},
		{"glued sentence before an acronym is split", "It sank on Wednesday.NTSB officials came.", []string{"It sank on Wednesday.", "NTSB officials came."}},
		{"citation marks stay with their sentence", "It is common.[56] If treated, it heals.[2][3] Fine.", []string{"It is common.[56]", "If treated, it heals.[2][3]", "Fine."}},
		{"footnote number glued to the full stop stays with its sentence", "It worked in other countries.57 Studies agree.", []string{"It worked in other countries.57", "Studies agree."}},
		{"version number is not a footnote", "He installed version 2.0 Beta today.", []string{"He installed version 2.0 Beta today."}},
		{"bracketed text after a full stop is not a citation", "It ended. [Editor's note: no.] Then more.", []string{"It ended.", "[Editor's note: no.]", "Then more."}},
		{"glued domain name is not split", "Go to nytimes.Com/page now.", []string{"Go to nytimes.Com/page now."}},
		{"CJK full stops split without spaces", "今天下雨了。我们留在家里！你呢？", []string{"今天下雨了。", "我们留在家里！", "你呢？"}},
		{"CJK closing bracket stays with the sentence", "他说「好。」然后走了。", []string{"他说「好。」", "然后走了。"}},
		{"Devanagari danda splits", "यह एक वाक्य है। यह दूसरा है।", []string{"यह एक वाक्य है।", "यह दूसरा है।"}},
		{"Arabic question mark splits", "هل انت هنا؟ نعم.", []string{"هل انت هنا؟", "نعم."}},
		{"Cyrillic sentences split before an upper-case letter", "Это первое. Это второе.", []string{"Это первое.", "Это второе."}},
		{"mixed scripts split at each script's marks", "Tokyo said 東京です。 Then it left.", []string{"Tokyo said 東京です。", "Then it left."}},
		{"all caps text splits", "THE STORM HIT. MANY FLED.", []string{"THE STORM HIT.", "MANY FLED."}},
		{"punctuation-only pieces are dropped", "Done. *** . Next one.", []string{"Done.", "Next one."}},
		{"no-break space after the full stop splits", "It rained.\u00a0The match was off.", []string{"It rained.", "The match was off."}},
		{"multiple marks stay together", "What?! No way!!! Fine.", []string{"What?!", "No way!!!", "Fine."}},
		{"sentence after a digit splits", "It rained. 20 people fled.", []string{"It rained.", "20 people fled."}},
		{"opening quote starts the next sentence", `It rained. "We fled," he said.`, []string{"It rained.", `"We fled," he said.`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitInvalidUTF8KeepsBytes(t *testing.T) {
	in := "Bad \xff\xfe bytes here. Next \xc3 one."
	got := Split(in)
	if len(got) != 2 {
		t.Fatalf("Split(%q) = %q, want 2 sentences", in, got)
	}
	if strings.Join(got, " ") != in {
		t.Errorf("sentences %q do not rebuild the input %q", got, in)
	}
}

func TestSplitLargeInput(t *testing.T) {
	// 5 MB: sentences come out in order and cover the text.
	unit := "The U.S. economy grew 3.5 percent, Mr. Smith said. Was it enough? "
	in := strings.Repeat(unit, 5<<20/len(unit))
	got := Split(in)
	if want := 2 * (5 << 20 / len(unit)); len(got) != want {
		t.Fatalf("got %d sentences, want %d", len(got), want)
	}
	if got[0] != "The U.S. economy grew 3.5 percent, Mr. Smith said." || got[1] != "Was it enough?" {
		t.Errorf("first sentences = %q", got[:2])
	}
	// One 5 MB run with no mark at all is one sentence.
	if got := Split(strings.Repeat("word ", 1<<20)); len(got) != 1 {
		t.Errorf("unpunctuated text: got %d sentences, want 1", len(got))
	}
}

// checkInvariants holds for any input: sentences are trimmed, non-empty,
// substrings of the input in order, and not overlapping.
func checkInvariants(t *testing.T, in string, got []string) {
	t.Helper()
	pos := 0
	for _, s := range got {
		if s == "" || strings.TrimSpace(s) != s && utf8.ValidString(s) {
			t.Fatalf("sentence %q is empty or not trimmed (input %q)", s, in)
		}
		idx := strings.Index(in[pos:], s)
		if idx < 0 {
			t.Fatalf("sentence %q is not in order in the input %q", s, in)
		}
		pos += idx + len(s)
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"", "Hello", "Mr. Smith went to Washington. He stayed.",
		"The U.S. Army. J. R. R. Tolkien... wrote? Yes!",
		`He said "go." Then "Really?" he asked.`,
		"1. One\n2. Two\n\nPara", "今天下雨了。我们留在家里！", "Bad \xff\xfe bytes. Next",
		"www.example.com/a.b?c. e@x.org.", "ended.The next", "…. . . ?!?!", "\u00a0.\u00a0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkInvariants(t, in, Split(in))
	})
}

func BenchmarkSplit(b *testing.B) {
	text := strings.Repeat("The U.S. economy grew 3.5 percent in the third quarter, Mr. Smith told reporters on Jan. 5 in Washington. \"It was a good year,\" he said. Was it enough? Analysts at Goldman Sachs Group Inc. said no.\n\n", 20)
	b.SetBytes(int64(len(text)))
	var buf []string
	for b.Loop() {
		buf = Append(buf[:0], text)
	}
}
