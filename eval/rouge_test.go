package eval

import (
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRouge(t *testing.T) {
	tests := []struct {
		name       string
		ref, pred  string
		stem       bool
		r1, r2, rl PRF
	}{
		{
			name: "dropped word lowers recall only",
			ref:  "The cat was found under the bed.", pred: "the cat was under the bed",
			r1: PRF{1, 6.0 / 7, 12.0 / 13}, r2: PRF{0.8, 4.0 / 6, 2 * 0.8 * 4 / 6 / (0.8 + 4.0/6)}, rl: PRF{1, 6.0 / 7, 12.0 / 13},
		},
		{
			name: "repeated n-grams are clipped to the reference count",
			ref:  "the cat", pred: "the the the",
			r1: PRF{1.0 / 3, 0.5, 0.4}, r2: PRF{}, rl: PRF{1.0 / 3, 0.5, 0.4},
		},
		{
			name: "word order matters to ROUGE-2 and ROUGE-L but not ROUGE-1",
			ref:  "a b c d", pred: "d c b a",
			r1: PRF{1, 1, 1}, r2: PRF{}, rl: PRF{0.25, 0.25, 0.25},
		},
		{
			name: "punctuation and case are ignored",
			ref:  "U.S. jobs-report: GOOD!", pred: "u s jobs report good",
			r1: PRF{1, 1, 1}, r2: PRF{1, 1, 1}, rl: PRF{1, 1, 1},
		},
		{
			name: "empty prediction scores zero",
			ref:  "something here", pred: "",
		},
		{
			name: "empty reference scores zero",
			ref:  "", pred: "something",
		},
		{
			name: "stemming matches inflected forms",
			ref:  "the ponies were running", pred: "the pony runs", stem: true,
			// the, poni, were, run vs the, poni, run
			r1: PRF{1, 0.75, 2 * 0.75 / 1.75}, r2: PRF{0.5, 1.0 / 3, 0.4}, rl: PRF{1, 0.75, 2 * 0.75 / 1.75},
		},
		{
			name: "without stemming inflected forms differ",
			ref:  "the ponies were running", pred: "the pony runs",
			r1: PRF{1.0 / 3, 0.25, 2 * (1.0 / 3) * 0.25 / (1.0/3 + 0.25)}, r2: PRF{}, rl: PRF{1.0 / 3, 0.25, 2 * (1.0 / 3) * 0.25 / (1.0/3 + 0.25)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Rouge(tt.ref, tt.pred, RougeOptions{Stem: tt.stem})
			for _, c := range []struct {
				name      string
				got, want PRF
			}{{"R1", got.R1, tt.r1}, {"R2", got.R2, tt.r2}, {"RL", got.RL, tt.rl}} {
				if !near(c.got.P, c.want.P) || !near(c.got.R, c.want.R) || !near(c.got.F, c.want.F) {
					t.Errorf("%s = %+v, want %+v", c.name, c.got, c.want)
				}
			}
		})
	}
}

func TestPorterStem(t *testing.T) {
	// Pairs from Porter's paper and his published vocabulary/output lists.
	pairs := map[string]string{
		"caresses": "caress", "ponies": "poni", "ties": "ti", "caress": "caress", "cats": "cat",
		"feed": "feed", "agreed": "agre", "plastered": "plaster", "bled": "bled", "motoring": "motor",
		"sing": "sing", "conflated": "conflat", "troubled": "troubl", "sized": "size", "hopping": "hop",
		"tanned": "tan", "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail",
		"filing": "file", "happy": "happi", "sky": "sky", "relational": "relat", "conditional": "condit",
		"rational": "ration", "valenci": "valenc", "hesitanci": "hesit", "digitizer": "digit",
		"conformabli": "conform", "radicalli": "radic", "differentli": "differ", "vileli": "vile",
		"analogousli": "analog", "vietnamization": "vietnam", "predication": "predic", "operator": "oper",
		"feudalism": "feudal", "decisiveness": "decis", "hopefulness": "hope", "callousness": "callous",
		"formaliti": "formal", "sensitiviti": "sensit", "sensibiliti": "sensibl", "triplicate": "triplic",
		"formative": "form", "formalize": "formal", "electriciti": "electr", "electrical": "electr",
		"hopeful": "hope", "goodness": "good", "revival": "reviv", "allowance": "allow",
		"inference": "infer", "airliner": "airlin", "gyroscopic": "gyroscop", "adjustable": "adjust",
		"defensible": "defens", "irritant": "irrit", "replacement": "replac", "adjustment": "adjust",
		"dependent": "depend", "adoption": "adopt", "homologou": "homolog", "communism": "commun",
		"activate": "activ", "angulariti": "angular", "homologous": "homolog", "effective": "effect",
		"bowdlerize": "bowdler", "probate": "probat", "rate": "rate", "cease": "ceas",
		"controll": "control", "roll": "roll", "generalizations": "gener", "oscillators": "oscil",
		"a": "a", "is": "is", "abc123": "abc123",
	}
	for in, want := range pairs {
		if got := porterStem(in); got != want {
			t.Errorf("porterStem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadSummaries(t *testing.T) {
	in := strings.Join([]string{
		`{"id": "a1", "summary": "First one."}`,
		``,
		`{"event": "mn-1", "summary": "Keyed by event."}`,
		`{"id": 7, "highlights": "CNN style\nhighlights."}`,
		`{"id": "l", "summary": ["one", "two"]}`,
	}, "\n")
	got, err := ReadSummaries(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Summary{{"a1", "First one."}, {"mn-1", "Keyed by event."}, {"7", "CNN style\nhighlights."}, {"l", "one\ntwo"}}
	if len(got) != len(want) {
		t.Fatalf("got %d summaries %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("summary %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestReadSummariesBadInput(t *testing.T) {
	tests := []struct {
		name, in, errHas string
	}{
		{"truncated JSON names its line", "{\"id\":\"a\",\"summary\":\"x\"}\n{\"id\":", "line 2"},
		{"line without an id is refused", `{"summary": "x"}`, "no id"},
		{"line without a summary is refused", `{"id": "x", "text": "y"}`, "no summary"},
		{"summary of the wrong type is refused", `{"id": "x", "summary": 3}`, "not a string"},
		{"id of the wrong type is refused", `{"id": ["x"], "summary": "y"}`, "not a string or a number"},
		{"duplicate id is refused", "{\"id\":\"a\",\"summary\":\"x\"}\n{\"id\":\"a\",\"summary\":\"y\"}", "duplicate"},
		{"a JSON array is not an object", `["a", "b"]`, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSummaries(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error = %v, want one containing %q", err, tt.errHas)
			}
		})
	}
}

func TestScoreSummariesCountsMissingAsZero(t *testing.T) {
	refs := []Summary{{"a", "the cat sat"}, {"b", "a dog ran"}}
	preds := []Summary{{"a", "the cat sat"}, {"z", "unrelated"}}
	rep := ScoreSummaries(refs, preds, RougeOptions{})
	if rep.Scored != 2 || rep.Missing != 1 || rep.Extra != 1 {
		t.Errorf("scored %d missing %d extra %d, want 2 1 1", rep.Scored, rep.Missing, rep.Extra)
	}
	if !near(rep.Mean.R1.F, 0.5) || !near(rep.Words, 1.5) {
		t.Errorf("mean R1 F %v words %v, want 0.5 and 1.5", rep.Mean.R1.F, rep.Words)
	}
}

func FuzzReadSummaries(f *testing.F) {
	f.Add(`{"id": "a1", "summary": "First one."}` + "\n" + `{"event": "e", "highlights": ["x"]}`)
	f.Add("{\"id\":")
	f.Add("\xff\n\n{}")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ReadSummaries(strings.NewReader(in))
		if err == nil {
			ScoreSummaries(got, got, RougeOptions{Stem: true})
		}
	})
}

func FuzzRouge(f *testing.F) {
	f.Add("The cat was found under the bed.", "the cat was under the bed")
	f.Add("", "\xff\xfe")
	f.Fuzz(func(t *testing.T, ref, pred string) {
		s := Rouge(ref, pred, RougeOptions{Stem: true})
		for _, p := range []PRF{s.R1, s.R2, s.RL} {
			for _, v := range []float64{p.P, p.R, p.F} {
				if v < 0 || v > 1 || math.IsNaN(v) {
					t.Fatalf("score out of range: %+v", s)
				}
			}
		}
		if self := Rouge(ref, ref, RougeOptions{}); len(RougeTokens(ref, false)) > 1 && !near(self.R2.F, 1) {
			t.Fatalf("a text against itself scores R2 %v, want 1", self.R2.F)
		}
	})
}

func BenchmarkRouge(b *testing.B) {
	ref := strings.Repeat("The storm hit the coast at dawn and thousands fled their homes. ", 20)
	pred := strings.Repeat("Thousands fled as the storm hit the coast. Officials said the damage was large. ", 20)
	for b.Loop() {
		Rouge(ref, pred, RougeOptions{Stem: true})
	}
}
