package web

import (
	"sync"
	"time"
)

// shownMemo remembers, for each user, the stories whose showing on For
// you the store is known to hold within the impression window, and until
// when, so that a front page showing the same stories again (a reload, a
// reader's tab polling) writes nothing: the store would find no fresh
// impression in them, and the write would wait behind the feed writer.
// A story this process recorded fresh is known until its impression
// leaves the window; one the store already held (recorded by another
// process, or by this one before a restart), whose time the store does
// not return, is known for shownRecheck, then asked again. Without the
// latter, every front page view of a reader served by a second web
// process was a write transaction for six hours (at 50 readers, 40 of 50
// requests queued on the one write connection). It forgets everything at
// shownMemoUsers users, and a user's entries as they expire.
type shownMemo struct {
	mu    sync.Mutex
	users map[int64]map[int64]time.Time // user -> story -> known until
}

const shownMemoUsers = 1024

// shownRecheck is how long a story the store already held as shown is
// taken as still shown within the window without asking: an impression
// leaving the window meanwhile is recorded anew up to this late.
const shownRecheck = time.Minute

// known reports whether every story of ids is known to be recorded for
// the user within the window at now.
func (m *shownMemo) known(userID int64, ids []int64, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	at := m.users[userID]
	for _, id := range ids {
		if until, ok := at[id]; !ok || !now.Before(until) {
			return false
		}
	}
	return true
}

// recorded notes that the stories of fresh were recorded for the user at
// now, and that those of held already were (at a time the store did not
// tell, within window of now); it forgets the user's expired entries.
func (m *shownMemo) recorded(userID int64, fresh, held []int64, now time.Time, window time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users == nil || len(m.users) >= shownMemoUsers {
		m.users = map[int64]map[int64]time.Time{}
	}
	at := m.users[userID]
	if at == nil {
		at = map[int64]time.Time{}
		m.users[userID] = at
	}
	for id, until := range at {
		if !now.Before(until) {
			delete(at, id)
		}
	}
	recheck := now.Add(min(shownRecheck, window))
	for _, id := range held {
		if recheck.After(at[id]) {
			at[id] = recheck
		}
	}
	for _, id := range fresh {
		at[id] = now.Add(window)
	}
}
