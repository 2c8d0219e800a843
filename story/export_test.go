package story

// OpenCounts returns the articles of open stories (and how many of them
// are copies), the articles kept for duplicate detection only and the open
// stories of e (for the external memory tests).
func OpenCounts(e *Engine) (articles, copies, past, stories int) {
	for _, a := range e.articles {
		if a.dupOf != 0 {
			copies++
		}
	}
	return len(e.articles), copies, len(e.past), len(e.stories)
}
