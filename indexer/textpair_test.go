package indexer

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/google/go-cmp/cmp"
)

// analysedFields maps and analyses data as Bleve would, with or without
// the shared analysis, and returns per field what the index receives.
func analysedFields(t testing.TB, m mapping.IndexMapping, p *textPairs, data any) map[string]any {
	t.Helper()
	var doc *document.Document
	if p == nil {
		doc = document.NewDocument("x")
		if err := m.MapDocument(doc, data); err != nil {
			t.Fatal(err)
		}
	} else {
		var err error
		if doc, _, err = p.mapDocument(m, "x", data); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]any{}
	for _, f := range doc.Fields {
		if f.Options().IsIndexed() {
			f.Analyze()
		}
		out[fmt.Sprintf("%s %v", f.Name(), f.ArrayPositions())] = pairField{f.AnalyzedLength(), freqs(f.AnalyzedTokenFrequencies()), string(f.Value())}
	}
	return out
}

// pairField is what the index receives for one field.
type pairField struct {
	Length int
	Freqs  map[string]pairFreq
	Value  string
}

type pairFreq struct {
	N         int
	Locations []index.TokenLocation
}

func freqs(tf index.TokenFrequencies) map[string]pairFreq {
	out := map[string]pairFreq{}
	for k, v := range tf {
		f := pairFreq{N: v.Frequency()}
		for _, l := range v.Locations {
			f.Locations = append(f.Locations, *l)
		}
		out[k] = f
	}
	return out
}

// tokens is an analyzer's output as comparable values.
func tokens(ts analysis.TokenStream) []analysis.Token {
	out := make([]analysis.Token, len(ts))
	for i, t := range ts {
		out[i] = *t
	}
	return out
}

// checkStreams compares each side of a shared analysis with the mapping's
// analyzer on text, token by token (positions included, which the exact
// field does not store).
func checkStreams(t testing.TB, m mapping.IndexMapping, p *textPairs, text string) {
	t.Helper()
	s := &sharedText{p: p}
	gotStem := tokens(stemSide{s}.Analyze([]byte(text)))
	gotExact := tokens(exactSide{s}.Analyze([]byte(text)))
	if diff := cmp.Diff(tokens(m.AnalyzerNamed(AnalyzerText).Analyze([]byte(text))), gotStem); diff != "" {
		t.Errorf("%q stemmed tokens (-mapping +shared):\n%s", text, diff)
	}
	if diff := cmp.Diff(tokens(m.AnalyzerNamed(AnalyzerExact).Analyze([]byte(text))), gotExact); diff != "" {
		t.Errorf("%q exact tokens (-mapping +shared):\n%s", text, diff)
	}
}

// texts that stress the analysis: possessives, folding (which moves
// offsets), stop words only, hyphens, digits, scripts, empty.
var pairTexts = []string{
	"", " ", "the of and", "Trump's plan and the CEOs' plans",
	"São Paulo café naïve Zürich Ελλάδα 東京 Москва", "Kim Jong-un met KIM JONG UN",
	"elections electoral running runs RATES rated rate", "COVID-19 1,000 people, 3.5%",
	"O'Brien’s \u00e9l\u00e8ve \ufb01ne", "a\u0301b\u0301c", "\x00\xff broken \xc3",
	strings.Repeat("interest rates rise; ", 200),
}

