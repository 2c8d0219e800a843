package model

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"strings"
)

// Model is a linear-chain tagger: per-label feature weights and label
// transition weights, decoded with Viterbi. It is immutable after loading
// and safe for concurrent use.
type Model struct {
	Labels  []string        // IOB2 labels; Labels[0] is "O"
	Lexicon map[string]byte // casing lexicon the features use

	index table     // feature hash → row
	w     []float32 // rows of len(Labels) weights
	trans []float32 // (len(Labels)+1) × len(Labels); the last row is the sentence start
	allow []bool    // same shape as trans: IOB2 transitions that may occur
}

func newModel(labels []string, lexicon map[string]byte) *Model {
	m := &Model{Labels: labels, Lexicon: lexicon}
	L := len(labels)
	m.trans = make([]float32, (L+1)*L)
	m.allow = make([]bool, (L+1)*L)
	for p := 0; p <= L; p++ {
		for y := range L {
			m.allow[p*L+y] = true
			if typ, ok := strings.CutPrefix(labels[y], "I-"); ok {
				m.allow[p*L+y] = p < L && (labels[p] == "B-"+typ || labels[p] == "I-"+typ)
			}
		}
	}
	return m
}

// Capitalised reports whether the casing lexicon has the lower-cased word
// lw as usually written with a capital in running text ("britain", "nato";
// not "island").
func (m *Model) Capitalised(lw string) bool {
	k := m.Lexicon[lw]
	return k == caseTitle || k == caseUpper || k == caseMixed
}

// Acronym reports whether the casing lexicon has the lower-cased word lw
// as usually written in capitals ("nato").
func (m *Model) Acronym(lw string) bool { return m.Lexicon[lw] == caseUpper }

// Features returns the number of features with weights.
func (m *Model) Features() int { return m.index.n }

// table is an open-addressing hash table from feature hashes to weight
// rows, faster than a map for the tagger's many lookups of random keys.
// Each slot holds key<<32 | row+1; 0 is an empty slot.
type table struct {
	slots []uint64
	mask  uint32
	n     int
}

func newTable(index map[uint32]int32) table {
	size := 16
	for size < 2*len(index) {
		size *= 2
	}
	t := table{slots: make([]uint64, size), mask: uint32(size - 1), n: len(index)}
	for k, r := range index {
		i := k & t.mask
		for t.slots[i] != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = uint64(k)<<32 | uint64(uint32(r)+1)
	}
	return t
}

func (t *table) get(k uint32) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	for i := k & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if uint32(s>>32) == k {
			return int32(uint32(s)) - 1, true
		}
	}
}

// each calls f for every key and row.
func (t *table) each(f func(k uint32, r int32)) {
	for _, s := range t.slots {
		if s != 0 {
			f(uint32(s>>32), int32(uint32(s))-1)
		}
	}
}

// Decode returns the best label sequence for a sentence's token features.
// scratch is reused when it has room; the result aliases nothing else.
func (m *Model) Decode(feats [][]uint32) []int {
	n := len(feats)
	if n == 0 {
		return nil
	}
	L := len(m.Labels)
	emit := make([]float32, n*L)
	for i, fs := range feats {
		if L == 9 {
			// The CoNLL label set: fixed-size rows let the compiler drop
			// bounds checks and unroll.
			row := (*[9]float32)(emit[i*9 : i*9+9])
			for _, f := range fs {
				if r, ok := m.index.get(f); ok {
					w := (*[9]float32)(m.w[int(r)*9 : int(r)*9+9])
					row[0] += w[0]
					row[1] += w[1]
					row[2] += w[2]
					row[3] += w[3]
					row[4] += w[4]
					row[5] += w[5]
					row[6] += w[6]
					row[7] += w[7]
					row[8] += w[8]
				}
			}
			continue
		}
		row := emit[i*L : i*L+L]
		for _, f := range fs {
			if r, ok := m.index.get(f); ok {
				w := m.w[int(r)*L : int(r)*L+L]
				for y := range row {
					row[y] += w[y]
				}
			}
		}
	}
	return viterbi(emit, n, L, m.trans, m.allow)
}

// viterbi finds the best path through emission scores emit (n×L) with
// transition scores trans ((L+1)×L, last row the start), skipping
// transitions allow forbids.
func viterbi(emit []float32, n, L int, trans []float32, allow []bool) []int {
	negInf := float32(math.Inf(-1))
	score := make([]float32, L)
	next := make([]float32, L)
	back := make([]uint8, n*L)
	start := L * L
	for y := range L {
		if allow[start+y] {
			score[y] = emit[y] + trans[start+y]
		} else {
			score[y] = negInf
		}
	}
	for i := 1; i < n; i++ {
		for y := range L {
			best, bp := negInf, 0
			for p := range L {
				if !allow[p*L+y] {
					continue
				}
				if s := score[p] + trans[p*L+y]; s > best {
					best, bp = s, p
				}
			}
			next[y] = best + emit[i*L+y]
			back[i*L+y] = uint8(bp)
		}
		score, next = next, score
	}
	best := 0
	for y := range L {
		if score[y] > score[best] {
			best = y
		}
	}
	out := make([]int, n)
	out[n-1] = best
	for i := n - 1; i > 0; i-- {
		out[i-1] = int(back[i*L+out[i]])
	}
	return out
}

const magic = "NERM\x01"

// Pipeline is the two-stage tagger: First tags a document; Second tags it
// again with features of First's predictions for the same words elsewhere
// in the document (see Extractor.History). Second may be nil.
type Pipeline struct {
	First, Second *Model
}

