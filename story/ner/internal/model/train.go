package model

import (
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
)

// TrainOptions control training.
type TrainOptions struct {
	Epochs   int     // passes over the data
	MinCount int     // features seen fewer times are dropped
	Prune    float64 // averaged weights with a smaller magnitude are dropped
	Seed     uint64  // shuffling seed
	Logger   *slog.Logger
	// Epoch, when set, is called after every epoch with the averaged model
	// so far (for development scores).
	Epoch func(epoch int, m *Model)
}

// Labels are the IOB2 labels of the CoNLL-2003 types, "O" first.
var Labels = []string{"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"}

// Train trains a model with the averaged structured perceptron on docs whose
// gold IOB2 tags are tags[doc][sentence][token]. features returns the
// features of document d (x.Features for a first-stage model).
func Train(x *Extractor, docs []Doc, tags [][][]string, features func(d int) [][][]uint32, opt TrainOptions) (*Model, error) {
	if len(docs) != len(tags) {
		return nil, fmt.Errorf("%d documents, %d tag lists", len(docs), len(tags))
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	L := len(Labels)
	labelID := map[string]int{}
	for i, l := range Labels {
		labelID[l] = i
	}
	type sent struct {
		raw  [][]uint32
		ids  [][]int32
		gold []int
	}
	var sents []sent
	counts := map[uint32]int{}
	for d, doc := range docs {
		feats := features(d)
		for s := range doc {
			if len(doc[s]) != len(tags[d][s]) {
				return nil, fmt.Errorf("document %d sentence %d: %d tokens, %d tags", d, s, len(doc[s]), len(tags[d][s]))
			}
			gold := make([]int, len(doc[s]))
			for i, t := range tags[d][s] {
				id, ok := labelID[t]
				if !ok {
					return nil, fmt.Errorf("document %d sentence %d: unknown tag %q", d, s, t)
				}
				gold[i] = id
			}
			for _, fs := range feats[s] {
				for _, f := range fs {
					counts[f]++
				}
			}
			sents = append(sents, sent{raw: feats[s], gold: gold})
		}
	}
	index := map[uint32]int32{}
	for f, c := range counts {
		if c >= opt.MinCount {
			index[f] = int32(len(index))
		}
	}
	log.Info("features", "seen", len(counts), "kept", len(index), "sentences", len(sents))
	for i := range sents {
		s := &sents[i]
		s.ids = make([][]int32, len(s.raw))
		for t, fs := range s.raw {
			for _, f := range fs {
				if r, ok := index[f]; ok {
					s.ids[t] = append(s.ids[t], r)
				}
			}
		}
		s.raw = nil
	}

	m := newModel(Labels, x.lexicon)
	nf := len(index)
	w := make([]float32, nf*L)
	u := make([]float32, nf*L) // Σ step × update, for averaging
	tr := make([]float32, len(m.trans))
	tu := make([]float32, len(m.trans))
	step := float32(1)
	rng := rand.New(rand.NewPCG(opt.Seed, 42))
	order := make([]int, len(sents))
	for i := range order {
		order[i] = i
	}
	average := func() *Model {
		a := newModel(Labels, x.lexicon)
		a.index = newTable(index)
		a.w = make([]float32, len(w))
		for i := range w {
			a.w[i] = w[i] - u[i]/step
		}
		for i := range tr {
			a.trans[i] = tr[i] - tu[i]/step
		}
		return a
	}
	for epoch := 1; epoch <= opt.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		errs := 0
		for _, si := range order {
			s := &sents[si]
			n := len(s.gold)
			if n == 0 {
				continue
			}
			emit := make([]float32, n*L)
			for t, ids := range s.ids {
				row := emit[t*L : t*L+L]
				for _, r := range ids {
					wr := w[int(r)*L : int(r)*L+L]
					for y := range row {
						row[y] += wr[y]
					}
				}
			}
			pred := viterbi(emit, n, L, tr, m.allow)
			if !slices.Equal(pred, s.gold) {
				errs++
				for t := range n {
					g, p := s.gold[t], pred[t]
					if g != p {
						for _, r := range s.ids[t] {
							w[int(r)*L+g]++
							u[int(r)*L+g] += step
							w[int(r)*L+p]--
							u[int(r)*L+p] -= step
						}
					}
					gp, pp := L, L
					if t > 0 {
						gp, pp = s.gold[t-1], pred[t-1]
					}
					if gp != pp || g != p {
						tr[gp*L+g]++
						tu[gp*L+g] += step
						tr[pp*L+p]--
						tu[pp*L+p] -= step
					}
				}
			}
			step++
		}
		log.Info("epoch", "n", epoch, "sentence errors", errs, "of", len(order))
		if opt.Epoch != nil {
			opt.Epoch(epoch, average())
		}
	}
	a := average()
	// Drop features whose averaged weights are all negligible.
	pruned := newModel(Labels, x.lexicon)
	copy(pruned.trans, a.trans)
	kept := map[uint32]int32{}
	for f, r := range index {
		row := a.w[int(r)*L : int(r)*L+L]
		keep := false
		for _, v := range row {
			if math.Abs(float64(v)) >= opt.Prune {
				keep = true
				break
			}
		}
		if keep {
			kept[f] = int32(len(pruned.w) / L)
			pruned.w = append(pruned.w, row...)
		}
	}
	pruned.index = newTable(kept)
	log.Info("pruned", "features", len(kept), "of", len(index))
	return pruned, nil
}
