package eval

import (
	"github.com/occasional-digest/digest/internal/testcorpus"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

func clusterNear(a, b float64) bool { return math.Abs(a-b) < 5e-4 }

func TestScoreClusters(t *testing.T) {
	gold := map[string]string{"a": "E1", "b": "E1", "c": "E1", "d": "E2", "e": "E2"}
	topic := map[string]string{"a": "T", "b": "T", "c": "T", "d": "T", "e": "T"}
	tests := []struct {
		name                 string
		pred                 map[string]string
		pw, pr, bp, br, sibl float64
		missing              int
	}{
		{"one wrong article splits and merges pairs",
			map[string]string{"a": "1", "b": "1", "c": "2", "d": "2", "e": "2"},
			0.5, 0.5, 11.0 / 15, 11.0 / 15, 2.0 / 6, 0},
		{"perfect clustering scores one and merges no sibling",
			map[string]string{"a": "x", "b": "x", "c": "x", "d": "y", "e": "y"},
			1, 1, 1, 1, 0, 0},
		{"all in one story merges every sibling pair",
			map[string]string{"a": "x", "b": "x", "c": "x", "d": "x", "e": "x"},
			0.4, 1, 13.0 / 25, 1, 1, 0},
		{"missing predictions count as singletons",
			map[string]string{"a": "x", "b": "x"},
			1, 0.25, 1, 8.0 / 15, 0, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ScoreClusters(gold, tc.pred, topic)
			if !clusterNear(s.Pairwise.P, tc.pw) || !clusterNear(s.Pairwise.R, tc.pr) {
				t.Errorf("pairwise %s, want P %.3f R %.3f", s.Pairwise, tc.pw, tc.pr)
			}
			if !clusterNear(s.BCubed.P, tc.bp) || !clusterNear(s.BCubed.R, tc.br) {
				t.Errorf("b-cubed %s, want P %.3f R %.3f", s.BCubed, tc.bp, tc.br)
			}
			if !clusterNear(s.SiblingMerge, tc.sibl) {
				t.Errorf("sibling-merge %.3f, want %.3f", s.SiblingMerge, tc.sibl)
			}
			if s.Missing != tc.missing {
				t.Errorf("missing %d, want %d", s.Missing, tc.missing)
			}
		})
	}
	if s := ScoreClusters(gold, map[string]string{}, nil); s.SiblingMerge != -1 {
		t.Errorf("no topics: sibling-merge %v, want -1", s.SiblingMerge)
	}
	if s := ScoreClusters(map[string]string{}, nil, nil); s.Items != 0 {
		t.Errorf("empty gold scored %d items", s.Items)
	}
}

func TestReadClustersRejectsBrokenInput(t *testing.T) {
	tests := []struct {
		name, gold string
	}{
		{"not json", "{oops\n"},
		{"missing event", `{"id":"a"}` + "\n"},
		{"missing id", `{"event":"e"}` + "\n"},
		{"repeated id", `{"id":"a","event":"e"}` + "\n" + `{"id":"a","event":"f"}` + "\n"},
		{"object id", `{"id":{"x":1},"event":"e"}` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := GoldClusters(strings.NewReader(tc.gold)); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := PredClusters(strings.NewReader(`{"id":"a"}`)); err == nil {
		t.Error("pred without story: no error")
	}
	g, topic, err := GoldClusters(strings.NewReader("\n" + `{"id":7,"event":"e","topic":3}` + "\n"))
	if err != nil || g["7"] != "e" || topic["7"] != "3" {
		t.Errorf("numeric id/topic: %v %v %v", g, topic, err)
	}
	p, err := PredClusters(strings.NewReader(`{"id":"a","story":12,"duplicate_of":null}`))
	if err != nil || p["a"] != "12" {
		t.Errorf("numeric story: %v %v", p, err)
	}
}

// TestReferencePoints checks the scorer against the reference rows of the
// corpus README (every article alone, all in one story, one story per
// topic) on the ECB+ development file.
func TestReferencePoints(t *testing.T) {
	f, err := os.Open(testcorpus.Path(t, "stories", "ecbplus-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gold, topic, err := GoldClusters(f)
	if err != nil {
		t.Fatal(err)
	}
	alone, one := map[string]string{}, map[string]string{}
	i := 0
	for id := range gold {
		i++
		alone[id] = strconv.Itoa(i)
		one[id] = "all"
	}
	s := ScoreClusters(gold, alone, topic)
	if !clusterNear(s.BCubed.R, 0.088) || !clusterNear(s.BCubed.F1, 0.162) || s.SiblingMerge != 0 {
		t.Errorf("every article alone: %+v", s)
	}
	s = ScoreClusters(gold, one, topic)
	if math.Abs(s.Pairwise.P-0.023) > 1e-3 || math.Abs(s.BCubed.F1-0.048) > 1e-3 || s.SiblingMerge != 1 {
		t.Errorf("all in one story: %+v", s)
	}
	s = ScoreClusters(gold, topic, topic)
	if math.Abs(s.Pairwise.F1-0.665) > 1e-3 || math.Abs(s.BCubed.F1-0.685) > 1e-3 || s.Stories != 22 {
		t.Errorf("one story per topic: %+v", s)
	}
}
