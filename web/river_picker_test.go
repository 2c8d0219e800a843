package web

import (
	"fmt"
	"testing"

	digest "github.com/occasional-digest/digest"
)

func TestPickerShowsTheOutletsWithMostUnreadInListOrder(t *testing.T) {
	var list []digest.Feed
	for i := 0; i < 100; i++ {
		list = append(list, digest.Feed{ID: int64(i + 1), Title: fmt.Sprintf("feed %03d", i), Unread: i % 10})
	}
	got := pickerFeeds(list, 20)
	if len(got) != 20 {
		t.Fatalf("got %d feeds, want 20", len(got))
	}
	for i, f := range got {
		if f.Unread != 9 && f.Unread != 8 {
			t.Errorf("feed %q with %d unread picked over busier ones", f.Title, f.Unread)
		}
		if i > 0 && got[i-1].ID > f.ID {
			t.Errorf("picker not in list order: %d before %d", got[i-1].ID, f.ID)
		}
	}
	if short := pickerFeeds(list[:5], 20); len(short) != 5 {
		t.Errorf("short list cut to %d", len(short))
	}
}
