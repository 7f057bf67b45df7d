package opensearch

import (
	"encoding/json"
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"newsdex/indexer"
)

// Analyzer names in the index settings, the same as the Bleve mapping's
// (indexer.AnalyzerText, AnalyzerExact, AnalyzerName).
const (
	analyzerText  = indexer.AnalyzerText
	analyzerExact = indexer.AnalyzerExact
	analyzerName  = indexer.AnalyzerName
)

// stopWords is Bleve's stop_en list, word for word: Lucene's _english_
// list is shorter (33 words against 174), and a word that one backend
// drops and the other keeps would change totals.
func stopWords() []string {
	tm := analysis.NewTokenMap()
	if err := tm.LoadBytes(en.EnglishStopWords); err != nil {
		panic(err) // the list is compiled in: a failure is a programming error
	}
	words := make([]string, 0, len(tm))
	for w := range tm {
		words = append(words, w)
	}
	slices.Sort(words)
	return words
}

// indexBody is the body of the create-index request: settings with the
// analysis, and the mapping. Analysis mirrors indexer.NewMapping:
//   - text (title, body): Unicode word segmentation (Lucene's standard
//     tokenizer is UAX#29, as Bleve's unicode tokenizer), diacritics
//     folded, English possessives removed, lower case, Bleve's stop words,
//     Porter stemming;
//   - exact copies (title_exact, body_exact): the same without the
//     stemmer, for =word and prefixes; copy_to keeps their positions in
//     step with the stemmed field, so a phrase may mix both;
//   - names: no stop words, no stemming, for the _text copies of outlet
//     and entity names; the names themselves are keywords (facets,
//     filters);
//   - dates as dates, plus the day and sort keywords Bleve has;
//   - "dynamic": false, so a field the indexer adds later stays in
//     _source without breaking writes.
//
// Bleve folds diacritics in a char filter, before tokenizing; OpenSearch
// has only the token filter, so folding comes first among the filters.
func indexBody(shards, replicas int) ([]byte, error) {
	filters := func(stem bool, stop bool) []string {
		f := []string{"asciifolding", "newsdex_possessive", "lowercase"}
		if stop {
			f = append(f, "newsdex_stop")
		}
		if stem {
			f = append(f, "porter_stem")
		}
		return f
	}
	analyzer := func(stem, stop bool) map[string]any {
		return map[string]any{"type": "custom", "tokenizer": "standard", "filter": filters(stem, stop)}
	}
	text := func(copyTo string) map[string]any {
		m := map[string]any{"type": "text", "analyzer": analyzerText}
		if copyTo != "" {
			m["copy_to"] = copyTo
		}
		return m
	}
	exact := map[string]any{"type": "text", "analyzer": analyzerExact}
	keyword := func(copyTo string) map[string]any {
		m := map[string]any{"type": "keyword"}
		if copyTo != "" {
			m["copy_to"] = copyTo
		}
		return m
	}
	nameText := map[string]any{"type": "text", "analyzer": analyzerName}
	storedOnly := map[string]any{"type": "keyword", "index": false, "doc_values": false}
	props := map[string]any{
		indexer.FieldTitle:          text(indexer.FieldTitleExact),
		indexer.FieldBody:           text(indexer.FieldBodyExact),
		indexer.FieldTitleExact:     exact,
		indexer.FieldBodyExact:      exact,
		indexer.FieldSource:         keyword(indexer.FieldSourceText),
		indexer.FieldSourceText:     nameText,
		indexer.FieldPersons:        keyword(indexer.FieldPersonsText),
		indexer.FieldPersonsText:    nameText,
		indexer.FieldOrganizations:  keyword(indexer.FieldOrgsText),
		indexer.FieldOrgsText:       nameText,
		indexer.FieldPlaces:         keyword(indexer.FieldPlacesText),
		indexer.FieldPlacesText:     nameText,
		indexer.FieldCategory:       keyword(""),
		indexer.FieldTags:           keyword(""),
		indexer.FieldURL:            storedOnly,
		indexer.FieldAuthor:         storedOnly,
		indexer.FieldMeta:           storedOnly,
		indexer.FieldPublished:      map[string]any{"type": "date", "format": "strict_date_optional_time"},
		indexer.FieldPublishedDay:   keyword(""),
		indexer.FieldPublishedSort:  keyword(""),
		indexer.FieldEntityEvidence: map[string]any{"type": "keyword"},
		indexer.FieldDupSig:         map[string]any{"type": "keyword"},
		fieldID:                     keyword(""),
	}
	body := map[string]any{
		"settings": map[string]any{
			"index": map[string]any{
				"number_of_shards":   shards,
				"number_of_replicas": replicas,
				// Exports and KWIC page with search_after, not from+size;
				// this only bounds the offset paging of the API (max_offset).
				"max_result_window": 10000,
			},
			"analysis": map[string]any{
				"filter": map[string]any{
					"newsdex_possessive": map[string]any{"type": "stemmer", "language": "possessive_english"},
					"newsdex_stop":       map[string]any{"type": "stop", "stopwords": stopWords()},
				},
				"analyzer": map[string]any{
					analyzerText:  analyzer(true, true),
					analyzerExact: analyzer(false, true),
					analyzerName:  analyzer(false, false),
				},
			},
		},
		"mappings": map[string]any{
			"dynamic":    false,
			"properties": props,
		},
	}
	return json.MarshalIndent(body, "", "  ")
}

// fieldID is the article id as a keyword with doc values, the tie-break
// of every sort: _id has no doc values to sort on in OpenSearch 2.
const fieldID = "article_id"