// TestTextPairsSameAnalysis checks that the shared analysis gives every
// field the terms, frequencies, positions and offsets that the mapping's
// own analyzers give, on hand-picked texts and on Reuters-21578.
func TestTextPairsSameAnalysis(t *testing.T) {
	m := NewMapping()
	p := newTextPairs(m)
	if p == nil {
		t.Fatal("newTextPairs(NewMapping()) = nil")
	}
	check := func(name string, a *Article) {
		t.Helper()
		data := indexDocument(a)
		want := analysedFields(t, m, nil, data)
		got := analysedFields(t, m, p, data)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: shared analysis differs (-plain +shared):\n%s", name, diff)
		}
		checkStreams(t, m, p, a.Title)
		checkStreams(t, m, p, a.Body)
	}
	for i, s := range pairTexts {
		check(fmt.Sprintf("text %d", i), &Article{ID: "x", Title: s, Body: s + " " + s, Source: s,
			Persons: []string{"Kim Jong Un", s}, Organizations: []string{s, "O'Brien's Co."}, Places: []string{"São Paulo", s}})
		check(fmt.Sprintf("title only %d", i), &Article{ID: "x", Title: s})
	}
	f, err := os.Open("../../shared/data/reuters21578.jsonl")
	if err != nil {
		t.Skipf("Reuters-21578 not available: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	n := 0
	for sc.Scan() && n < 2000 {
		var a Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		check(a.ID, &a)
		n++
	}
	if n < 2000 {
		t.Fatalf("read %d Reuters articles, want 2000 (%v)", n, sc.Err())
	}
}

// TestTextPairsPairsTheRightFields checks which fields share an analysis.
func TestTextPairsPairsTheRightFields(t *testing.T) {
	m := NewMapping()
	p := newTextPairs(m)
	doc, _, err := p.mapDocument(m, "x", indexDocument(&Article{ID: "x", Title: "A title", Body: "A body", Source: "Wire",
		Persons: []string{"Kim Jong Un"}, Organizations: []string{"Wood Gundy"}, Places: []string{"Toronto"}}))
	if err != nil {
		t.Fatal(err)
	}
	var shared, names []string
	for _, f := range doc.Fields {
		if tf, ok := f.(*document.TextField); ok {
			switch tf.Analyzer().(type) {
			case stemSide, exactSide:
				shared = append(shared, tf.Name())
			}
			if tf.Analyzer() == p.nameChain {
				names = append(names, tf.Name())
			}
		}
	}
	wantNames := []string{FieldSourceText, FieldPersonsText, FieldOrgsText, FieldPlacesText}
	slices.Sort(wantNames)
	slices.Sort(names)
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("name fields with the faster tokenizer (-want +got):\n%s", diff)
	}
	// Bleve maps a document's fields in map order: compare as sets.
	want := []string{FieldTitle, FieldTitleExact, FieldBody, FieldBodyExact}
	slices.Sort(want)
	slices.Sort(shared)
	if diff := cmp.Diff(want, shared); diff != "" {
		t.Errorf("shared fields (-want +got):\n%s", diff)
	}
}

