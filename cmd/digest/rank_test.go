package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestRankCommand(t *testing.T) {
	in := `{"id":"i1","history":[{"title":"Earthquake shakes Port Alder","category":"news"},{"title":"Port Alder counts the earthquake damage","category":"news"}],"candidates":[{"id":"a","title":"Fair opens in Lindenfeld","category":"lifestyle","popularity":2},{"id":"b","title":"Aftershock earthquakes hit Port Alder","category":"news"}]}
{"id":"i2","history":[],"candidates":[{"id":"x","title":"Big story","popularity":9},{"id":"y","title":"Small story","popularity":1}]}
`
	env, out, _ := testEnv(nil)
	env.Stdin = strings.NewReader(in)
	if err := run(context.Background(), env, []string{"rank"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %q", out)
	}
	var r struct {
		ID     string    `json:"id"`
		Scores []float64 `json:"scores"`
	}
	json.Unmarshal([]byte(lines[0]), &r)
	if r.ID != "i1" || len(r.Scores) != 2 || !(r.Scores[1] > r.Scores[0]) {
		t.Errorf("reader of the quake: %+v, want b above a", r)
	}
	json.Unmarshal([]byte(lines[1]), &r)
	if r.ID != "i2" || !(r.Scores[0] > r.Scores[1]) {
		t.Errorf("a new reader: %+v, want the more important first", r)
	}
	for _, bad := range []string{"{", `{"id": 3}`, `{"candidates": "x"}`} {
		env, _, _ := testEnv(nil)
		env.Stdin = strings.NewReader(bad + "\n")
		if err := run(context.Background(), env, []string{"rank"}); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("input %q: %v, want an error naming the line", bad, err)
		}
	}
}
