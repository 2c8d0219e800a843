// Package testnews writes synthetic news reports for tests: reports of one
// event that share its specifics (place, people, figures, year) in varied
// words, and the vocabulary every report of its kind shares, so that two
// events of one kind are told apart only by their specifics.
package testnews

import "fmt"

// Quake describes one earthquake.
type Quake struct {
	Place, Official, Agency, Magnitude string
	Year                               int
}

// PortAlder and AshbyFalls are two earthquakes of one kind.
var (
	PortAlder  = Quake{"Port Alder", "Mayor Ines Halvorsen", "Coastal Seismic Bureau", "6.1", 2019}
	AshbyFalls = Quake{"Ashby Falls", "Governor Tomas Reyes", "Inland Geology Office", "4.2", 2023}
)

var openers = []string{
	"A magnitude %s earthquake struck %s on Tuesday, %d, shaking buildings and cutting power, %s of the %s said.",
	"%[2]s was hit by a magnitude %[1]s earthquake in %[3]d; %[4]s of the %[5]s said crews were checking bridges.",
	"Residents of %[2]s ran into the streets when the %[1]s quake hit in %[3]d, according to %[4]s at the %[5]s.",
	"The %[5]s recorded a magnitude %[1]s tremor under %[2]s in %[3]d; %[4]s said aftershocks were likely.",
	"Schools in %[2]s stayed closed after the magnitude %[1]s earthquake of %[3]d, %[4]s told reporters for the %[5]s.",
	"Engineers inspected dams around %[2]s after the %[1]s earthquake in %[3]d, the %[5]s and %[4]s said.",
}

// Each report words the aftermath its own way, so that no two reports are
// syndicated copies of one text.
var aftermath = []string{
	"The earthquake damaged roads and homes.", "Seismologists said the quake was shallow.",
	"Emergency services treated dozens of injuries.", "Aftershocks rattled the region through the night.",
	"Power was restored to most districts by morning.", "Rail services were suspended while tracks were checked.",
	"Hospitals reported a rush of minor injuries.", "Several older buildings lost their facades.",
}

// Report returns the title and text of report i about q.
func (q Quake) Report(i int) (title, text string) {
	text = fmt.Sprintf(openers[i%len(openers)], q.Magnitude, q.Place, q.Year, q.Official, q.Agency)
	for k := range 3 {
		text += " " + aftermath[(i*3+k)%len(aftermath)]
	}
	text += fmt.Sprintf(" %s thanked volunteers in %s.", q.Official, q.Place)
	return "Earthquake shakes " + q.Place, text
}
