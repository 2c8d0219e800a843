package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Summary is one identified text read from a JSON-lines file.
type Summary struct {
	ID   string
	Text string
}

// Key names ReadSummaries accepts, in order of preference.
var (
	idKeys      = []string{"id", "event"}
	summaryKeys = []string{"summary", "highlights"}
)

// ReadSummaries reads JSON lines, one object a line, each with an id and a
// summary, in the order given. The id is taken from "id" or else "event"
// (a string or a number); the summary from "summary" or else "highlights"
// (a string, or an array of strings joined with line breaks). Blank lines
// are skipped. A line that is not a JSON object, or lacks either field, or
// repeats an id, is an error naming its line number.
func ReadSummaries(r io.Reader) ([]Summary, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var out []Summary
	seen := make(map[string]bool)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			s, perr := parseSummary(b)
			if perr != nil {
				return out, fmt.Errorf("line %d: %w", line, perr)
			}
			if seen[s.ID] {
				return out, fmt.Errorf("line %d: duplicate id %q", line, s.ID)
			}
			seen[s.ID] = true
			out = append(out, s)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("line %d: %w", line, err)
		}
	}
}

func parseSummary(b []byte) (Summary, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return Summary{}, fmt.Errorf("not a JSON object: %w", err)
	}
	var s Summary
	id, key := firstKey(obj, idKeys)
	if key == "" {
		return s, fmt.Errorf("no id (keys %s)", strings.Join(idKeys, ", "))
	}
	var str string
	var num json.Number
	switch {
	case json.Unmarshal(id, &str) == nil:
		s.ID = str
	case json.Unmarshal(id, &num) == nil:
		s.ID = num.String()
	default:
		return s, fmt.Errorf("%s is not a string or a number", key)
	}
	text, key := firstKey(obj, summaryKeys)
	if key == "" {
		return s, fmt.Errorf("no summary (keys %s)", strings.Join(summaryKeys, ", "))
	}
	var list []string
	switch {
	case json.Unmarshal(text, &str) == nil:
		s.Text = str
	case json.Unmarshal(text, &list) == nil:
		s.Text = strings.Join(list, "\n")
	default:
		return s, fmt.Errorf("%s is not a string or an array of strings", key)
	}
	return s, nil
}

func firstKey(obj map[string]json.RawMessage, keys []string) (json.RawMessage, string) {
	for _, k := range keys {
		if v, ok := obj[k]; ok && string(v) != "null" {
			return v, k
		}
	}
	return nil, ""
}

// RougeReport is the result of ScoreFiles.
type RougeReport struct {
	Mean    RougeScores
	Words   float64 // mean length of the predicted summaries in words
	Scored  int     // references scored
	Missing int     // references with no prediction, scored as empty summaries
	Extra   int     // predictions with no reference, ignored
}

// ScoreSummaries scores each reference against the prediction with the same
// id and averages over the references. A reference without a prediction
// counts as an empty summary (all zeros) so that skipping hard cases cannot
// raise the score.
func ScoreSummaries(refs, preds []Summary, opt RougeOptions) RougeReport {
	byID := make(map[string]string, len(preds))
	for _, p := range preds {
		byID[p.ID] = p.Text
	}
	var m RougeMean
	var rep RougeReport
	used := 0
	for _, r := range refs {
		p, ok := byID[r.ID]
		if !ok {
			rep.Missing++
		} else {
			used++
		}
		m.Add(Rouge(r.Text, p, opt), Words(p))
	}
	rep.Mean, rep.Words = m.Mean()
	rep.Scored = m.N
	rep.Extra = len(byID) - used
	return rep
}