// TestTextPairsOtherMappings: a mapping whose analyzers are not the
// known chain (an index from another version) is analysed field by field;
// the mapping of an index reopened from disk is recognised.
func TestTextPairsOtherMappings(t *testing.T) {
	other := NewMapping()
	other.CustomAnalysis.Analyzers[AnalyzerExact]["token_filters"] = []any{"to_lower"}
	if p := newTextPairs(other); p != nil {
		t.Error("newTextPairs paired a mapping with a different exact analyzer")
	}
	noExact := NewMapping()
	delete(noExact.CustomAnalysis.Analyzers, AnalyzerExact)
	if p := newTextPairs(noExact); p != nil {
		t.Error("newTextPairs paired a mapping without an exact analyzer")
	}

	dir := filepath.Join(t.TempDir(), "idx")
	idx, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx.Close()
	idx, err = OpenExisting(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if newTextPairs(idx.Mapping()) == nil {
		t.Error("the mapping of a reopened index is not paired")
	}
}

// TestTextPairsSameIndex ingests the same articles with and without the
// shared analysis and compares every term dictionary of the text fields,
// and the space check's size count.
func TestTextPairsSameIndex(t *testing.T) {
	articles := []*Article{}
	for i, s := range pairTexts {
		articles = append(articles, &Article{ID: fmt.Sprint("a", i), Title: s, Body: "Interest rates " + s + " rated"})
	}
	build := func(pairs bool) (bleve.Index, uint64) {
		idx, err := NewMemIndex()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { idx.Close() })
		b := idx.NewBatch()
		var p *textPairs
		if pairs {
			p = newTextPairs(idx.Mapping())
		}
		var total uint64
		for _, a := range articles {
			n, err := batchIndex(b, idx.Mapping(), p, a.ID, indexDocument(a))
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
		if !pairs && total != b.TotalDocsSize() {
			t.Errorf("plain batch: counted %d, Batch counts %d", total, b.TotalDocsSize())
		}
		if err := idx.Batch(b); err != nil {
			t.Fatal(err)
		}
		return idx, total
	}
	plain, plainSize := build(false)
	shared, sharedSize := build(true)
	if plainSize != sharedSize {
		t.Errorf("size counted for the space check: %d shared, %d plain", sharedSize, plainSize)
	}
	dict := func(idx bleve.Index, field string) map[string]uint64 {
		d, err := idx.FieldDict(field)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out := map[string]uint64{}
		for e, err := d.Next(); e != nil || err != nil; e, err = d.Next() {
			if err != nil {
				t.Fatal(err)
			}
			out[e.Term] = e.Count
		}
		return out
	}
	for _, f := range []string{FieldTitle, FieldTitleExact, FieldBody, FieldBodyExact} {
		want, got := dict(plain, f), dict(shared, f)
		if len(want) == 0 {
			t.Errorf("%s: empty dictionary", f)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s dictionary (-plain +shared):\n%s", f, diff)
		}
	}
	// Positions: a phrase on the stemmed body.
	for _, idx := range []bleve.Index{plain, shared} {
		q := bleve.NewMatchPhraseQuery("interest rates rise")
		q.SetField(FieldBody)
		res, err := idx.Search(bleve.NewSearchRequest(q))
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 {
			t.Errorf("phrase: %d hits, want 1", res.Total)
		}
	}
}

// TestIngestSharesAnalysis runs the Ingester on a guarded index on disk
// (its space check needs the size the shared analysis reports) and
// compares the result with a plain Bleve load of the same articles.
func TestIngestSharesAnalysis(t *testing.T) {
	dir := t.TempDir()
	idx, _, err := Open(filepath.Join(dir, "idx"))
	if err != nil {
		t.Fatal(err)
	}
	g := Guard(idx, filepath.Join(dir, "idx"), SpaceOptions{})
	defer g.Close()
	ing := NewIngester(g, IngestOptions{BatchDocs: 4}, slog.New(slog.DiscardHandler), testAliases(t), nil)
	sum, err := ing.Ingest(context.Background(), PathSource([]string{"../data/articles.txt"}, func(p string, err error) { t.Errorf("%s: %v", p, err) }))
	if err != nil || sum.Indexed != 10 {
		t.Fatalf("ingest: %v, %d indexed", err, sum.Indexed)
	}
	for _, tc := range []struct {
		field, term string
	}{{FieldBodyExact, "defectors"}, {FieldBody, "defector"}, {FieldTitleExact, "north"}} {
		q := bleve.NewTermQuery(tc.term)
		q.SetField(tc.field)
		res, err := g.Search(bleve.NewSearchRequest(q))
		if err != nil {
			t.Fatal(err)
		}
		if res.Total == 0 {
			t.Errorf("%s:%s: no hits", tc.field, tc.term)
		}
	}
}

// FuzzTextPairs: for any text the shared analysis equals the mapping's.
func FuzzTextPairs(f *testing.F) {
	for _, s := range pairTexts {
		f.Add(s)
	}
	m := NewMapping()
	p := newTextPairs(m)
	f.Fuzz(func(t *testing.T, s string) {
		data := indexDocument(&Article{ID: "x", Title: s, Body: s, Source: s, Persons: []string{s, "Kim " + s}})
		if diff := cmp.Diff(analysedFields(t, m, nil, data), analysedFields(t, m, p, data)); diff != "" {
			t.Errorf("%q: (-plain +shared):\n%s", s, diff)
		}
		checkStreams(t, m, p, s)
	})
}

// BenchmarkMapAnalyse maps and analyses articles as a Bleve batch does
// (the analysis workers' share of ingest), field by field ("plain") and
// with the shared analysis of title and body ("shared"). Corpus as for
// BenchmarkIngestVsLean (NEWSDEX_BENCH_CORPUS, first 2,000 records).
//
//	NEWSDEX_BENCH_CORPUS=/tmp/c20k.jsonl go test ./indexer -run '^$' -bench MapAnalyse -cpu 1 -count 4 -benchtime 3x
func BenchmarkMapAnalyse(b *testing.B) {
	path := os.Getenv("NEWSDEX_BENCH_CORPUS")
	if path == "" {
		path = filepath.Join(sharedData, "reuters21578.jsonl")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Skip(err)
	}
	defer f.Close()
	var docs []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() && len(docs) < 2000 {
		var a Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			b.Fatal(err)
		}
		docs = append(docs, indexDocument(&a))
	}
	m := NewMapping()
	for _, c := range []struct {
		name string
		p    *textPairs
	}{{"plain", nil}, {"shared", newTextPairs(m)}} {
		b.Run(c.name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				for _, d := range docs {
					var doc *document.Document
					if c.p == nil {
						doc = document.NewDocument("x")
						if err := m.MapDocument(doc, d); err != nil {
							b.Fatal(err)
						}
					} else if doc, _, err = c.p.mapDocument(m, "x", d); err != nil {
						b.Fatal(err)
					}
					for _, f := range doc.Fields {
						if f.Options().IsIndexed() {
							f.Analyze()
						}
					}
				}
			}
			// CPU time, not wall time: under load the wall clock
			// measures the other processes too.
			b.ReportMetric((cpuTime()-cpu0).Seconds()*1e6/float64(b.N*len(docs)), "cpu-µs/doc")
		})
	}
}

