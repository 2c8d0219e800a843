package fever

import (
	"strconv"
	"strings"
)

// maxIDText bounds the text of one ID: 19 digits hold every positive
// int64.
const maxIDText = 19

// parseID parses a positive decimal item, feed or group ID.
func parseID(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxIDText {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// parseBound parses since_id or max_id: 0 or a positive ID; empty is 0.
func parseBound(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	n, ok := parseID(s)
	if !ok {
		return 0, bad("not an id")
	}
	return n, nil
}

// ParseIDList parses a comma-separated list of positive IDs (with_ids),
// tolerating spaces and empty elements, and drops duplicates. It refuses
// more than max IDs, or anything that is not an ID, with an error that
// says so; it never returns more than max IDs.
func ParseIDList(s string, max int) ([]int64, error) {
	if len(s) > max*(maxIDText+2) {
		return nil, bad("with_ids: at most " + strconv.Itoa(max) + " ids")
	}
	var ids []int64
	seen := map[int64]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, ok := parseID(part)
		if !ok {
			return nil, bad("with_ids: " + strconv.Quote(clip(part, 20)) + " is not an id")
		}
		if seen[id] {
			continue
		}
		if len(ids) == max {
			return nil, bad("with_ids: at most " + strconv.Itoa(max) + " ids")
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return strings.ToValidUTF8(s, "")
}
