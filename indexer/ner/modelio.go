package ner

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// Model file format, gzip-compressed; all integers are unsigned varints
// unless noted, weights are zigzag varints in units of weightScale:
//
//	magic "newsdex-ner" 0x00, version, numTags, numTypes
//	transitions: (numTags+1)^2 weights
//	features: count; per feature sorted by hash: hash delta, mask of
//	  non-zero tags, one weight per set bit
//	vocabulary: count, granularities; per word, front-coded:
//	  shared prefix length, suffix length, suffix bytes, flags (1: always
//	  outside names), then per granularity cluster id + 1 (0: no cluster)
//	gazetteer: longest entry, count; per entry sorted by key: key delta,
//	  value byte
//	lexicon (version 2): the same as the gazetteer
const (
	modelMagic   = "newsdex-ner\x00"
	modelVersion = 2
	// Limits on counts read from a model file, so that a corrupt file is
	// an error instead of an enormous allocation.
	maxModelItems = 1 << 24
)

// ErrBadModel is returned for a file that is not a model this version of
// the tagger can read.
var ErrBadModel = errors.New("not a newsdex NER model")

// Save writes the model to w in the compressed binary format Load reads.
func (m *Model) Save(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	bw := bufio.NewWriter(zw)
	e := encoder{w: bw}
	e.bytes([]byte(modelMagic))
	e.uint(modelVersion)
	e.uint(uint64(numTags))
	e.uint(uint64(numTypes))
	for i := range m.trans {
		for j := range m.trans[i] {
			e.weight(m.trans[i][j])
		}
	}
	keys := make([]uint32, 0, m.feats.len())
	rows := map[uint32]int32{}
	for i, k := range m.feats.keys {
		if k != 0 {
			keys = append(keys, k)
			rows[k] = m.feats.rows[i]
		}
	}
	slices.Sort(keys)
	e.uint(uint64(len(keys)))
	prev := uint32(0)
	for _, k := range keys {
		e.uint(uint64(k - prev))
		prev = k
		row := m.feats.row(rows[k])
		mask := uint64(0)
		for j, v := range row {
			if v != 0 {
				mask |= 1 << j
			}
		}
		e.uint(mask)
		for _, v := range row {
			if v != 0 {
				e.weight(v)
			}
		}
	}
	gran := 0
	for _, ids := range m.clusters {
		gran = len(ids)
		break
	}
	e.uint(uint64(len(m.vocab)))
	e.uint(uint64(gran))
	last := ""
	for i, w := range m.vocab {
		p := commonPrefix(last, w)
		e.uint(uint64(p))
		e.uint(uint64(len(w) - p))
		e.bytes([]byte(w[p:]))
		flags := uint64(0)
		if m.outside[i] {
			flags |= 1
		}
		e.uint(flags)
		ids, ok := m.clusters[w]
		for g := range gran {
			if ok {
				e.uint(uint64(ids[g]) + 1)
			} else {
				e.uint(0)
			}
		}
		last = w
	}
	e.gazetteer(m.gaz)
	e.gazetteer(m.lex)
	if e.err != nil {
		return fmt.Errorf("save model: %w", e.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

type encoder struct {
	w   *bufio.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

func (e *encoder) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) uint(x uint64) {
	n := binary.PutUvarint(e.buf[:], x)
	e.bytes(e.buf[:n])
}

// gazetteer writes g, or an empty one for nil.
func (e *encoder) gazetteer(g *gazetteer) {
	if g == nil {
		g = newGazetteer()
	}
	var gk []uint64
	g.m.each(func(k uint64, _ uint8) { gk = append(gk, k) })
	slices.Sort(gk)
	e.uint(uint64(g.maxLen))
	e.uint(uint64(len(gk)))
	prev := uint64(0)
	for _, k := range gk {
		v, _ := g.m.get(k)
		e.uint(k - prev)
		prev = k
		e.bytes([]byte{v})
	}
}

func (e *encoder) weight(v float32) {
	n := binary.PutVarint(e.buf[:], int64(math.Round(float64(v)/weightScale)))
	e.bytes(e.buf[:n])
}

type decoder struct {
	r   *bufio.Reader
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrBadModel}, args...)...)
	}
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	x, err := binary.ReadUvarint(d.r)
	if err != nil {
		d.fail("truncated (%v)", err)
	}
	return x
}

// count reads a count and checks it against limit.
func (d *decoder) count(what string, limit uint64) int {
	n := d.uint()
	if n > limit {
		d.fail("%s count %d out of range", what, n)
		return 0
	}
	return int(n)
}