// TestIngestOlderMapping: an index built before the exact copy (issue
// 16) has no newsdex_exact analyzer and no title_exact/body_exact
// fields. The Ingester must write into it as Bleve alone would, with
// nothing paired, and its fields must be what its own mapping says.
func TestIngestOlderMapping(t *testing.T) {
	old := NewMapping()
	delete(old.CustomAnalysis.Analyzers, AnalyzerExact)
	art := old.TypeMapping[DocType]
	for _, f := range []string{FieldTitle, FieldBody} {
		fm := art.Properties[f].Fields
		art.Properties[f].Fields = fm[:1] // the stemmed field only
	}
	if newTextPairs(old) != nil {
		t.Fatal("an index without exact copies was paired")
	}
	dir := filepath.Join(t.TempDir(), "old")
	idx, err := bleve.NewUsing(dir, old, "scorch", "scorch", nil)
	if err != nil {
		t.Fatal(err)
	}
	idx.Close()
	idx, err = OpenExisting(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	ing := NewIngester(idx, IngestOptions{BatchDocs: 3}, slog.New(slog.DiscardHandler), testAliases(t), nil)
	sum, err := ing.Ingest(context.Background(), PathSource([]string{"../data/articles.txt"}, func(p string, err error) { t.Errorf("%s: %v", p, err) }))
	if err != nil || sum.Indexed != 10 {
		t.Fatalf("ingest: %v, %d indexed", err, sum.Indexed)
	}
	count := func(field, term string) uint64 {
		q := bleve.NewTermQuery(term)
		q.SetField(field)
		res, err := idx.Search(bleve.NewSearchRequest(q))
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if n := count(FieldBody, "defector"); n == 0 {
		t.Error("body:defector: no hits in the old index")
	}
	if n := count(FieldBodyExact, "defectors"); n != 0 {
		t.Errorf("body_exact:defectors: %d hits in an index that has no such field", n)
	}
}
