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
	// vocab maps the maphash of a vocabulary word to what the tagger
	// needs of it; a 64-bit hash stands in for the string, so a lookup
	// never compares text, and one entry holds it all, so a lookup
	// touches one cache line.
	vocab wordTable
	// wvec holds, per vocabulary word and offset, the summed weights of
	// the word's word-level features: numOffs*numTags floats per word,
	// then two more words for the sentence pads.
	wvec []float32
	// feats is the model's feature table with key and row side by side
	// (one cache line per probe instead of two); weights stay in the
	// model's table.
	feats featIndex
	pool  sync.Pool
}

// scratch is per-call working memory, pooled in the Tagger.
type scratch struct {
	sents []sentence
	doc   docState
	// Unknown words met so far, kept across calls (see maxOOVCache). A
	// word's vectors are computed the first time a token near it is
	// scored: most unknown words are numbers and lower-case words fixed
	// to O, whose vectors are needed only beside a possible name.
	oov     []float32      // OOV word vectors, like Tagger.wvec
	oovDone []bool         // per OOV word: oov holds its vectors
	oovH    []uint64       // lower and shape hash per OOV word
	oovF    []uint8        // flags per OOV word
	oovIdx  table64[int32] // maphash of an unknown word -> -(index+1)
	emit    []float32
	forced  []bool
	tags    []int
	feats   []uint32
	vs      viterbiScratch
	toks    []Token
	bounds  []int
	spans   []Span
}

// NewTagger prepares m for tagging, precomputing the word-level feature
// weights of its vocabulary.
func NewTagger(m *Model) *Tagger {
	t := &Tagger{m: m, lat: newLattice(&m.trans), seed: maphash.MakeSeed()}
	t.vocab.reset(len(m.vocab))
	t.feats = newFeatIndex(m.feats)
	words := append(append([]string(nil), m.vocab...), padStart, padEnd)
	t.wvec = make([]float32, len(words)*numOffs*numTags)
	var feats []uint32
	for id, w := range words {
		if id < len(m.vocab) {
			e := t.vocab.insert(maphash.String(t.seed, w))
			e.id, e.lowerH, e.shapeH, e.flags = int32(id), lowerKey(w), shapeKey(w), wordFlags(w)
			e.outside = m.outside[id]
		}
		t.wordVecs(&feats, w, t.wvec[id*numOffs*numTags:][:numOffs*numTags])
	}
	t.pool.New = func() any { return new(scratch) }
	return t
}

// wordVecs sums into v (numOffs*numTags floats) the weights of the
// word-level features of w at each offset, in the order of wordFeatures,
// looking up w's clusters once.
func (t *Tagger) wordVecs(feats *[]uint32, w string, v []float32) {
	ids, ok := t.m.clusters[w]
	for off := minOff; off <= maxOff; off++ {
		*feats = t.m.appendWordFeatures((*feats)[:0], w, off, ids, ok)
		row := v[(off-minOff)*numTags:][:numTags]
		for _, f := range *feats {
			t.addFeature(row, f)
		}
	}
}

// addFeature adds the weights of feature k, if the model has it, to dst.
func (t *Tagger) addFeature(dst []float32, k uint32) {
	if r := t.feats.lookup(k); r >= 0 {
		w := (*vec)(t.m.feats.w[int(r)*numTags:])
		d := (*vec)(dst)
		for j := range d {
			d[j] += w[j]
		}
	}
}

// wordVec returns the precomputed weights of word id at offset off; ids
// below zero are out-of-vocabulary words cached in sc.oov, whose vectors
// are computed from w on first use.
func (t *Tagger) wordVec(sc *scratch, id int32, off int, w string) *vec {
	if id >= 0 {
		return (*vec)(t.wvec[(int(id)*numOffs+off-minOff)*numTags:])
	}
	return t.oovVec(sc, id, off, w)
}

func (t *Tagger) oovVec(sc *scratch, id int32, off int, w string) *vec {
	k := int(-id - 1)
	v := sc.oov[k*numOffs*numTags:][:numOffs*numTags]
	if !sc.oovDone[k] {
		t.wordVecs(&sc.feats, w, v)
		sc.oovDone[k] = true
	}
	return (*vec)(v[(off-minOff)*numTags:])
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
		if e := t.vocab.get(h); e != nil {
			s.ids[i] = e.id
			s.lowerH[i+1], s.shapeH[i+1] = e.lowerH, e.shapeH
			s.flags[i] = e.flags
			if e.outside {
				s.flags[i] |= fOutside
			}
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

// addOOV records an unknown word; its vectors come later (wordVec).
func (t *Tagger) addOOV(sc *scratch, w string) int32 {
	k := len(sc.oovDone)
	sc.oov = slices.Grow(sc.oov, numOffs*numTags)
	sc.oov = sc.oov[:len(sc.oov)+numOffs*numTags]
	clear(sc.oov[k*numOffs*numTags:])
	sc.oovDone = append(sc.oovDone, false)
	sc.oovH = append(sc.oovH, lowerKey(w), shapeKey(w))
	f := wordFlags(w)
	// Unknown lower-case words, numbers and punctuation are O.
	if f&fStartsLower != 0 || !hasLetter(w) {
		f |= fOutside
	}
	sc.oovF = append(sc.oovF, f)
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
		if s.flags[i]&fOutside != 0 {
			forced[i] = true
			continue
		}
		forced[i] = false
		e := (*vec)(emit[i*numTags:])
		*e = vec{}
		for off := minOff; off <= maxOff; off++ {
			id, w := pad0, ""
			switch j := i + off; {
			case j >= n:
				id = pad1
			case j >= 0:
				id, w = s.ids[j], s.words[j]
			}
			var v *vec
			if id >= 0 { // wordVec, inlined by hand
				v = (*vec)(t.wvec[(int(id)*numOffs+off-minOff)*numTags:])
			} else {
				v = t.oovVec(sc, id, off, w)
			}
			for j := range e {
				e[j] += v[j]
			}
		}
		sc.feats = contextFeatures(sc.feats[:0], s, i)
		for _, f := range sc.feats {
			if r := t.feats.lookup(f); r >= 0 { // addFeature, inlined by hand
				w := (*vec)(t.m.feats.w[int(r)*numTags:])
				for j := range e {
					e[j] += w[j]
				}
			}
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
			t.addFeature(emit[i*numTags:(i+1)*numTags], f)
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
		sc.oovDone = sc.oovDone[:0]
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
