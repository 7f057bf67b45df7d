package ner

import (
	"hash/maphash"
	"slices"
	"sync"
	"unicode"
)

// Tagger tags text with a Model. It is immutable after NewTagger and safe
// for concurrent use.
type Tagger struct {
	m    *Model
	lat  *lattice
	seed maphash.Seed
	// vocab maps the maphash of a vocabulary word to its id; a 64-bit
	// hash stands in for the string, so a lookup never compares text.
	vocab *table64[int32]
	// wvec holds, per vocabulary word and offset, the summed weights of
	// the word's word-level features: numOffs*numTags floats per word,
	// then two more words for the sentence pads.
	wvec           []float32
	lowerH, shapeH []uint64 // per vocabulary word
	flags          []uint8  // per vocabulary word
	pool           sync.Pool
}

// scratch is per-call working memory, pooled in the Tagger.
type scratch struct {
	sents  []sentence
	doc    docState
	oov    []float32      // OOV word vectors, like Tagger.wvec
	oovH   []uint64       // lower and shape hash per OOV word
	oovF   []uint8        // flags per OOV word
	oovIdx table64[int32] // maphash of an unknown word -> -(index+1)
	emit   []float32
	forced []bool
	tags   []int
	feats  []uint32
	vs     viterbiScratch
	toks   []Token
	bounds []int
	spans  []Span
}

// NewTagger prepares m for tagging, precomputing the word-level feature
// weights of its vocabulary.
func NewTagger(m *Model) *Tagger {
	t := &Tagger{m: m, lat: newLattice(&m.trans), seed: maphash.MakeSeed()}
	t.vocab = newTable64[int32](len(m.vocab))
	words := append(append([]string(nil), m.vocab...), padStart, padEnd)
	t.wvec = make([]float32, len(words)*numOffs*numTags)
	t.lowerH = make([]uint64, len(m.vocab))
	t.shapeH = make([]uint64, len(m.vocab))
	t.flags = make([]uint8, len(m.vocab))
	var feats []uint32
	for id, w := range words {
		if id < len(m.vocab) {
			*t.vocab.ptr(maphash.String(t.seed, w)) = int32(id)
			t.lowerH[id], t.shapeH[id] = lowerKey(w), shapeKey(w)
			t.flags[id] = wordFlags(w)
		}
		for off := minOff; off <= maxOff; off++ {
			feats = m.wordFeatures(feats[:0], w, off)
			v := t.wvec[(id*numOffs+off-minOff)*numTags:][:numTags]
			for _, f := range feats {
				m.feats.addTo(v, f)
			}
		}
	}
	t.pool.New = func() any { return new(scratch) }
	return t
}

// wordVec returns the precomputed weights of word id at offset off; ids
// below zero are out-of-vocabulary words cached in sc.oov.
func (t *Tagger) wordVec(sc *scratch, id int32, off int) *vec {
	if id >= 0 {
		return (*vec)(t.wvec[(int(id)*numOffs+off-minOff)*numTags:])
	}
	return (*vec)(sc.oov[(int(-id-1)*numOffs+off-minOff)*numTags:])
}

// lookup sets the id and hashes of each word of s, computing and caching
// (for the call) the vectors of words outside the vocabulary.
func (t *Tagger) lookup(sc *scratch, s *sentence) {
	n := len(s.words)
	s.ids = resize(s.ids, n)
	s.flags = resize(s.flags, n)
	s.lowerH = resize(s.lowerH, n+2)
	s.shapeH = resize(s.shapeH, n+2)
	s.lowerH[0], s.lowerH[n+1] = lowerKey(padStart), lowerKey(padEnd)
	s.shapeH[0], s.shapeH[n+1] = shapeKey(padStart), shapeKey(padEnd)
	for i, w := range s.words {
		h := maphash.String(t.seed, w)
		if id, ok := t.vocab.get(h); ok {
			s.ids[i] = id
			s.lowerH[i+1], s.shapeH[i+1] = t.lowerH[id], t.shapeH[id]
			s.flags[i] = t.flags[id]
			continue
		}
		slot := sc.oovIdx.ptr(h)
		if *slot == 0 {
			*slot = t.addOOV(sc, w)
		}
		k := int(-*slot - 1)
		s.ids[i] = *slot
		s.lowerH[i+1], s.shapeH[i+1] = sc.oovH[2*k], sc.oovH[2*k+1]
		s.flags[i] = sc.oovF[k]
	}
}

