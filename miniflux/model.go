package miniflux

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"html"
	"time"

	digest "github.com/occasional-digest/digest"
)

// stamp is a time as Miniflux clients read it: RFC 3339, UTC, to the
// second. The zero time is "0001-01-01T00:00:00Z", as Miniflux sends it.
type stamp time.Time

func (t stamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Truncate(time.Second).Format(time.RFC3339) + `"`), nil
}

func (t *stamp) UnmarshalJSON(b []byte) error {
	var tt time.Time
	if err := tt.UnmarshalJSON(b); err != nil {
		return err
	}
	*t = stamp(tt)
	return nil
}

// The JSON shapes below carry Miniflux's field names; fields we have no
// value for carry Miniflux's defaults, so that clients decoding into
// strict types find every field they expect.

type userJSON struct {
	ID                        int64   `json:"id"`
	Username                  string  `json:"username"`
	IsAdmin                   bool    `json:"is_admin"`
	Theme                     string  `json:"theme"`
	Language                  string  `json:"language"`
	Timezone                  string  `json:"timezone"`
	EntryDirection            string  `json:"entry_sorting_direction"`
	EntryOrder                string  `json:"entry_sorting_order"`
	Stylesheet                string  `json:"stylesheet"`
	CustomJS                  string  `json:"custom_js"`
	GoogleID                  string  `json:"google_id"`
	OpenIDConnectID           string  `json:"openid_connect_id"`
	EntriesPerPage            int     `json:"entries_per_page"`
	KeyboardShortcuts         bool    `json:"keyboard_shortcuts"`
	ShowReadingTime           bool    `json:"show_reading_time"`
	EntrySwipe                bool    `json:"entry_swipe"`
	GestureNav                string  `json:"gesture_nav"`
	LastLoginAt               *stamp  `json:"last_login_at"`
	DisplayMode               string  `json:"display_mode"`
	DefaultReadingSpeed       int     `json:"default_reading_speed"`
	CJKReadingSpeed           int     `json:"cjk_reading_speed"`
	DefaultHomePage           string  `json:"default_home_page"`
	CategoriesSortingOrder    string  `json:"categories_sorting_order"`
	MarkReadOnView            bool    `json:"mark_read_on_view"`
	MediaPlaybackRate         float64 `json:"media_playback_rate"`
	BlockFilterEntryRules     string  `json:"block_filter_entry_rules"`
	KeepFilterEntryRules      string  `json:"keep_filter_entry_rules"`
	ExternalFontHosts         string  `json:"external_font_hosts"`
	AlwaysOpenExternalLinks   bool    `json:"always_open_external_links"`
	OpenExternalLinksInNewTab bool    `json:"open_external_links_in_new_tab"`
}

func toUser(u *digest.User) userJSON {
	tz := u.Settings.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	return userJSON{
		ID: u.ID, Username: u.Name, IsAdmin: u.IsAdmin(), Theme: "system_serif", Language: "en_US",
		Timezone: tz, EntryDirection: "desc", EntryOrder: "published_at", EntriesPerPage: DefaultLimit,
		KeyboardShortcuts: true, ShowReadingTime: true, EntrySwipe: true, GestureNav: "tap",
		DisplayMode: "standalone", DefaultReadingSpeed: readingSpeed, CJKReadingSpeed: 500,
		DefaultHomePage: "unread", CategoriesSortingOrder: "unread_count", MediaPlaybackRate: 1,
		OpenExternalLinksInNewTab: true,
	}
}

type categoryJSON struct {
	ID           int64  `json:"id"`
	Title        string `json:"title"`
	UserID       int64  `json:"user_id"`
	HideGlobally bool   `json:"hide_globally"`
	FeedCount    *int   `json:"feed_count,omitempty"`
	TotalUnread  *int   `json:"total_unread,omitempty"`
}

type feedIconRef struct {
	FeedID         int64  `json:"feed_id"`
	IconID         int64  `json:"icon_id"`
	ExternalIconID string `json:"external_icon_id"`
}

type feedJSON struct {
	ID                          int64         `json:"id"`
	UserID                      int64         `json:"user_id"`
	FeedURL                     string        `json:"feed_url"`
	SiteURL                     string        `json:"site_url"`
	Title                       string        `json:"title"`
	Description                 string        `json:"description"`
	CheckedAt                   stamp         `json:"checked_at"`
	NextCheckAt                 stamp         `json:"next_check_at"`
	EtagHeader                  string        `json:"etag_header"`
	LastModifiedHeader          string        `json:"last_modified_header"`
	ParsingErrorMsg             string        `json:"parsing_error_message"`
	ParsingErrorCount           int           `json:"parsing_error_count"`
	ScraperRules                string        `json:"scraper_rules"`
	RewriteRules                string        `json:"rewrite_rules"`
	UrlRewriteRules             string        `json:"urlrewrite_rules"`
	Crawler                     bool          `json:"crawler"`
	BlocklistRules              string        `json:"blocklist_rules"`
	KeeplistRules               string        `json:"keeplist_rules"`
	BlockFilterEntryRules       string        `json:"block_filter_entry_rules"`
	KeepFilterEntryRules        string        `json:"keep_filter_entry_rules"`
	UserAgent                   string        `json:"user_agent"`
	Cookie                      string        `json:"cookie"`
	Username                    string        `json:"username"`
	Password                    string        `json:"password"`
	Disabled                    bool          `json:"disabled"`
	NoMediaPlayer               bool          `json:"no_media_player"`
	IgnoreHTTPCache             bool          `json:"ignore_http_cache"`
	AllowSelfSignedCertificates bool          `json:"allow_self_signed_certificates"`
	FetchViaProxy               bool          `json:"fetch_via_proxy"`
	HideGlobally                bool          `json:"hide_globally"`
	DisableHTTP2                bool          `json:"disable_http2"`
	IgnoreEntryUpdates          bool          `json:"ignore_entry_updates"`
	ProxyURL                    string        `json:"proxy_url"`
	AppriseServiceURLs          string        `json:"apprise_service_urls"`
	WebhookURL                  string        `json:"webhook_url"`
	NtfyEnabled                 bool          `json:"ntfy_enabled"`
	NtfyPriority                int           `json:"ntfy_priority"`
	NtfyTopic                   string        `json:"ntfy_topic"`
	PushoverEnabled             bool          `json:"pushover_enabled"`
	PushoverPriority            int           `json:"pushover_priority"`
	Category                    *categoryJSON `json:"category"`
	Icon                        *feedIconRef  `json:"icon"`
}

