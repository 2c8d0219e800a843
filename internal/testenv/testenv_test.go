package testenv

import "testing"

func TestEnvHasBothUsersArticles(t *testing.T) {
	e := New(t, Options{})
	a, b := e.Articles(t, e.A), e.Articles(t, e.B)
	if len(a) != 3*e.Items || len(b) != 2*e.Items {
		t.Fatalf("A sees %d articles, B %d; want %d and %d", len(a), len(b), 3*e.Items, 2*e.Items)
	}
	if e.Snapshot(t) != e.Snapshot(t) {
		t.Fatal("snapshot is not stable")
	}
}
