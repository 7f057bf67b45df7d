package indexer

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/size"

	"newsdex/indexer/tokenize"
)

// Title and body are analysed twice per article: stemmed (AnalyzerText)
// and as written (AnalyzerExact, issue 16). The two analyzers are the same
// chain but for the stemmer at the end, so textPairs runs the chain once
// and stems a copy of its tokens: the index gets exactly the terms,
// positions and offsets the mapping's analyzers give (the mapping is
// unchanged), for half the tokenising (issue 15).

// textPairs pairs each stemmed text field of a mapped document with its
// exact copy. The zero value (or nil) pairs nothing.
type textPairs struct {
	exact analysis.Analyzer // the mapping's AnalyzerExact instance
	stem  analysis.Analyzer // the mapping's AnalyzerText instance
	// exactChain runs AnalyzerExact; stemmer is AnalyzerText's last
	// filter, which AnalyzerText applies after that same chain.
	exactChain *analysis.DefaultAnalyzer
	stemmer    analysis.TokenFilter
	// name is the mapping's AnalyzerName instance and nameChain the same
	// chain with the faster tokenizer (same tokens), or nil when the
	// mapping's name analyzer is not the known one.
	name      analysis.Analyzer
	nameChain *analysis.DefaultAnalyzer
}

// newTextPairs returns the pairing for an index mapping, or nil when the
// mapping's analyzers are not the ones this file knows to be a chain plus
// a stemmer (an index built by another version keeps its own mapping):
// documents are then analysed field by field, as Bleve does.
func newTextPairs(m mapping.IndexMapping) *textPairs {
	im, ok := m.(*mapping.IndexMappingImpl)
	if !ok || im.CustomAnalysis == nil {
		return nil
	}
	want := NewMapping().CustomAnalysis.Analyzers
	for _, name := range []string{AnalyzerText, AnalyzerExact} {
		if !sameDefinition(im.CustomAnalysis.Analyzers[name], want[name]) {
			return nil
		}
	}
	ex, ok1 := im.AnalyzerNamed(AnalyzerExact).(*analysis.DefaultAnalyzer)
	st, ok2 := im.AnalyzerNamed(AnalyzerText).(*analysis.DefaultAnalyzer)
	if !ok1 || !ok2 || len(st.TokenFilters) != len(ex.TokenFilters)+1 {
		return nil
	}
	chain := *ex
	chain.Tokenizer = tokenize.Swap(ex.Tokenizer) // the same tokens, faster on ASCII
	p := &textPairs{exact: ex, stem: st, exactChain: &chain, stemmer: st.TokenFilters[len(st.TokenFilters)-1]}
	if nm, ok := im.AnalyzerNamed(AnalyzerName).(*analysis.DefaultAnalyzer); ok && sameDefinition(im.CustomAnalysis.Analyzers[AnalyzerName], want[AnalyzerName]) {
		names := *nm
		names.Tokenizer = tokenize.Swap(nm.Tokenizer)
		p.name, p.nameChain = nm, &names
	}
	return p
}

// sameDefinition compares two custom analyzer definitions, as written by
// NewMapping or read back from an index's stored mapping (where lists are
// []any of strings either way).
func sameDefinition(got, want map[string]any) bool {
	if got == nil || want == nil || len(got) != len(want) {
		return false
	}
	for k, w := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(w) || reflect.TypeOf(got[k]) != reflect.TypeOf(w) {
			return false
		}
	}
	return true
}

// mapDocument maps data as Batch.Index would and then gives each stemmed
// text field and its exact copy one shared analysis. It returns the
// document and the size Batch.Index would have counted for it.
func (p *textPairs) mapDocument(m mapping.IndexMapping, id string, data any) (*document.Document, uint64, error) {
	doc := document.NewDocument(id)
	if err := m.MapDocument(doc, data); err != nil {
		return nil, 0, err
	}
	docSize := uint64(doc.Size() + len(id) + size.SizeOfString)
	p.pair(doc)
	return doc, docSize, nil
}