// toFeed converts one of u's feeds; a feed in no category is in
// UncategorizedID.
func toFeed(userID int64, f *digest.Feed) feedJSON {
	c := &categoryJSON{ID: f.CategoryID, Title: f.Category, UserID: userID}
	if f.CategoryID == 0 {
		c.ID, c.Title = UncategorizedID, uncategorizedTitle
	}
	out := feedJSON{
		ID: f.ID, UserID: userID, FeedURL: f.URL, SiteURL: f.SiteURL, Title: f.Title,
		CheckedAt: stamp(f.LastCheck), NextCheckAt: stamp(f.NextCheck),
		ParsingErrorMsg: f.LastError, ParsingErrorCount: f.ErrorCount,
		Crawler: f.Fetch == digest.FetchAlways, Category: c,
	}
	if f.IconID != 0 {
		out.Icon = &feedIconRef{FeedID: f.ID, IconID: f.IconID}
	}
	return out
}

type iconJSON struct {
	ID       int64  `json:"id"`
	MimeType string `json:"mime_type"`
	Data     string `json:"data"` // "image/png;base64,...", as Miniflux sends it
}

func toIcon(ic *digest.Icon) iconJSON {
	return iconJSON{ID: ic.ID, MimeType: ic.ContentType,
		Data: ic.ContentType + ";base64," + base64.StdEncoding.EncodeToString(ic.Data)}
}

type enclosureJSON struct {
	ID       int64  `json:"id"`
	UserID   int64  `json:"user_id"`
	EntryID  int64  `json:"entry_id"`
	URL      string `json:"url"`
	MimeType string `json:"mime_type"`
	Size     int    `json:"size"`
}

type entryJSON struct {
	ID          int64           `json:"id"`
	UserID      int64           `json:"user_id"`
	FeedID      int64           `json:"feed_id"`
	Status      string          `json:"status"`
	Hash        string          `json:"hash"`
	Title       string          `json:"title"`
	URL         string          `json:"url"`
	CommentsURL string          `json:"comments_url"`
	Date        stamp           `json:"published_at"`
	CreatedAt   stamp           `json:"created_at"`
	ChangedAt   stamp           `json:"changed_at"`
	Content     string          `json:"content"`
	Author      string          `json:"author"`
	ShareCode   string          `json:"share_code"`
	Starred     bool            `json:"starred"`
	ReadingTime int             `json:"reading_time"`
	Enclosures  []enclosureJSON `json:"enclosures"`
	Tags        []string        `json:"tags"`
	Feed        *feedJSON       `json:"feed,omitempty"`
}

// readingSpeed is Miniflux's default words per minute.
const readingSpeed = 265

// toEntry converts one of the user's articles; feed is its feed as the
// user sees it (nil when unknown).
func toEntry(userID int64, a *digest.Article, feed *feedJSON) entryJSON {
	st := "unread"
	if a.Read {
		st = "read"
	}
	sum := sha256.Sum256([]byte(a.URL))
	content := a.Content
	if content == "" && a.Summary != "" {
		content = "<p>" + html.EscapeString(a.Summary) + "</p>"
	}
	changed := a.Updated
	if changed.IsZero() {
		changed = a.Created
	}
	rt := 0
	if a.WordCount > 0 {
		rt = (a.WordCount + readingSpeed - 1) / readingSpeed
	}
	e := entryJSON{
		ID: a.ID, UserID: userID, FeedID: a.FeedID, Status: st, Hash: hex.EncodeToString(sum[:]),
		Title: a.Title, URL: a.URL, Date: stamp(a.Published), CreatedAt: stamp(a.Created),
		ChangedAt: stamp(changed), Content: content, Author: a.Author, Starred: a.Starred,
		// No enclosures: we keep no media attachments (a lead image is
		// no podcast), and clients play what they find there.
		ReadingTime: rt, Enclosures: []enclosureJSON{}, Tags: []string{}, Feed: feed,
	}
	return e
}

type entriesJSON struct {
	Total   int         `json:"total"`
	Entries []entryJSON `json:"entries"`
}

type countersJSON struct {
	Reads   map[int64]int `json:"reads"`
	Unreads map[int64]int `json:"unreads"`
}

type subscriptionJSON struct {
	Title string `json:"title"`
	URL   string `json:"url"`
	Type  string `json:"type"`
}

type versionJSON struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildDate string `json:"build_date"`
	GoVersion string `json:"go_version"`
	Compiler  string `json:"compiler"`
	Arch      string `json:"arch"`
	OS        string `json:"os"`
}