// Write writes the pipeline in its compact gzip form: weights quantised to
// 16 bits, zero weights left out.
func (p *Pipeline) Write(out io.Writer) error {
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(zw)
	p.First.write(w)
	if p.Second != nil {
		second := *p.Second
		second.Lexicon = nil // shared with the first stage
		second.write(w)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

func (m *Model) write(w *bufio.Writer) {
	L := len(m.Labels)
	var maxAbs float32
	for _, v := range m.w {
		maxAbs = max(maxAbs, float32(math.Abs(float64(v))))
	}
	scale := maxAbs / 32767
	if scale == 0 {
		scale = 1
	}
	w.WriteString(magic)
	w.WriteByte(byte(L))
	for _, l := range m.Labels {
		w.WriteByte(byte(len(l)))
		w.WriteString(l)
	}
	binary.Write(w, binary.LittleEndian, scale)
	binary.Write(w, binary.LittleEndian, m.trans)

	keys := make([]uint32, 0, m.index.n)
	rows := make(map[uint32]int32, m.index.n)
	m.index.each(func(k uint32, r int32) {
		keys = append(keys, k)
		rows[k] = r
	})
	slices.Sort(keys)
	var vb [binary.MaxVarintLen64]byte
	uv := func(x uint64) { w.Write(vb[:binary.PutUvarint(vb[:], x)]) }
	sv := func(x int64) { w.Write(vb[:binary.PutVarint(vb[:], x)]) }
	uv(uint64(len(keys)))
	prev := uint32(0)
	for _, k := range keys {
		uv(uint64(k - prev))
		prev = k
	}
	for _, k := range keys {
		r := int(rows[k])
		row := m.w[r*L : r*L+L]
		var mask uint64
		for y, v := range row {
			if q := math.Round(float64(v / scale)); q != 0 {
				mask |= 1 << y
			}
		}
		uv(mask)
		for y, v := range row {
			if mask&(1<<y) != 0 {
				sv(int64(math.Round(float64(v / scale))))
			}
		}
	}
	words := make([]string, 0, len(m.Lexicon))
	for wd := range m.Lexicon {
		words = append(words, wd)
	}
	slices.Sort(words)
	uv(uint64(len(words)))
	for _, wd := range words {
		uv(uint64(len(wd)))
		w.WriteString(wd)
		w.WriteByte(m.Lexicon[wd])
	}
}

// ErrFormat is returned by Read for data that is not a model.
var ErrFormat = errors.New("not a tagger model")

// Read reads a pipeline written by WriteTo.
func Read(in io.Reader) (*Pipeline, error) {
	zr, err := gzip.NewReader(in)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	br := bufio.NewReader(zr)
	p := &Pipeline{}
	if p.First, err = read(br); err == nil {
		if _, perr := br.Peek(1); perr == nil {
			if p.Second, err = read(br); err == nil {
				p.Second.Lexicon = p.First.Lexicon
			}
		} else if !errors.Is(perr, io.EOF) {
			err = perr
		}
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return p, nil
}

func read(r *bufio.Reader) (*Model, error) {
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	if string(head) != magic {
		return nil, errors.New("bad magic")
	}
	lb, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	L := int(lb)
	if L < 1 || L > 64 {
		return nil, fmt.Errorf("%d labels", L)
	}
	labels := make([]string, L)
	for i := range labels {
		n, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		labels[i] = string(b)
	}
	if labels[0] != "O" {
		return nil, errors.New("first label is not O")
	}
	for _, l := range labels[1:] {
		if len(l) < 3 || l[1] != '-' || l[0] != 'B' && l[0] != 'I' {
			return nil, fmt.Errorf("label %q is not IOB2", l)
		}
	}
	var scale float32
	if err := binary.Read(r, binary.LittleEndian, &scale); err != nil {
		return nil, err
	}
	m := newModel(labels, map[string]byte{})
	if err := binary.Read(r, binary.LittleEndian, m.trans); err != nil {
		return nil, err
	}
	nf, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if nf > 1<<24 {
		return nil, fmt.Errorf("%d features", nf)
	}
	// Keys are strictly increasing, so a short or corrupt input fails
	// here before anything is allocated for nf features.
	keys := make([]uint32, 0, min(nf, 1<<16))
	prev := uint64(0)
	for i := range nf {
		d, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		if d == 0 && i > 0 {
			return nil, errors.New("feature keys out of order")
		}
		prev += d
		if prev > math.MaxUint32 {
			return nil, errors.New("feature key out of range")
		}
		keys = append(keys, uint32(prev))
	}
	index := make(map[uint32]int32, nf)
	m.w = make([]float32, int(nf)*L)
	for i, k := range keys {
		index[k] = int32(i)
		mask, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		if bits.Len64(mask) > L {
			return nil, errors.New("weight mask out of range")
		}
		for y := range L {
			if mask&(1<<y) == 0 {
				continue
			}
			q, err := binary.ReadVarint(r)
			if err != nil {
				return nil, err
			}
			m.w[i*L+y] = float32(q) * scale
		}
	}
	m.index = newTable(index)
	nw, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if nw > 1<<22 {
		return nil, fmt.Errorf("%d lexicon words", nw)
	}
	for range nw {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		if n > 1024 {
			return nil, errors.New("lexicon word too long")
		}
		b := make([]byte, n+1)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		if b[n] > caseMixed {
			return nil, errors.New("bad case class")
		}
		m.Lexicon[string(b[:n])] = b[n]
	}
	return m, nil
}
