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

// RuleJobState is where the re-application of a user's rules is.
type RuleJobState string

const (
	// RuleJobDone: the verdicts of every stored article are those of the
	// user's rules as they are (also a user who never had a job).
	RuleJobDone RuleJobState = "done"
	// RuleJobQueued: the rules changed (or a re-apply was asked for); no
	// article judged yet.
	RuleJobQueued RuleJobState = "queued"
	// RuleJobRunning: stored articles are being judged, a chunk at a time.
	RuleJobRunning RuleJobState = "running"
)

// RuleJob is the re-application of a user's rules to their stored
// articles, a job kept in the database: each change of the rules queues
// it again (from the first article), and it goes on across restarts, a
// chunk of articles per transaction, until every article is judged.
type RuleJob struct {
	State RuleJobState `json:"state"`
	// Total is how many articles the user had when the job started (new
	// ones are judged as they arrive); Done how many it has judged, and
	// Changed how many of their verdicts changed.
	Total   int       `json:"total"`
	Done    int       `json:"done"`
	Changed int       `json:"changed"`
	Queued  time.Time `json:"queued,omitzero"`
	// Finished is when the job last ended (zero while it never did).
	Finished time.Time `json:"finished,omitzero"`
	// Hidden changes (increases) whenever an article of the user's is
	// hidden or shown again by a verdict, by a job or at ingest: a cache
	// of the user's lists or counts keyed on it stays right.
	Hidden int64 `json:"-"`
}

// RuleStore keeps a user's filter rules and the verdicts they give the
// user's articles. Verdicts are stored with the user's article state:
// hidden articles leave every list of the user's (ArticleStore's queries,
// stories, entity pages, unread counts). SaveFetches, UpdateArticle,
// SaveStory, MergeArticles and CreateFeed give the articles they store,
// change or show to a user the verdict of that user's enabled rules in
// the same transaction. A change of rules (CreateRule, UpdateRule,
// DeleteRule) queues the user's RuleJob in its own transaction; it
// reaches stored articles as the job runs (RunRuleJob, a chunk at a time,
// or ApplyRules, all at once).
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
	// article the user sees, and returns how many verdicts changed: it
	// queues the user's job afresh and runs it to its end.
	ApplyRules(ctx context.Context, userID int64) (int, error)
	// QueueRuleJob queues the re-application of the user's rules, from
	// the first article (a job under way starts again).
	QueueRuleJob(ctx context.Context, userID int64) error
	// RuleJob returns the user's re-application job (state done for a
	// user who never had one).
	RuleJob(ctx context.Context, userID int64) (*RuleJob, error)
	// RuleJobsDue lists the users whose job is queued or running.
	RuleJobsDue(ctx context.Context) ([]int64, error)
	// RunRuleJob judges the next chunk of the user's articles for their
	// job, in one transaction with the job's progress, and reports
	// whether the job is done. Several processes may run one job: a
	// chunk judged by two is stored once; a chunk judged with rules that
	// changed meanwhile is not stored (the job restarted).
	RunRuleJob(ctx context.Context, userID int64) (done bool, err error)
	// PreviewRule reports what r would catch among the user's stored
	// articles (whether or not they are hidden now), with up to limit of
	// the newest matches. Errors as CreateRule's; r is not stored.
	PreviewRule(ctx context.Context, userID int64, r *Rule, limit int) (*RulePreview, error)
	// Verdicts returns the stored verdicts of the given articles for the
	// user (those without one are neutral and absent), for ranking.
	Verdicts(ctx context.Context, userID int64, articleIDs []int64) (map[int64]Verdict, error)
}
