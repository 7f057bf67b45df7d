package indexer

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	_ "github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"
	_ "github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	_ "github.com/blevesearch/bleve/v2/analysis/token/porter"
	_ "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"newsdex/indexer/neardup"
)

// Analyzer names registered in the mapping. The search package analyses
// query text with the same analyzers so that snippets and keyword-in-context
// find exactly what the index matched.
const (
	AnalyzerText = "newsdex_en"   // title and body
	AnalyzerName = "newsdex_name" // outlet and entity names: no stemming, no stop words
	// AnalyzerExact is AnalyzerText without the stemmer: words as written,
	// lower-cased and folded, for exact forms (=word) and prefixes (word*).
	// Its tokens keep the same positions as AnalyzerText's, so a phrase
	// may mix stemmed and exact words.
	AnalyzerExact = "newsdex_exact"
)

// NewMapping returns the explicit index mapping. Choices, each measured in
// ../shared/notes/bleve.md and BENCHMARKS.md:
//   - title and body use English analysis with diacritics folded; both keep
//     term vectors because phrase queries silently match nothing without
//     them, and both are stored because the article view shows them;
//   - outlet and entity names are keyword fields with doc values (facets,
//     exact filters) plus analysed copies so names match as words;
//   - nothing goes to _all, which would double the indexed text;
//   - BM25 scoring;
//   - a static type mapping, so stray input fields are never indexed and
//     named sub-fields resolve their own analyzer.
func NewMapping() *mapping.IndexMappingImpl {
	im := bleve.NewIndexMapping()
	im.ScoringModel = index.BM25Scoring
	if err := im.AddCustomAnalyzer(AnalyzerText, map[string]any{
		"type":          "custom",
		"char_filters":  []any{"asciifolding"},
		"tokenizer":     "unicode",
		"token_filters": []any{"possessive_en", "to_lower", "stop_en", "stemmer_porter"},
	}); err != nil {
		panic(err) // static configuration: a failure is a programming error
	}
	if err := im.AddCustomAnalyzer(AnalyzerExact, map[string]any{
		"type":          "custom",
		"char_filters":  []any{"asciifolding"},
		"tokenizer":     "unicode",
		"token_filters": []any{"possessive_en", "to_lower", "stop_en"},
	}); err != nil {
		panic(err)
	}
	if err := im.AddCustomAnalyzer(AnalyzerName, map[string]any{
		"type":          "custom",
		"char_filters":  []any{"asciifolding"},
		"tokenizer":     "unicode",
		"token_filters": []any{"possessive_en", "to_lower"},
	}); err != nil {
		panic(err)
	}
	im.DefaultAnalyzer = AnalyzerText
	im.DefaultField = FieldBody

	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = AnalyzerText
		f.Store = store
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	keyword := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = store
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	nameText := func(name string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Name = name
		f.Analyzer = AnalyzerName
		f.Store = false
		f.IncludeTermVectors = true // phrase queries: person:"kim jong un"
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	storedOnly := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}

	doc := bleve.NewDocumentStaticMapping()
	// exact is the unstemmed copy of title and body (issue 16): indexed
	// only, never stored (the article view reads the stemmed field's
	// stored text), and without term vectors (issue 15: they made the
	// copy cost half the ingest again). Phrases with exact or prefix words
	// ("=\"interest rates\"", "immigra* policy") take positions from the
	// stemmed field, whose tokens stand at the same positions, and check
	// the words as written on the stored text (search/querylang).
	exact := func(name string) *mapping.FieldMapping {
		f := text(false)
		f.Name = name
		f.Analyzer = AnalyzerExact
		f.IncludeTermVectors = false
		return f
	}
	doc.AddFieldMappingsAt(FieldTitle, text(true), exact(FieldTitleExact))
	doc.AddFieldMappingsAt(FieldBody, text(true), exact(FieldBodyExact))
	doc.AddFieldMappingsAt(FieldSource, keyword(true), nameText(FieldSourceText))
	doc.AddFieldMappingsAt(FieldPersons, keyword(true), nameText(FieldPersonsText))
	doc.AddFieldMappingsAt(FieldOrganizations, keyword(true), nameText(FieldOrgsText))
	doc.AddFieldMappingsAt(FieldPlaces, keyword(true), nameText(FieldPlacesText))
	doc.AddFieldMappingsAt(FieldCategory, keyword(true))
	doc.AddFieldMappingsAt(FieldTags, keyword(true))
	doc.AddFieldMappingsAt(FieldURL, storedOnly())
	doc.AddFieldMappingsAt(FieldAuthor, storedOnly())
	doc.AddFieldMappingsAt(FieldMeta, storedOnly())
	published := bleve.NewDateTimeFieldMapping()
	published.Store = true
	published.IncludeInAll = false
	published.DocValues = true
	doc.AddFieldMappingsAt(FieldPublished, published)
	doc.AddFieldMappingsAt(FieldPublishedDay, keyword(false))
	doc.AddFieldMappingsAt(FieldPublishedSort, keyword(false))
	evidence := keyword(false)
	evidence.DocValues = false // counted by document frequency, never faceted
	doc.AddFieldMappingsAt(FieldEntityEvidence, evidence)
	// One term per article, read back as a column (doc values) when the
	// service groups copies; a term per LSH band instead (33 random
	// terms per article) doubled the ingest time.
	doc.AddFieldMappingsAt(FieldDupSig, keyword(false))
	// Not stored: searches that need it sort by it and read the sort value.
	doc.AddFieldMappingsAt(FieldIngested, keyword(false))

	im.AddDocumentMapping(DocType, doc)
	im.DefaultType = DocType
	im.DefaultMapping = bleve.NewDocumentDisabledMapping()
	return im
}

// indexDocument is what Bleve indexes for an article: only the fields that
// are set, so an article without a date has no published value at all
// (rather than year 1) and sorts last.
func indexDocument(a *Article) map[string]any {
	d := map[string]any{FieldTitle: a.Title, FieldBody: a.Body}
	set := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	set(FieldSource, a.Source)
	set(FieldURL, a.URL)
	set(FieldAuthor, a.Author)
	set(FieldCategory, a.Category)
	set(FieldIngested, a.Ingested)
	if !a.Published.IsZero() {
		d[FieldPublished] = a.Published.UTC().Format(time.RFC3339)
		d[FieldPublishedDay] = a.Published.UTC().Format(time.DateOnly)
		// A string sort, unlike a date sort, gives undated articles a
		// search-after value Bleve accepts, so cursors page through them.
		d[FieldPublishedSort] = a.Published.UTC().Format("2006-01-02T15:04:05Z")
	}
	if len(a.Tags) > 0 {
		d[FieldTags] = a.Tags
	}
	if len(a.Persons) > 0 {
		d[FieldPersons] = a.Persons
	}
	if len(a.Organizations) > 0 {
		d[FieldOrganizations] = a.Organizations
	}
	if len(a.Places) > 0 {
		d[FieldPlaces] = a.Places
	}
	if len(a.EntityEvidence) > 0 {
		d[FieldEntityEvidence] = a.EntityEvidence
	}
	if len(a.Meta) > 0 {
		if b, err := json.Marshal(a.Meta); err == nil {
			d[FieldMeta] = string(b)
		}
	}
	text := a.Body
	if strings.TrimSpace(text) == "" {
		text = a.Title
	}
	if sig, ok := neardup.Of(text); ok {
		d[FieldDupSig] = sig.String()
	}
	return d
}
