// Package metrics exposes counters, gauges and histograms in the
// Prometheus text exposition format (version 0.0.4), written with the
// standard library: what digest serve answers on --metrics-addr.
//
// A Registry holds metric families; values are either kept here
// (Counter, Histogram: safe for concurrent use) or read at scrape time
// from the part that owns them (CounterFunc, GaugeFunc), so that a
// pipeline's own counters need no second copy.
package metrics

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Registry is a set of metric families, written in the order registered.
type Registry struct {
	mu       sync.Mutex
	families []family
	names    map[string]bool
}

// New returns an empty registry.
func New() *Registry { return &Registry{names: map[string]bool{}} }

// family writes one metric family: its HELP and TYPE lines, then samples.
type family interface {
	write(ctx context.Context, w *bufio.Writer) error
}

func (r *Registry) add(name string, f family) {
	if !validName(name) {
		panic(fmt.Sprintf("metrics: invalid name %q", name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		panic(fmt.Sprintf("metrics: %q registered twice", name))
	}
	r.names[name] = true
	r.families = append(r.families, f)
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// WriteTo writes every family in the text format. A function metric whose
// reading fails is left out (with a comment saying why), so one failing
// source (the database away) does not hide the others.
func (r *Registry) WriteTo(ctx context.Context, w io.Writer) error {
	r.mu.Lock()
	fs := slices.Clone(r.families)
	r.mu.Unlock()
	bw := bufio.NewWriter(w)
	for _, f := range fs {
		if err := f.write(ctx, bw); err != nil {
			fmt.Fprintf(bw, "# error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}
	return bw.Flush()
}

// Handler serves the registry at any path, as text/plain version 0.0.4.
// Readings from the store are bounded by a 5 s timeout.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 5*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		r.WriteTo(ctx, w) // the client went away if this fails
	})
}

func header(w *bufio.Writer, name, help, typ string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

// labelString renders {a="x",b="y"}; "" without labels.
func labelString(names, values []string) string {
	if len(names) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(values[i]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// funcFamily is a counter or gauge read at scrape time, one sample per
// label value.
type funcFamily struct {
	name, help, typ string
	label           string // "" for a single sample
	read            func(ctx context.Context) (map[string]float64, error)
}

func (f *funcFamily) write(ctx context.Context, w *bufio.Writer) error {
	vs, err := f.read(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	header(w, f.name, f.help, f.typ)
	if f.label == "" {
		fmt.Fprintf(w, "%s %s\n", f.name, formatFloat(vs[""]))
		return nil
	}
	keys := make([]string, 0, len(vs))
	for k := range vs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s%s %s\n", f.name, labelString([]string{f.label}, []string{k}), formatFloat(vs[k]))
	}
	return nil
}

// GaugeFunc registers a gauge whose value read returns at each scrape; an
// error leaves it out of that scrape.
func (r *Registry) GaugeFunc(name, help string, read func(ctx context.Context) (float64, error)) {
	r.add(name, &funcFamily{name: name, help: help, typ: "gauge", read: func(ctx context.Context) (map[string]float64, error) {
		v, err := read(ctx)
		return map[string]float64{"": v}, err
	}})
}

// CounterFunc registers a counter read at each scrape, one sample per
// value of label (e.g. outcome): read returns the count of each.
func (r *Registry) CounterFunc(name, help, label string, read func() map[string]float64) {
	if label != "" && !validName(label) {
		panic(fmt.Sprintf("metrics: invalid label %q", label))
	}
	r.add(name, &funcFamily{name: name, help: help, typ: "counter", label: label,
		read: func(context.Context) (map[string]float64, error) { return read(), nil }})
}

// Histogram counts observations in cumulative buckets, per value of one
// label.
type Histogram struct {
	name, help, label string
	bounds            []float64

	mu     sync.Mutex
	series map[string]*series
}

type series struct {
	counts  []atomic.Uint64 // per bound, not cumulative; last: +Inf
	sumBits atomic.Uint64
}

// DefBuckets are latency bounds in seconds from 1 ms to 10 s.
var DefBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Histogram registers a histogram with the given upper bounds (sorted;
// +Inf is added) and one label ("" for none).
func (r *Registry) Histogram(name, help, label string, bounds []float64) *Histogram {
	if label != "" && !validName(label) {
		panic(fmt.Sprintf("metrics: invalid label %q", label))
	}
	if !slices.IsSorted(bounds) {
		panic("metrics: histogram bounds not sorted")
	}
	h := &Histogram{name: name, help: help, label: label, bounds: slices.Clone(bounds), series: map[string]*series{}}
	r.add(name, h)
	return h
}

// Observe records v for the label value lv.
func (h *Histogram) Observe(lv string, v float64) {
	h.mu.Lock()
	s := h.series[lv]
	if s == nil {
		s = &series{counts: make([]atomic.Uint64, len(h.bounds)+1)}
		h.series[lv] = s
	}
	h.mu.Unlock()
	i, _ := slices.BinarySearch(h.bounds, v) // the first bound >= v
	s.counts[i].Add(1)
	for {
		old := s.sumBits.Load()
		if s.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			break
		}
	}
}

func (h *Histogram) write(_ context.Context, w *bufio.Writer) error {
	header(w, h.name, h.help, "histogram")
	h.mu.Lock()
	keys := make([]string, 0, len(h.series))
	for k := range h.series {
		keys = append(keys, k)
	}
	h.mu.Unlock()
	sort.Strings(keys)
	var names []string
	if h.label != "" {
		names = []string{h.label}
	}
	for _, k := range keys {
		h.mu.Lock()
		s := h.series[k]
		h.mu.Unlock()
		var cum uint64
		for i := range len(h.bounds) + 1 {
			cum += s.counts[i].Load()
			le := "+Inf"
			if i < len(h.bounds) {
				le = formatFloat(h.bounds[i])
			}
			ln, lv := append(slices.Clone(names), "le"), []string{k, le}
			if h.label == "" {
				lv = []string{le}
			}
			fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, labelString(ln, lv), cum)
		}
		lv := []string{k}
		if h.label == "" {
			lv = nil
		}
		fmt.Fprintf(w, "%s_sum%s %s\n", h.name, labelString(names, lv), formatFloat(math.Float64frombits(s.sumBits.Load())))
		// The count is the +Inf bucket's, read once, so that the two
		// agree even while observations come in.
		fmt.Fprintf(w, "%s_count%s %d\n", h.name, labelString(names, lv), cum)
	}
	return nil
}
