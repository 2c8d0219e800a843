package model

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// toyCorpus is a tiny training set: enough for the perceptron to learn that
// capitalised words after "Mr" are people and after "in" are places.
func toyCorpus() ([]Doc, [][][]string) {
	sents := []struct{ words, tags string }{
		{"Mr Smith lives in Paris .", "O B-PER O O B-LOC O"},
		{"Mr Jones works in Rome .", "O B-PER O O B-LOC O"},
		{"Mr Brown was in Oslo today .", "O B-PER O O B-LOC O O"},
		{"the Acme Corp said .", "O B-ORG I-ORG O O"},
	}
	var doc Doc
	var tags [][]string
	for _, s := range sents {
		doc = append(doc, strings.Fields(s.words))
		tags = append(tags, strings.Fields(s.tags))
	}
	return []Doc{doc}, [][][]string{tags}
}

func trainToy(t *testing.T) (*Extractor, *Model) {
	t.Helper()
	docs, tags := toyCorpus()
	x := NewExtractor(BuildLexicon(docs), nil)
	m, err := Train(x, docs, tags, func(d int) [][][]uint32 { return x.Features(docs[d]) },
		TrainOptions{Epochs: 5, MinCount: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return x, m
}

func TestTrainLearnsAndRoundTrips(t *testing.T) {
	x, m := trainToy(t)
	test := Doc{strings.Fields("Mr Green lives in Lima .")}
	want := []int{0, 1, 0, 0, 3, 0} // O B-PER O O B-LOC O
	if got := m.Decode(x.Features(test)[0]); !slices.Equal(got, want) {
		t.Fatalf("trained model tags %v; want %v", got, want)
	}
	var b bytes.Buffer
	if err := (&Pipeline{First: m, Second: m}).Write(&b); err != nil {
		t.Fatal(err)
	}
	p, err := Read(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if p.Second == nil || p.First.Features() != m.Features() {
		t.Fatalf("read back %d features, second stage %v", p.First.Features(), p.Second != nil)
	}
	if got := p.First.Decode(x.Features(test)[0]); !slices.Equal(got, want) {
		t.Errorf("read-back model tags %v; want %v", got, want)
	}
	if len(p.Second.Lexicon) != len(m.Lexicon) {
		t.Errorf("second stage lexicon has %d words; want the first's %d", len(p.Second.Lexicon), len(m.Lexicon))
	}
}

func TestTrainRejectsMismatchedTags(t *testing.T) {
	docs, tags := toyCorpus()
	x := NewExtractor(nil, nil)
	feats := func(d int) [][][]uint32 { return x.Features(docs[d]) }
	tags[0][0] = tags[0][0][:2]
	if _, err := Train(x, docs, tags, feats, TrainOptions{Epochs: 1}); err == nil {
		t.Error("no error for a sentence with fewer tags than tokens")
	}
	docs, tags = toyCorpus()
	tags[0][0][0] = "B-WHAT"
	if _, err := Train(x, docs, tags, feats, TrainOptions{Epochs: 1}); err == nil {
		t.Error("no error for an unknown tag")
	}
}

func TestReadRejectsBadData(t *testing.T) {
	_, m := trainToy(t)
	var b bytes.Buffer
	if err := (&Pipeline{First: m}).Write(&b); err != nil {
		t.Fatal(err)
	}
	good := b.Bytes()
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not gzip", []byte("hello, world")},
		{"truncated gzip", good[:len(good)/2]},
		{"gzip of garbage", gz(t, []byte("NERM\x01\xff\xff\xff"))},
		{"wrong magic", gz(t, []byte("XXXX\x01\x09"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Read(bytes.NewReader(tt.data)); !errors.Is(err, ErrFormat) {
				t.Errorf("err = %v; want ErrFormat", err)
			}
		})
	}
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func FuzzRead(f *testing.F) {
	if b, err := os.ReadFile("../../model.bin.gz"); err == nil && len(b) > 4096 {
		f.Add(b[:4096])
	}
	f.Add(gz(f, []byte("NERM\x01\x09\x01O")))
	f.Fuzz(func(t *testing.T, b []byte) {
		Read(bytes.NewReader(b))
		Read(bytes.NewReader(gz(t, b)))
	})
}

func TestFeaturesOfOddInput(t *testing.T) {
	x := NewExtractor(nil, nil)
	for _, d := range []Doc{
		{},
		{{}},
		{{"\xff\xfe", "", "Москва", "北京", strings.Repeat("A", 1000)}},
		{{"ALL", "CAPS", "HEADLINE"}, {"All", "caps", "headline"}},
	} {
		fs := x.Features(d)
		if len(fs) != len(d) {
			t.Fatalf("%d feature sentences for %d", len(fs), len(d))
		}
	}
}