func (t *Tagger) addOOV(sc *scratch, w string) int32 {
	k := len(sc.oov) / (numOffs * numTags)
	sc.oov = append(sc.oov, make([]float32, numOffs*numTags)...)
	sc.oovH = append(sc.oovH, lowerKey(w), shapeKey(w))
	sc.oovF = append(sc.oovF, wordFlags(w))
	for off := minOff; off <= maxOff; off++ {
		sc.feats = t.m.wordFeatures(sc.feats[:0], w, off)
		v := sc.oov[(k*numOffs+off-minOff)*numTags:][:numTags]
		for _, f := range sc.feats {
			t.m.feats.addTo(v, f)
		}
	}
	return int32(-k - 1)
}

// emissions computes the first-pass emission scores of a prepared
// sentence into emit, marking in forced the tokens fixed to O.
func (t *Tagger) emissions(sc *scratch, s *sentence, emit []float32, forced []bool) {
	n := len(s.words)
	pad0, pad1 := int32(len(t.m.vocab)), int32(len(t.m.vocab)+1)
	for i := range n {
		// Known words never seen in a name, and unknown lower-case
		// words, numbers and punctuation, are O.
		if id := s.ids[i]; (id >= 0 && t.m.outside[id]) || (id < 0 && (s.flags[i]&fStartsLower != 0 || !hasLetter(s.words[i]))) {
			forced[i] = true
			continue
		}
		forced[i] = false
		e := (*vec)(emit[i*numTags:])
		*e = vec{}
		for off := minOff; off <= maxOff; off++ {
			id := pad0
			switch j := i + off; {
			case j >= n:
				id = pad1
			case j >= 0:
				id = s.ids[j]
			}
			v := t.wordVec(sc, id, off)
			for j := range e {
				e[j] += v[j]
			}
		}
		sc.feats = contextFeatures(sc.feats[:0], s, i)
		for _, f := range sc.feats {
			t.m.feats.addTo(e[:], f)
		}
	}
}

// addNonLocal adds the second-pass features of s to its first-pass
// emission scores.
func (t *Tagger) addNonLocal(sc *scratch, s *sentence, emit []float32, forced []bool) {
	for i, d := range s.nl {
		if d == 0 || forced[i] {
			continue
		}
		sc.feats = nonlocalFeatures(sc.feats[:0], s, i)
		for _, f := range sc.feats {
			t.m.feats.addTo(emit[i*numTags:(i+1)*numTags], f)
		}
	}
}

// maxOOVCache bounds the unknown words a scratch remembers across calls:
// names recur across articles, and an unknown word's vectors depend on
// the word alone, so they are kept until the cache fills up.
const maxOOVCache = 8192

func (t *Tagger) getScratch() *scratch {
	sc := t.pool.Get().(*scratch)
	if sc.oovIdx.keys == nil || len(sc.oovF) >= maxOOVCache {
		sc.oov = sc.oov[:0]
		sc.oovH = sc.oovH[:0]
		sc.oovF = sc.oovF[:0]
		sc.oovIdx.reset(maxOOVCache)
	}
	return sc
}

