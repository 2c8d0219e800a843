package extract

import "testing"

func TestNonBodyLines(t *testing.T) {
	d := &doc{authors: []string{"Mara Lind"}}
	tests := []struct {
		name string
		line string
		fn   func(string) bool
		want bool
	}{
		{"byline with agency title", "By Mara Lind, Courier Staff Writer", d.bylineLine, true},
		{"byline in capitals", "By DOUG FERGUSON", d.bylineLine, true},
		{"a sentence starting with By is no byline", "by the time the ferry arrived, the dock was full.", d.bylineLine, false},
		{"line naming the author of the metadata", "Mara Lind | Harbour Courier", d.bylineLine, true},
		{"posted on a date", "Posted on March 4, 2024 by the news desk", d.bylineLine, true},
		{"updated time and date", "Updated 3:45 PM, Monday, March 4, 2024", datelineLine, true},
		{"date without a year after a dateline word", "Updated on September 24 at 2:06 p.m. ET", datelineLine, true},
		{"time ago", "12 hr 33 min ago", datelineLine, true},
		{"a sentence with a date is no dateline", "The council met on March 4, 2024 to vote on the library budget again.", datelineLine, false},
		{"photo credit", "Photo: Jonas Ek, Northern Agency", creditLine, true},
		{"agency photo credit in parentheses", "(AP Photo/Evan Vucci)", creditLine, true},
		{"image copyright", "Image copyright Snap Stills/REX/Shutterstock", creditLine, true},
		{"a sentence about a photograph is no credit", "The photographer waited three days for the light.", creditLine, false},
		{"citation line", "Citation: Seabed map (2024, March 4) retrieved 5 March 2024 from https://science.example/x", d.footerLine, true},
		{"copyright notice", "© 2024 Science Daily Example. All rights reserved.", d.footerLine, true},
		{"contact line", "Contact the author at jonas.ek@science.example.", d.footerLine, true},
		{"follow line", "Follow us on Twitter @harbourcourier", d.footerLine, true},
		{"author bio", "Mara Lind is a reporter covering the islands.", d.footerLine, true},
		{"paragraph that gives an address is no contact line", "Subscribers log in first. Then add kindle@example.com to the approved list. Then wait a day.", d.footerLine, false},
		{"newsletter prompt", "Sign up to our newsletter for more stories like this", promptLine, true},
		{"related link", "Related: Where the old sleeper cars went", promptLine, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.line); got != tt.want {
				t.Errorf("%q: got %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

func TestCaptionName(t *testing.T) {
	tests := []struct {
		name                string
		class, id, itemprop string
		want                bool
	}{
		{"WordPress caption text", "wp-caption-text", "", "", true},
		{"photo credit", "photo_credit", "", "", true},
		{"caption by itemprop", "", "", "caption", true},
		{"container that says it has a caption", "post has-caption", "", "", false},
		{"player caption settings", "vjs-caption-settings", "", "", false},
		{"plain paragraph", "story-body", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := captionName(tt.class, tt.id, tt.itemprop); got != tt.want {
				t.Errorf("captionName(%q, %q, %q) = %v, want %v", tt.class, tt.id, tt.itemprop, got, tt.want)
			}
		})
	}
}

func TestInAside(t *testing.T) {
	tests := []struct {
		name string
		page string
		want bool
	}{
		{"comment list", `<div class="post"></div><div id="comments"><ol><li><p id=x>Nice.</p></li></ol></div>`, true},
		{"sidebar profile", `<div class="sidebar"><div class="profile"><p id=x>About me.</p></div></div>`, true},
		{"footer element", `<footer><div><p id=x>About us.</p></div></footer>`, true},
		{"story body", `<div class="post hentry"><div class="entry-content"><p id=x>Story.</p></div></div>`, false},
		{"taxonomy classes of the story", `<div class="post tag-comments category-sidebar-news"><p id=x>Story.</p></div>`, false},
		{"a header is not beside the article", `<div class="header"><div class="main"><p id=x>Story.</p></div></div>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, _ := parseTree([]byte("<html><body>" + tt.page + "</body></html>"))
			var x *hnode
			var find func(h *hnode)
			find = func(h *hnode) {
				for c := h.first; c != nil && x == nil; c = c.next {
					if attr(c, "id") == "x" {
						x = c
						return
					}
					find(c)
				}
			}
			find(root)
			if x == nil {
				t.Fatal("no element with id x")
			}
			if got := inAside(x); got != tt.want {
				t.Errorf("inAside = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCommentsHeading(t *testing.T) {
	tests := []struct {
		heading string
		want    bool
	}{
		{"Comments", true},
		{"22 Comments", true},
		{"Comments (5)", true},
		{"One Response to “Paris Meetup”", true},
		{"5 thoughts on “Rye bread without a starter”", true},
		{"Leave a Reply", true},
		{"38 comments to Participatory Culture: What questions do you have?", true},
		{"Response", false}, // a section of a technical article
		{"Responses to the survey", false},
		{"Comments from the minister", false},
		{"What the readers said about the plan", false},
	}
	for _, tt := range tests {
		t.Run(tt.heading, func(t *testing.T) {
			if got := commentsHeading(tt.heading); got != tt.want {
				t.Errorf("commentsHeading(%q) = %v, want %v", tt.heading, got, tt.want)
			}
		})
	}
}
