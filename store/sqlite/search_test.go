package sqlite_test

import (
	"testing"

	"github.com/occasional-digest/digest/store/storetest"
)

// TestSearchCommonWord runs storetest.SearchCommonWord: a plan the
// conformance suite's smaller data never reaches.
func TestSearchCommonWord(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	storetest.SearchCommonWord(t, db)
}