// tagDoc looks up, prepares and tags sc.sents[:n] as one document: a
// first pass over every sentence, then a second pass over the sentences
// whose words occur elsewhere in the document, with the first pass's
// labels of those other occurrences as features.
func (t *Tagger) tagDoc(sc *scratch, n int, each func(i int, spans []Span)) {
	sents := sc.sents[:n]
	ntok := 0
	for i := range sents {
		t.lookup(sc, &sents[i])
		ntok += len(sents[i].words)
	}
	prepareDoc(sents, t.m.gaz, t.m.lex, &sc.doc)
	sc.emit = resize(sc.emit, ntok*numTags)
	sc.forced = resize(sc.forced, ntok)
	sc.tags = resize(sc.tags, ntok)
	off := 0
	for i := range sents {
		k := len(sents[i].words)
		emit, forced, tags := sc.emit[off*numTags:(off+k)*numTags], sc.forced[off:off+k], sc.tags[off:off+k]
		t.emissions(sc, &sents[i], emit, forced)
		t.lat.segments(emit, forced, tags, &sc.vs, nil)
		off += k
	}
	prepareNonLocal(sents, sc.tags, sc.forced, &sc.doc)
	off = 0
	for i := range sents {
		s := &sents[i]
		k := len(s.words)
		emit, forced, tags := sc.emit[off*numTags:(off+k)*numTags], sc.forced[off:off+k], sc.tags[off:off+k]
		off += k
		if k == 0 {
			each(i, nil)
			continue
		}
		if s.hasNL {
			t.addNonLocal(sc, s, emit, forced)
			t.lat.segments(emit, forced, tags, &sc.vs, func(a, b int) bool {
				return slices.ContainsFunc(s.nl[a:b], func(d uint64) bool { return d != 0 })
			})
		}
		sc.spans = spansFromBILOU(sc.spans[:0], tags)
		each(i, sc.spans)
	}
}

// TagDocument tags the sentences of one document, given as words, and
// returns each sentence's entity spans (token indices).
func (t *Tagger) TagDocument(doc [][]string) [][]Span {
	sc := t.getScratch()
	defer t.pool.Put(sc)
	sc.sents = resize(sc.sents, len(doc))
	for i, words := range doc {
		sc.sents[i].words = resize(sc.sents[i].words, len(words))
		for j, w := range words {
			sc.sents[i].words[j] = normalize(w)
		}
	}
	out := make([][]Span, len(doc))
	t.tagDoc(sc, len(doc), func(i int, spans []Span) {
		out[i] = append([]Span(nil), spans...)
	})
	return out
}

// Evaluate tags the documents and scores the result against their gold
// tags.
func (t *Tagger) Evaluate(docs []Document) *Score {
	var sc Score
	for _, d := range docs {
		words := make([][]string, len(d.Sentences))
		for i, s := range d.Sentences {
			words[i] = s.Words
		}
		pred := t.TagDocument(words)
		for i, s := range d.Sentences {
			sc.Add(SpansFromTags(s.Tags), pred[i])
		}
	}
	return &sc
}

// Entity is a name found in raw text.
type Entity struct {
	Type Type
	// Text is the name as written, Start and End its byte offsets.
	Text       string
	Start, End int
}

// Extract tokenises text as one document and returns the entities found
// in it, in text order.
func (t *Tagger) Extract(text string) []Entity {
	return t.AppendEntities(nil, text)
}

// AppendEntities is Extract appending to dst, for callers that reuse a
// slice across documents.
func (t *Tagger) AppendEntities(dst []Entity, text string) []Entity {
	sc := t.getScratch()
	defer t.pool.Put(sc)
	sc.toks, sc.bounds = appendTokens(sc.toks, sc.bounds, text)
	sc.sents = resize(sc.sents, len(sc.bounds))
	start := 0
	for i, end := range sc.bounds {
		s := &sc.sents[i]
		s.words = resize(s.words, end-start)
		for j, tok := range sc.toks[start:end] {
			s.words[j] = normalize(tok.Text)
		}
		start = end
	}
	t.tagDoc(sc, len(sc.bounds), func(i int, spans []Span) {
		first := 0
		if i > 0 {
			first = sc.bounds[i-1]
		}
		toks := sc.toks[first:sc.bounds[i]]
		for _, sp := range spans {
			b, e := toks[sp.Start].Start, toks[sp.End-1].End
			dst = append(dst, Entity{Type: sp.Type, Text: text[b:e], Start: b, End: e})
		}
	})
	return dst
}

// hasLetter reports whether w has a letter, the mark of a word
// that could be (part of) a name.
func hasLetter(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}
