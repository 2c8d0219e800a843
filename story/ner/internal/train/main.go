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
	epochs := flag.Int("epochs", 12, "training epochs")
	minCount := flag.Int("mincount", 1, "drop features seen fewer times")
	prune := flag.Float64("prune", 0.5, "drop features whose averaged weights are all smaller")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log, *train, *dev, *out, *epochs, *minCount, *prune); err != nil {
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

func score(x *model.Extractor, m *model.Model, c *corpus) *conll.Result {
	r := &conll.Result{}
	for d, doc := range c.docs {
		feats := x.Features(doc)
		for s := range doc {
			ys := m.Decode(feats[s])
			pred := make([]string, len(ys))
			for i, y := range ys {
				pred[i] = m.Labels[y]
			}
			r.Add(c.tags[d][s], pred)
		}
	}
	return r
}

func run(log *slog.Logger, trainPath, devPath, out string, epochs, minCount int, prune float64) error {
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
	if dev != nil {
		opt.Epoch = func(epoch int, m *model.Model) {
			r := score(x, m, dev)
			c := r.Micro("PER", "LOC", "ORG")
			log.Info("dev", "epoch", epoch, "f1", fmt.Sprintf("%.4f", c.F1()),
				"PER", fmt.Sprintf("%.4f", r.Types["PER"].F1()), "LOC", fmt.Sprintf("%.4f", r.Types["LOC"].F1()),
				"ORG", fmt.Sprintf("%.4f", r.Types["ORG"].F1()), "MISC", fmt.Sprintf("%.4f", r.Types["MISC"].F1()))
		}
	}
	m, err := model.Train(x, tr.docs, tr.tags, opt)
	if err != nil {
		return err
	}
	if dev != nil {
		r := score(x, m, dev)
		log.Info("dev pruned", "f1", fmt.Sprintf("%.4f", r.Micro("PER", "LOC", "ORG").F1()))
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := m.WriteTo(f); err != nil {
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
	log.Info("wrote", "file", out, "bytes", st.Size(), "features", m.Features())
	return nil
}
