package web

import (
	"sync"
	"time"
)

// shownMemo remembers which stories this process recorded as freshly
// shown to each user, and when (the time the store keeps for them), so that a front page showing the same stories
// again within the impression window (a reload, a reader's tab polling)
// writes nothing: the store would find no fresh impression in them, and
// the write would wait behind the feed writer. It forgets everything at
// shownMemoUsers users, and a user's entries as they leave the window.
type shownMemo struct {
	mu    sync.Mutex
	users map[int64]map[int64]time.Time // user -> story -> when recorded
}

const shownMemoUsers = 1024

// known reports whether every story of ids was recorded for the user at
// or after since.
func (m *shownMemo) known(userID int64, ids []int64, since time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	at := m.users[userID]
	for _, id := range ids {
		if t, ok := at[id]; !ok || t.Before(since) {
			return false
		}
	}
	return true
}

// recorded notes that the stories of ids were recorded fresh for the
// user at now, and forgets those recorded before since.
func (m *shownMemo) recorded(userID int64, ids []int64, now, since time.Time) {
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
	for id, t := range at {
		if t.Before(since) {
			delete(at, id)
		}
	}
	for _, id := range ids {
		at[id] = now
	}
}