func (d *decoder) weight() float32 {
	if d.err != nil {
		return 0
	}
	x, err := binary.ReadVarint(d.r)
	if err != nil {
		d.fail("truncated (%v)", err)
		return 0
	}
	if x < math.MinInt16 || x > math.MaxInt16 {
		d.fail("weight %d out of range", x)
		return 0
	}
	return float32(float64(x) * weightScale)
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.fail("truncated (%v)", err)
	}
	return b
}

func (d *decoder) gazetteer() *gazetteer {
	g := newGazetteer()
	g.maxLen = d.count("gazetteer length", 64)
	n := d.count("gazetteer", maxModelItems)
	key := uint64(0)
	for range n {
		delta := d.uint()
		v := d.bytes(1)
		if d.err != nil {
			break
		}
		key += delta
		*g.m.ptr(key) = v[0]
	}
	return g
}

// ReadModel reads a model written by Save. It returns an error wrapping
// ErrBadModel for anything that is not a well-formed model.
func ReadModel(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read model: %w: %v", ErrBadModel, err)
	}
	defer zr.Close()
	d := &decoder{r: bufio.NewReader(zr)}
	if string(d.bytes(len(modelMagic))) != modelMagic {
		d.fail("bad magic")
	}
	if v := d.uint(); v != modelVersion {
		d.fail("version %d, want %d", v, modelVersion)
	}
	if n, t := d.uint(), d.uint(); n != uint64(numTags) || t != uint64(numTypes) {
		d.fail("%d tags of %d types, want %d of %d", n, t, numTags, numTypes)
	}
	if d.err != nil {
		return nil, fmt.Errorf("read model: %w", d.err)
	}
	m := &Model{}
	for i := range m.trans {
		for j := range m.trans[i] {
			m.trans[i][j] = d.weight()
		}
	}
	nf := d.count("feature", maxModelItems)
	// Counts size nothing up front beyond a bound: a corrupt count must
	// not allocate gigabytes before the data runs out.
	m.feats = newFeatTable(min(nf, 1<<16))
	key := uint64(0)
	for range nf {
		delta := d.uint()
		key += delta
		if d.err != nil {
			break
		}
		if (delta == 0 && key != 0) || key == 0 || key > math.MaxUint32 {
			d.fail("feature keys not ascending")
			break
		}
		mask := d.uint()
		if mask >= 1<<numTags {
			d.fail("feature mask %#x", mask)
			break
		}
		row := m.feats.row(m.feats.insert(uint32(key)))
		for j := range numTags {
			if mask&(1<<j) != 0 {
				row[j] = d.weight()
			}
		}
	}
	nv := d.count("vocabulary", maxModelItems)
	gran := d.count("granularity", 8)
	m.vocab = make([]string, 0, min(nv, 1<<16))
	m.outside = make([]bool, 0, min(nv, 1<<16))
	if gran > 0 {
		m.clusters = make(map[string][]uint16, min(nv, 1<<16))
	}
	last := ""
	for range nv {
		p := d.count("prefix", uint64(len(last)))
		suffix := d.bytes(d.count("suffix", 1024))
		if d.err != nil {
			break
		}
		w := last[:p] + string(suffix)
		if w <= last && len(m.vocab) > 0 {
			d.fail("vocabulary not sorted")
			break
		}
		m.vocab = append(m.vocab, w)
		flags := d.uint()
		if flags > 1 {
			d.fail("word %q has flags %#x", w, flags)
		}
		m.outside = append(m.outside, flags&1 != 0)
		var ids []uint16
		for range gran {
			id := d.count("cluster", math.MaxUint16+1)
			if id > 0 {
				ids = append(ids, uint16(id-1))
			}
		}
		switch len(ids) {
		case 0:
		case gran:
			m.clusters[w] = ids
		default:
			d.fail("word %q has clusters at some granularities only", w)
		}
		last = w
	}
	m.gaz = d.gazetteer()
	m.lex = d.gazetteer()
	if d.err != nil {
		return nil, fmt.Errorf("read model: %w", d.err)
	}
	if _, err := d.r.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("read model: %w: trailing data", ErrBadModel)
	}
	return m, nil
}

// Load reads a model written by Save and prepares it for tagging.
func Load(r io.Reader) (*Tagger, error) {
	m, err := ReadModel(r)
	if err != nil {
		return nil, err
	}
	return NewTagger(m), nil
}
