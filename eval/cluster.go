package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ClusterPRF is a precision, recall and F1 triple of a clustering metric.
type ClusterPRF struct {
	P, R, F1 float64
}

func clusterPRF(p, r float64) ClusterPRF {
	f := 0.0
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return ClusterPRF{p, r, f}
}

// String formats the triple as "P 0.912 R 0.874 F1 0.893".
func (x ClusterPRF) String() string {
	return fmt.Sprintf("P %.3f R %.3f F1 %.3f", x.P, x.R, x.F1)
}

// ClusterScore is the comparison of a predicted clustering with gold
// events.
type ClusterScore struct {
	Items    int // items scored (in both gold and prediction)
	Missing  int // gold items without a prediction (scored as singletons)
	Pairwise ClusterPRF
	BCubed   ClusterPRF
	Stories  int // distinct predicted clusters among the scored items
	Events   int // distinct gold events
	// SiblingMerge is the share of pairs of items in the same gold topic
	// but different events that the prediction puts together; -1 when the
	// gold has no topics.
	SiblingMerge float64
}

// ScoreClusters compares pred (item -> predicted cluster) with gold (item ->
// event). topic (item -> topic) may be nil. Gold items missing from pred are
// scored as clusters of their own; predicted items not in gold are ignored.
func ScoreClusters(gold, pred, topic map[string]string) ClusterScore {
	ids := make([]string, 0, len(gold))
	for id := range gold {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	sc := ClusterScore{Items: len(ids), SiblingMerge: -1}
	p := make(map[string]string, len(ids))
	for _, id := range ids {
		c, ok := pred[id]
		if !ok {
			sc.Missing++
			c = "\x00missing:" + id
		}
		p[id] = c
	}
	// Contingency counts: |S ∩ E| per (story, event), |S|, |E|.
	type pair struct{ s, e string }
	joint := map[pair]int{}
	sizeS := map[string]int{}
	sizeE := map[string]int{}
	for _, id := range ids {
		joint[pair{p[id], gold[id]}]++
		sizeS[p[id]]++
		sizeE[gold[id]]++
	}
	sc.Stories, sc.Events = len(sizeS), len(sizeE)
	c2 := func(n int) float64 { return float64(n) * float64(n-1) / 2 }
	var tp, predPairs, goldPairs float64
	for _, n := range joint {
		tp += c2(n)
	}
	for _, n := range sizeS {
		predPairs += c2(n)
	}
	for _, n := range sizeE {
		goldPairs += c2(n)
	}
	var pw, rw float64
	if predPairs > 0 {
		pw = tp / predPairs
	} else {
		pw = 1 // no pair claimed, none wrong
	}
	if goldPairs > 0 {
		rw = tp / goldPairs
	}
	sc.Pairwise = clusterPRF(pw, rw)
	if len(ids) > 0 {
		var bp, br float64
		for _, id := range ids {
			n := float64(joint[pair{p[id], gold[id]}])
			bp += n / float64(sizeS[p[id]])
			br += n / float64(sizeE[gold[id]])
		}
		sc.BCubed = clusterPRF(bp/float64(len(ids)), br/float64(len(ids)))
	}
	if topic != nil {
		// Same topic, different events: count pairs per (topic, event) and
		// per (topic, event, story) to avoid a quadratic loop.
		type te struct{ t, e string }
		type tes struct{ t, e, s string }
		type ts struct{ t, s string }
		byTE := map[te]int{}
		byTES := map[tes]int{}
		byT := map[string]int{}
		byTS := map[ts]int{}
		for _, id := range ids {
			t := topic[id]
			if t == "" {
				continue
			}
			byT[t]++
			byTE[te{t, gold[id]}]++
			byTS[ts{t, p[id]}]++
			byTES[tes{t, gold[id], p[id]}]++
		}
		var sib, sibMerged float64
		for _, n := range byT {
			sib += c2(n)
		}
		for _, n := range byTE {
			sib -= c2(n)
		}
		for _, n := range byTS {
			sibMerged += c2(n)
		}
		for _, n := range byTES {
			sibMerged -= c2(n)
		}
		if sib > 0 {
			sc.SiblingMerge = sibMerged / sib
		} else if len(byT) > 0 {
			sc.SiblingMerge = 0
		}
	}
	return sc
}

// GoldClusters reads gold JSON lines {"id", "event", "topic"?}; other fields
// are ignored. topic is nil when no line has a topic.
func GoldClusters(r io.Reader) (gold, topic map[string]string, err error) {
	gold = map[string]string{}
	topic = map[string]string{}
	err = clusterLines(r, func(line int, raw []byte) error {
		var v struct {
			ID    json.RawMessage `json:"id"`
			Event json.RawMessage `json:"event"`
			Topic json.RawMessage `json:"topic"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		id, err := clusterScalar(v.ID)
		if err != nil || id == "" {
			return fmt.Errorf("line %d: missing or bad \"id\"", line)
		}
		ev, err := clusterScalar(v.Event)
		if err != nil || ev == "" {
			return fmt.Errorf("line %d: missing or bad \"event\"", line)
		}
		if _, dup := gold[id]; dup {
			return fmt.Errorf("line %d: id %q repeated", line, id)
		}
		gold[id] = ev
		if t, err := clusterScalar(v.Topic); err == nil && t != "" {
			topic[id] = t
		}
		return nil
	})
	if len(topic) == 0 {
		topic = nil
	}
	return gold, topic, err
}

// PredClusters reads predicted JSON lines {"id", "story"} (as printed by
// "digest cluster"); story may be a number or a string. A repeated id keeps
// its last story.
func PredClusters(r io.Reader) (map[string]string, error) {
	pred := map[string]string{}
	err := clusterLines(r, func(line int, raw []byte) error {
		var v struct {
			ID    json.RawMessage `json:"id"`
			Story json.RawMessage `json:"story"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		id, err := clusterScalar(v.ID)
		if err != nil || id == "" {
			return fmt.Errorf("line %d: missing or bad \"id\"", line)
		}
		s, err := clusterScalar(v.Story)
		if err != nil || s == "" {
			return fmt.Errorf("line %d: missing or bad \"story\"", line)
		}
		pred[id] = s
		return nil
	})
	return pred, err
}

// scalar renders a JSON string or number as a string; "" for absent/null.
func clusterScalar(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("not a string or number: %s", raw)
	}
	return n.String(), nil
}

// readLines calls fn for each non-blank line of r (lines up to 64 MB).
func clusterLines(r io.Reader, fn func(line int, raw []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if err := fn(n, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", n+1, err)
	}
	return nil
}
