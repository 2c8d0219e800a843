package digest

import (
	"context"
	"time"
)

// RuleAction is what a filter rule does to the articles it matches.
type RuleAction string

// Rule actions, as Miniflux's block and keep rules and NewsBlur's
// trainer have them.
const (
	// RuleBlock hides the matching articles from the user (they stay
	// stored, and come back when the rule goes).
	RuleBlock RuleAction = "block"
	// RuleKeep shows, within the rule's scope, only the articles that
	// match it (or another keep rule of a scope holding the article).
	RuleKeep RuleAction = "keep"
	// RuleLike adds the rule's weight to the articles' ranking score.
	RuleLike RuleAction = "like"
	// RuleDislike subtracts the rule's weight from their score.
	RuleDislike RuleAction = "dislike"
	// RuleSuperDislike hides them, as block, and says so as NewsBlur does.
	RuleSuperDislike RuleAction = "super_dislike"
)

// Valid reports whether a is one of the known actions.
func (a RuleAction) Valid() bool {
	switch a {
	case RuleBlock, RuleKeep, RuleLike, RuleDislike, RuleSuperDislike:
		return true
	}
	return false
}

// Hides reports whether a matching (block, super-dislike) or, for keep,
// a non-matching article is hidden.
func (a RuleAction) Hides() bool { return a == RuleBlock || a == RuleSuperDislike || a == RuleKeep }

// Rule is one of a user's filter rules. Match is an expression of the
// rules package (e.g. `title:/(?i)\bcrypto/ -author:"Jane Doe" older:30`);
// every condition of it must hold. The rule applies to the articles of
// its scope: FeedID, CategoryID, or every article when both are 0.
type Rule struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Match      string     `json:"match"`
	Action     RuleAction `json:"action"`
	Weight     float64    `json:"weight"`                // like and dislike: the score added or taken (> 0); others 0
	FeedID     int64      `json:"feed_id,omitempty"`     // scope: one of the user's feeds
	CategoryID int64      `json:"category_id,omitempty"` // scope: one of the user's categories
	Enabled    bool       `json:"enabled"`
	Created    time.Time  `json:"created"`
	Updated    time.Time  `json:"updated"`
}

// RuleReason is one rule that decided part of a verdict.
type RuleReason struct {
	RuleID int64      `json:"rule_id"`
	Name   string     `json:"name"`
	Action RuleAction `json:"action"`
	// Weight is what the rule added to the score: + for like, - for
	// dislike, 0 for the rules that hide.
	Weight float64 `json:"weight"`
}

// Verdict is what a user's rules decide for one article: hidden from the
// user, and a score weight for ranking with the rules that gave it.
type Verdict struct {
	ArticleID int64        `json:"article_id"`
	Hidden    bool         `json:"hidden"`
	Weight    float64      `json:"weight"`
	Reasons   []RuleReason `json:"reasons,omitempty"`
}

// Neutral reports whether v changes nothing: not hidden, no weight, no
// reason.
func (v Verdict) Neutral() bool { return !v.Hidden && v.Weight == 0 && len(v.Reasons) == 0 }

// RulePreview is what a rule would catch among a user's stored articles.
type RulePreview struct {
	// Scoped counts the articles in the rule's scope, Matched those of
	// them the rule's expression matches.
	Scoped, Matched int
	// Articles are the newest matches (up to the limit asked for), without
	// content.
	Articles []Article
}

// RuleStore keeps a user's filter rules and the verdicts they give the
// user's articles. Verdicts are stored with the user's article state:
// hidden articles leave every list of the user's (ArticleStore's queries,
// stories, entity pages, unread counts). SaveFetches, UpdateArticle,
// SaveStory, MergeArticles and CreateFeed give the articles they store,
// change or show to a user the verdict of that user's enabled rules in
// the same transaction; a change of rules reaches stored articles only
// through ApplyRules.
type RuleStore interface {
	// CreateRule stores r for the user, setting its ID, Created and
	// Updated. EINVALID for an unknown action, a Match that does not
	// parse (the message says where), a scope that is not the user's, or
	// one rule more than the rules package allows a user.
	CreateRule(ctx context.Context, userID int64, r *Rule) error
	// Rule returns one of the user's rules. ENOTFOUND.
	Rule(ctx context.Context, userID, id int64) (*Rule, error)
	// Rules lists the user's rules by name, then ID.
	Rules(ctx context.Context, userID int64) ([]Rule, error)
	// UpdateRule saves r (name, match, action, weight, scope, enabled);
	// errors as CreateRule's, ENOTFOUND when the user has no such rule.
	UpdateRule(ctx context.Context, userID int64, r *Rule) error
	// DeleteRule removes one of the user's rules. ENOTFOUND.
	DeleteRule(ctx context.Context, userID, id int64) error
	// ApplyRules re-applies the user's enabled rules to every stored
	// article the user sees, and returns how many verdicts changed.
	ApplyRules(ctx context.Context, userID int64) (int, error)
	// PreviewRule reports what r would catch among the user's stored
	// articles (whether or not they are hidden now), with up to limit of
	// the newest matches. Errors as CreateRule's; r is not stored.
	PreviewRule(ctx context.Context, userID int64, r *Rule, limit int) (*RulePreview, error)
	// Verdicts returns the stored verdicts of the given articles for the
	// user (those without one are neutral and absent), for ranking.
	Verdicts(ctx context.Context, userID int64, articleIDs []int64) (map[int64]Verdict, error)
}
