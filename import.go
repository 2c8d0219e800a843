package digest

import "time"

// ImportJob is an OPML import run in the background: the request that
// uploads the file answers at once, and the job, stored with its outlines,
// goes on across restarts until every outline of the file is accounted
// for as added, already subscribed (existing), refused (with the reason)
// or broken (an outline the file does not make usable).
type ImportJob struct {
	ID       int64        `json:"id"`
	State    ImportState  `json:"state"`
	Error    string       `json:"error,omitempty"` // why the file could not be read (state failed)
	Total    int          `json:"total"`           // outlines in the file; 0 until it is read
	Done     int          `json:"done"`            // outlines accounted for
	Counts   ImportCounts `json:"counts"`
	Created  time.Time    `json:"created"`
	Finished time.Time    `json:"finished,omitzero"`
}

// ImportCounts counts the outlines of an import by outcome.
type ImportCounts struct {
	Added    int `json:"added"`
	Existing int `json:"existing"`
	Refused  int `json:"refused"`
	Broken   int `json:"broken"`
}

// ImportState is where an import job is.
type ImportState string

const (
	ImportQueued  ImportState = "queued"  // stored, the file not read yet
	ImportRunning ImportState = "running" // outlines being subscribed
	ImportDone    ImportState = "done"    // every outline accounted for
	ImportFailed  ImportState = "failed"  // the file is not a usable OPML document
)

// ImportOutline is one outline of an import and what became of it.
type ImportOutline struct {
	Seq      int           `json:"seq"` // its place in the file, from 0
	URL      string        `json:"url"`
	Title    string        `json:"title,omitempty"`
	SiteURL  string        `json:"site_url,omitempty"`
	Category string        `json:"category,omitempty"`
	Outcome  ImportOutcome `json:"outcome"`
	Reason   string        `json:"reason,omitempty"` // for refused and broken outlines
}

// ImportOutcome is what became of one outline; "" while pending.
type ImportOutcome string

const (
	OutlinePending  ImportOutcome = ""
	OutlineAdded    ImportOutcome = "added"
	OutlineExisting ImportOutcome = "existing"
	OutlineRefused  ImportOutcome = "refused"
	OutlineBroken   ImportOutcome = "broken"
)