// pair replaces the analyzers of each (stemmed, exact) pair of text
// fields with the same value and array positions by the two sides of one
// sharedText. Fields are matched by name: title with title_exact, body
// with body_exact. Name fields (outlet and entity names as words) get the
// name chain with the faster tokenizer: 46 short values per article.
func (p *textPairs) pair(doc *document.Document) {
	if p == nil {
		return
	}
	if p.nameChain != nil {
		for i, f := range doc.Fields {
			if tf, ok := f.(*document.TextField); ok && tf.Analyzer() == p.name {
				doc.Fields[i] = document.NewTextFieldCustom(tf.Name(), tf.ArrayPositions(), tf.Value(), tf.Options(), p.nameChain)
			}
		}
	}
	find := func(name string, an analysis.Analyzer, ap []uint64) int {
		for i, f := range doc.Fields {
			if tf, ok := f.(*document.TextField); ok && tf.Name() == name && tf.Analyzer() == an && sameUints(tf.ArrayPositions(), ap) {
				return i
			}
		}
		return -1
	}
	for _, names := range [][2]string{{FieldTitle, FieldTitleExact}, {FieldBody, FieldBodyExact}} {
		for i, f := range doc.Fields {
			st, ok := f.(*document.TextField)
			if !ok || st.Name() != names[0] || st.Analyzer() != p.stem {
				continue
			}
			j := find(names[1], p.exact, st.ArrayPositions())
			if j < 0 {
				continue
			}
			ex := doc.Fields[j].(*document.TextField)
			if !bytes.Equal(st.Value(), ex.Value()) {
				continue
			}
			s := &sharedText{p: p}
			doc.Fields[i] = document.NewTextFieldCustom(st.Name(), st.ArrayPositions(), st.Value(), st.Options(), stemSide{s})
			doc.Fields[j] = document.NewTextFieldCustom(ex.Name(), ex.ArrayPositions(), ex.Value(), ex.Options(), exactSide{s})
		}
	}
}

func sameUints(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sharedText is one text's exact analysis, run by whichever of the two
// fields Bleve analyses first (both hold the same bytes) and dropped once
// both have taken it: the batch keeps its documents until it is written,
// and the tokens would otherwise stay alive with them.
type sharedText struct {
	p      *textPairs
	mu     sync.Mutex
	tokens analysis.TokenStream
	taken  int
}

func (s *sharedText) exactTokens(input []byte) analysis.TokenStream {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil { // first of the pair (or a field analysed again)
		s.tokens = s.p.exactChain.Analyze(input)
	}
	ts := s.tokens
	if s.taken++; s.taken%2 == 0 {
		s.tokens = nil
	}
	return ts
}

// exactSide analyses as AnalyzerExact.
type exactSide struct{ s *sharedText }

func (a exactSide) Analyze(input []byte) analysis.TokenStream { return a.s.exactTokens(input) }

// stemSide analyses as AnalyzerText: the exact tokens, copied (the
// stemmer replaces terms in the tokens it is given), then stemmed.
type stemSide struct{ s *sharedText }

func (a stemSide) Analyze(input []byte) analysis.TokenStream {
	ex := a.s.exactTokens(input)
	toks := make([]analysis.Token, len(ex))
	out := make(analysis.TokenStream, len(ex))
	for i, t := range ex {
		toks[i] = *t
		out[i] = &toks[i]
	}
	return a.s.p.stemmer.Filter(out)
}

// batchIndex adds the article to b, sharing the text analysis when the
// index's mapping allows it, and returns the size Batch.Index counts.
// (IndexAdvanced, unlike Index, fires no EventKindIndexStart; scorch
// uses that event only for vector training, and newsdex's event callback,
// merges.go, does not read it.)
func batchIndex(b *bleve.Batch, m mapping.IndexMapping, p *textPairs, id string, data any) (uint64, error) {
	if p == nil {
		if err := b.Index(id, data); err != nil {
			return 0, err
		}
		return b.LastDocSize(), nil
	}
	doc, n, err := p.mapDocument(m, id, data)
	if err != nil {
		return 0, err
	}
	if err := b.IndexAdvanced(doc); err != nil {
		return 0, err
	}
	return n, nil
}

// writeBatch writes b, whose documents Batch.Index would have counted as
// docsSize, through the space check when idx is Guarded.
func writeBatch(idx bleve.Index, b *bleve.Batch, docsSize uint64) error {
	if g, ok := idx.(*Guarded); ok {
		return g.batchSized(b, docsSize)
	}
	return idx.Batch(b)
}
