package digest

import (
	"context"
	"time"
)

// ChoiceKind is what a reader's explicit choice on "For you" is about.
type ChoiceKind string

// The kinds of choices. Key is, for each: ChoiceSite a host name
// ("harbor.example"), ChoiceFeed and ChoicePriority a feed ID, ChoiceEntity
// "KIND:name" folded to lower case ("loc:port alder"), ChoiceCategory a
// category title folded to lower case, ChoicePhrase a phrase folded to
// lower case, ChoiceStory a story ID.
const (
	ChoiceSite     ChoiceKind = "site"
	ChoiceFeed     ChoiceKind = "feed"
	ChoiceEntity   ChoiceKind = "entity"
	ChoiceCategory ChoiceKind = "category"
	ChoicePhrase   ChoiceKind = "phrase"
	// ChoiceStory is "more like this" (Value > 0) or "less like this"
	// (Value < 0) on one story; Label keeps its headline, the text later
	// stories are compared with.
	ChoiceStory ChoiceKind = "story"
	// ChoicePriority is a feed's priority, Value from -2 to +2.
	ChoicePriority ChoiceKind = "priority"
)

// Valid reports whether k is a known kind.
func (k ChoiceKind) Valid() bool {
	switch k {
	case ChoiceSite, ChoiceFeed, ChoiceEntity, ChoiceCategory, ChoicePhrase, ChoiceStory, ChoicePriority:
		return true
	}
	return false
}

// Choice is one explicit choice of a reader. For the kinds that are
// followed or muted, Value is +1 (follow) or -1 (mute).
type Choice struct {
	Kind    ChoiceKind `json:"kind"`
	Key     string     `json:"key"`
	Label   string     `json:"label"` // as the reader saw it: "Port Alder", "Meridian Wire"
	Value   float64    `json:"value"`
	Created time.Time  `json:"created"`
}

// Bounds of what ForYouStore keeps per user.
const (
	MaxChoices     = 5000 // SetChoice refuses more (EINVALID)
	MaxChoiceKey   = 500  // bytes of a Choice's Key
	MaxChoiceLabel = 1000 // bytes of a Choice's Label (longer is cut)
	MaxSignals     = 2000 // Learn keeps the most recently updated
	MaxImpressions = 2000 // RecordShown keeps the most recently shown
	MaxDismissals  = 5000 // DismissStory keeps the most recently dismissed
)

// Signal is what a reader's behaviour taught the ranker about one feature
// of stories (a feed, a site, an entity, a category: Key such as
// "feed:12"): decayed counts of the times a story with it was opened
// (Clicks, weighted: a star counts more) and shown on For you (Shown), as
// of Updated.
type Signal struct {
	Key     string    `json:"key"`
	Clicks  float64   `json:"clicks"`
	Shown   float64   `json:"shown"`
	Updated time.Time `json:"updated"`
}

// ForYouStore keeps what makes "For you" personal: the reader's explicit
// choices, the signals learned from their behaviour, and which stories
// For you showed them. Every method acts on one user's rows alone.
type ForYouStore interface {
	// SetChoice saves c, replacing the user's choice of the same kind and
	// key. EINVALID for an unknown kind, an empty key or one longer than
	// MaxChoiceKey, a Value outside -2..+2, or a new choice beyond
	// MaxChoices.
	SetChoice(ctx context.Context, userID int64, c *Choice) error
	// DeleteChoice removes one choice. ENOTFOUND.
	DeleteChoice(ctx context.Context, userID int64, kind ChoiceKind, key string) error
	// Choices lists the user's choices, newest first.
	Choices(ctx context.Context, userID int64) ([]Choice, error)

	// Learn adds each signal's Clicks and Shown to the user's stored
	// counts for its Key after decaying those to now (halved every
	// halfLife), all in one transaction. Beyond MaxSignals the least
	// recently updated are forgotten. EINVALID for an empty key or a
	// halfLife <= 0.
	Learn(ctx context.Context, userID int64, now time.Time, halfLife time.Duration, signals []Signal) error
	// Signals lists the user's learned signals as stored (decayed to
	// their Updated time), by key.
	Signals(ctx context.Context, userID int64) ([]Signal, error)

	// RecordShown records that For you showed the user the given stories
	// at now, and returns those it had not shown within the window
	// before: the fresh impressions. Beyond MaxImpressions the least
	// recently shown are forgotten.
	RecordShown(ctx context.Context, userID int64, storyIDs []int64, now time.Time, within time.Duration) (fresh []int64, err error)
	// OpenStory records that the user opened a story (its page or one of
	// its articles) and reports whether it is the first time: a story's
	// opening is learned from once.
	OpenStory(ctx context.Context, userID, storyID int64, now time.Time) (first bool, err error)
	// ForYouStories lists the stories For you ranks for the user: the
	// q.Important most important and the q.Recent last seen of those the
	// user sees and has not dismissed, and up to q.Followed more of the last seen carried by one
	// of q.Feeds or naming one of q.Entities (fewer when they overlap), by
	// descending importance as Stories lists them, each with its
	// entities, the user's article IDs, the user's feeds carrying them
	// and the verdicts of the user's rules on them that are not neutral.
	ForYouStories(ctx context.Context, userID int64, q ForYouQuery) ([]ForYouStory, error)
	// StoryFeeds returns, for each of the given stories, the IDs of the
	// user's feeds that carry one of its articles (ascending). Stories
	// the user does not see are left out.
	StoryFeeds(ctx context.Context, userID int64, storyIDs []int64) (map[int64][]int64, error)
	// FeedRates counts, for each of the given feeds, the articles it
	// published at or after since (feeds without any are left out).
	FeedRates(ctx context.Context, feedIDs []int64, since time.Time) (map[int64]int, error)

	// DismissStory records that the user dismissed a story at now: it
	// leaves the lists ranked or paged for them (ForYouStories,
	// DailyStories, Stories) and stays where they look it up (Story,
	// search, an entity's stories); its articles keep their read and
	// starred state. Dismissing it again keeps the first time. Beyond
	// MaxDismissals the least recently dismissed come back. ENOTFOUND for
	// a story the user does not see.
	DismissStory(ctx context.Context, userID, storyID int64, now time.Time) error
	// UndismissStory brings a dismissed story back to the user's lists.
	// ENOTFOUND when they had not dismissed it.
	UndismissStory(ctx context.Context, userID, storyID int64) error
	// Dismissed returns, of the given stories, those the user dismissed,
	// with when.
	Dismissed(ctx context.Context, userID int64, storyIDs []int64) (map[int64]time.Time, error)
}

// ForYouQuery chooses For you's candidate stories (see
// ForYouStore.ForYouStories).
type ForYouQuery struct {
	Important, Recent int
	// Followed bounds the stories added for Feeds and Entities (a
	// followed feed's or entity's story that is neither important nor
	// recent enough still reaches the page).
	Followed int
	Feeds    []int64
	// Entities are matched by kind and exact name.
	Entities []Entity
}

// ForYouStory is one of For you's candidates.
type ForYouStory struct {
	Story
	// Feeds are the user's feeds that carry one of the story's articles
	// (ascending).
	Feeds []int64
	// Verdicts are the user's stored verdicts of the story's articles
	// that are not neutral, by article ID; nil when none.
	Verdicts map[int64]Verdict
}
