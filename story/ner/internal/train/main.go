// Command train trains the named-entity tagger's model on CoNLL-2003
// eng.train and writes it in its compact form, ready to embed:
//
//	go run ./internal/train -train ../../../shared/corpus/ner/eng.train -o model.bin.gz
//
// run from story/ner. With -dev, it prints the PER/LOC/ORG micro-F1 on that
// file after every epoch; the model itself learns from -train only.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/occasional-digest/digest/story/gazetteer"
	"github.com/occasional-digest/digest/story/ner/conll"
	"github.com/occasional-digest/digest/story/ner/internal/model"
)

func main() {
	train := flag.String("train", "../../../shared/corpus/ner/eng.train", "CoNLL-2003 training file")
	dev := flag.String("dev", "", "CoNLL-2003 file to score after each epoch (optional)")
	out := flag.String("o", "model.bin.gz", "model output file")
	epochs := flag.Int("epochs", 16, "training epochs")
	minCount := flag.Int("mincount", 1, "drop features seen fewer times")
	prune := flag.Float64("prune", 0.5, "drop features whose averaged weights are all smaller")
	folds := flag.Int("folds", 5, "jackknife folds for the second stage (0: first stage only)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log, *train, *dev, *out, *epochs, *minCount, *prune, *folds); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

type corpus struct {
	docs []model.Doc
	tags [][][]string // IOB2
	raw  []conll.Document
}

func load(path string) (*corpus, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := conll.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c := &corpus{raw: raw}
	for _, d := range raw {
		var doc model.Doc
		var tags [][]string
		for s := range d.Sentences {
			doc = append(doc, d.Column(s, 0))
			tags = append(tags, IOB2(d.Column(s, -1)))
		}
		if len(doc) > 0 {
			c.docs = append(c.docs, doc)
			c.tags = append(c.tags, tags)
		}
	}
	return c, nil
}

// IOB2 rewrites tags in any IOB scheme as IOB2.
func IOB2(tags []string) []string {
	out := make([]string, len(tags))
	for i := range out {
		out[i] = "O"
	}
	for _, s := range conll.Spans(tags) {
		out[s.Start] = "B-" + s.Type
		for i := s.Start + 1; i < s.End; i++ {
			out[i] = "I-" + s.Type
		}
	}
	return out
}

// predict tags every document with the pipeline and returns the label
// indices of each sentence.
func predict(x *model.Extractor, p *model.Pipeline, doc model.Doc) [][]int {
	st := x.Stats(doc)
	first := make([][]int, len(doc))
	for s := range doc {
		first[s] = p.First.Decode(x.Sentence(doc, s, st, nil))
	}
	if p.Second == nil {
		return first
	}
	hist := x.History(doc, first, p.First.Labels)
	out := make([][]int, len(doc))
	for s := range doc {
		fs := x.Sentence(doc, s, st, nil)
		for i := range fs {
			fs[i] = append(fs[i], hist[s][i]...)
		}
		out[s] = p.Second.Decode(fs)
	}
	return out
}

func score(x *model.Extractor, p *model.Pipeline, c *corpus) *conll.Result {
	r := &conll.Result{}
	for d, doc := range c.docs {
		ys := predict(x, p, doc)
		for s := range doc {
			pred := make([]string, len(ys[s]))
			for i, y := range ys[s] {
				pred[i] = p.First.Labels[y]
			}
			r.Add(c.tags[d][s], pred)
		}
	}
	return r
}

func report(log *slog.Logger, msg string, r *conll.Result, attrs ...any) {
	c := r.Micro("PER", "LOC", "ORG")
	attrs = append(attrs, "f1", fmt.Sprintf("%.4f", c.F1()))
	for _, t := range []string{"PER", "LOC", "ORG", "MISC"} {
		attrs = append(attrs, t, fmt.Sprintf("%.4f", r.Types[t].F1()))
	}
	log.Info(msg, attrs...)
}

func run(log *slog.Logger, trainPath, devPath, out string, epochs, minCount int, prune float64, folds int) error {
	tr, err := load(trainPath)
	if err != nil {
		return err
	}
	var dev *corpus
	if devPath != "" {
		if dev, err = load(devPath); err != nil {
			return err
		}
	}
	g, err := gazetteer.Load()
	if err != nil {
		return err
	}
	x := model.NewExtractor(model.BuildLexicon(tr.docs), g)
	opt := model.TrainOptions{Epochs: epochs, MinCount: minCount, Prune: prune, Seed: 1, Logger: log}
	first := func(docs []model.Doc) func(int) [][][]uint32 {
		return func(d int) [][][]uint32 { return x.Features(docs[d]) }
	}
	m1, err := model.Train(x, tr.docs, tr.tags, first(tr.docs), opt)
	if err != nil {
		return err
	}
	p := &model.Pipeline{First: m1}
	if dev != nil {
		report(log, "dev first stage", score(x, p, dev))
	}
	if folds > 1 {
		// First-stage predictions on the training documents, each from a
		// model that did not see it (jackknifing), so that the second
		// stage learns how far to trust them.
		pred := make([][][]int, len(tr.docs))
		quiet := opt
		quiet.Logger = nil
		for k := range folds {
			var docs []model.Doc
			var tags [][][]string
			for d := range tr.docs {
				if d%folds != k {
					docs = append(docs, tr.docs[d])
					tags = append(tags, tr.tags[d])
				}
			}
			mk, err := model.Train(x, docs, tags, first(docs), quiet)
			if err != nil {
				return err
			}
			for d := range tr.docs {
				if d%folds == k {
					pred[d] = predict(x, &model.Pipeline{First: mk}, tr.docs[d])
				}
			}
			log.Info("fold", "k", k)
		}
		second := func(d int) [][][]uint32 {
			fs := x.Features(tr.docs[d])
			hist := x.History(tr.docs[d], pred[d], m1.Labels)
			for s := range fs {
				for i := range fs[s] {
					fs[s][i] = append(fs[s][i], hist[s][i]...)
				}
			}
			return fs
		}
		if p.Second, err = model.Train(x, tr.docs, tr.tags, second, opt); err != nil {
			return err
		}
		if dev != nil {
			report(log, "dev second stage", score(x, p, dev))
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := p.Write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	log.Info("wrote", "file", out, "bytes", st.Size())
	return nil
}
