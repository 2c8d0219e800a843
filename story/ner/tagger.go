// Package ner finds people, organisations and places in news text with a
// learned sequence model (an averaged structured perceptron over rich word,
// shape, context, gazetteer, given-name, word-cluster and document
// features, decoded with Viterbi), trained on CoNLL-2003 eng.train and
// embedded in the binary. The word clusters come from GloVe vectors
// (internal/clusters) and carry names unseen in the 1996 training text
// ("Barack Obama"); the given names are the US Social Security list
// (internal/names). It needs no network and downloads nothing.
//
// Tagger.Entities takes raw article text and returns its entities with
// aliases resolved within the article ("Mr Xi", "Xi" → "Xi Jinping") and
// places normalised through the gazetteer ("U.S." → "United States").
// Tagger.TagTokens and Tagger.TagDocument tag pre-tokenised CoNLL input.
//
// Normalize and Fold relate the entities of different articles (of one
// story): the variants of one entity ("Mr Xi", "Xi", "Xi Jinping"; "U.S.",
// "United States"; "Apple Inc.", "Apple's"; "University of X", "X
// University") become one entry under its canonical name, and a part of a
// name shared by several longer names joins none of them. Canonical and
// Key give one entity's display name and the key it is compared by.
//
// On CoNLL-2003 eng.testa the model scores 0.940 micro-F1 over PER, LOC and
// ORG (see TestCoNLLDev). The weights are fitted on eng.train only; eng.testa
// guided the choice of features and of the number of epochs, so the figure
// is a development score, a little optimistic for unseen text.
package ner

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/occasional-digest/digest/story/gazetteer"
	"github.com/occasional-digest/digest/story/ner/internal/model"
)

// The model is produced from eng.train by ./internal/train (about three
// minutes; its defaults are the settings of the shipped model):
//
//	go run ./internal/train -train ../../../shared/corpus/ner/eng.train -o model.bin.gz
//
//go:embed model.bin.gz
var modelData []byte

// maxCachedTokens bounds the documents whose features TagDocument keeps
// between its two stages (about 200 bytes a token).
const maxCachedTokens = 1 << 16

// Tagger tags named entities. It is immutable and safe for concurrent use.
type Tagger struct {
	p   *model.Pipeline
	m   *model.Model // p.First
	x   *model.Extractor
	gaz *gazetteer.Gazetteer
}

var loadTagger = sync.OnceValues(func() (*Tagger, error) {
	p, err := model.Read(bytes.NewReader(modelData))
	if err != nil {
		return nil, fmt.Errorf("ner: load embedded model: %w", err)
	}
	m := p.First
	g, err := gazetteer.Load()
	if err != nil {
		return nil, fmt.Errorf("ner: %w", err)
	}
	return &Tagger{p: p, m: m, x: model.NewExtractor(m.Lexicon, g), gaz: g}, nil
})

// New returns the tagger with the embedded model. The model is decoded once
// per process (about 0.2 s); later calls return the same tagger.
func New() (*Tagger, error) { return loadTagger() }

// TagTokens tags one sentence of tokens and returns one IOB2 tag per token
// ("B-PER", "I-PER", "O", ...; types PER, LOC, ORG and MISC). Tokens should
// be split as Tokenize splits them. An empty sentence gives an empty result.
func (t *Tagger) TagTokens(tokens []string) []string {
	return t.TagDocument([][]string{tokens})[0]
}

// TagDocument tags the sentences of one document. It is more accurate than
// tagging each sentence alone: how a word is written elsewhere in the
// document helps with headlines in capitals and sentence-initial words.
func (t *Tagger) TagDocument(sentences [][]string) [][]string {
	doc := model.Doc(sentences)
	st := t.x.Stats(doc)
	// The second stage adds features to the first's; keep those of
	// ordinary documents rather than compute them twice.
	n := 0
	for _, s := range sentences {
		n += len(s)
	}
	keep := t.p.Second != nil && n <= maxCachedTokens
	var cache [][][]uint32
	if keep {
		cache = make([][][]uint32, len(sentences))
	}
	var buf [][]uint32
	ys := make([][]int, len(sentences))
	for s := range sentences {
		if keep {
			buf = nil
		}
		buf = t.x.Sentence(doc, s, st, buf)
		if keep {
			cache[s] = buf
		}
		ys[s] = t.p.First.Decode(buf)
	}
	if t.p.Second != nil {
		hist := t.x.History(doc, ys, t.m.Labels)
		for s := range sentences {
			if keep {
				buf = cache[s]
			} else {
				buf = t.x.Sentence(doc, s, st, buf)
			}
			for i := range buf {
				buf[i] = append(buf[i], hist[s][i]...)
			}
			ys[s] = t.p.Second.Decode(buf)
		}
	}
	out := make([][]string, len(sentences))
	for s, y := range ys {
		tags := make([]string, len(y))
		for i, l := range y {
			tags[i] = t.m.Labels[l]
		}
		out[s] = tags
	}
	return out
}

// IOB1 rewrites IOB2 tags in IOB1, the scheme of the CoNLL-2003 files: an
// entity starts with I- unless it directly follows one of the same type.
func IOB1(tags []string) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t
		if typ, ok := strings.CutPrefix(t, "B-"); ok && (i == 0 || !strings.HasSuffix(tags[i-1], "-"+typ)) {
			out[i] = "I-" + typ
		}
	}
	return out
}
