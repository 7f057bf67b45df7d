package querylang

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en" // registers the "en" analyzer
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
	"newsdex/search/rank"
)

// update rewrites the golden files of the whole package: go test ./search/querylang -update
var update = flag.Bool("update", false, "rewrite golden files in testdata/")

type parseCase struct {
	name string
	in   string
	or   bool   // DefaultOperator "or"
	want string // canonical String()
}

func validParseCases() []parseCase {
	return []parseCase{
		{"empty", "", false, ""},
		{"spaces", " \t\n ", false, ""},
		{"word", "climate", false, "climate"},
		{"words default and", "climate summit deal", false, "climate AND summit AND deal"},
		{"words default or", "climate summit deal", true, "climate OR summit OR deal"},
		{"explicit and", "a AND b", true, "a AND b"},
		{"explicit or", "a OR b", false, "a OR b"},
		{"lower-case operators are words", "rock and roll or not", false, "rock AND and AND roll AND or AND not"},
		{"precedence and over or", "a OR b AND c", false, "a OR (b AND c)"},
		{"precedence juxtaposition and", "a b OR c", false, "(a AND b) OR c"},
		{"precedence juxtaposition or", "a b AND c", true, "a OR (b AND c)"},
		{"not binds tightest", "NOT a AND b", false, "-a AND b"},
		{"not juxtaposed", "a NOT b", false, "a AND -b"},
		{"minus", "climate -rice", false, "climate AND -rice"},
		{"pure negative", "-rice", false, "-rice"},
		{"plus default or", "+rice summit", true, "+rice OR summit"},
		{"parens", "(a OR b) c", false, "(a OR b) AND c"},
		{"nested parens collapse", "((a))", false, "a"},
		{"and flattens", "a AND (b AND c)", false, "a AND b AND c"},
		{"or flattens", "a OR (b OR c)", false, "a OR b OR c"},
		{"or with not keeps group", "a OR (b OR -c)", false, "a OR (b OR -c)"},
		{"not group", "-(a OR b)", false, "-(a OR b)"},
		{"double negation via parens", "-(-a)", false, "-(-a)"},
		{"phrase", `"kim jong un"`, false, `"kim jong un"`},
		{"phrase proximity", `"climate deal"~3`, false, `"climate deal"~3`},
		{"phrase slop zero is exact", `"climate deal"~0`, false, `"climate deal"`},
		{"phrase escapes", `"say \"hi\" \\o/"`, false, `"say \"hi\" \\o/"`},
		{"field word", "title:rice", false, "title:rice"},
		{"field upper case", "Title:rice", false, "title:rice"},
		{"field phrase", `person:"kim jong un"`, false, `person:"kim jong un"`},
		{"field group", "title:(a OR b)", false, "title:a OR title:b"},
		{"field group with ops", "title:(a -b)", false, "title:a AND -title:b"},
		{"all fields", "title:a body:b source:c person:d org:e place:f", false, "title:a AND body:b AND source:c AND person:d AND org:e AND place:f"},
		{"negated field", "-title:opinion", false, "-title:opinion"},
		{"prefix", "elect*", false, "elect*"},
		{"prefix two chars", "el*", false, "el*"},
		{"prefix field", "title:elect*", false, "title:elect*"},
		{"fuzzy auto", "climte~", false, "climte~"},
		{"fuzzy 1", "climte~1", false, "climte~1"},
		{"fuzzy 2", "title:climte~2", false, "title:climte~2"},
		{"range", "published:[2019-01-01 TO 2019-12-31]", false, "published:[2019-01-01 TO 2019-12-31]"},
		{"range exclusive open", "published:{2019-03 TO *}", false, "published:{2019-03 TO *}"},
		{"range mixed", "published:[2019 TO 2020}", false, "published:[2019 TO 2020}"},
		{"range rfc3339", "published:[2019-06-01T12:00:00Z TO *]", false, "published:[2019-06-01T12:00:00Z TO *]"},
		{"range spaces", "published:[ 2019  TO 2020 ]", false, "published:[2019 TO 2020]"},
		{"single date", "published:2019-06", false, "published:[2019-06 TO 2019-06]"},
		{"trailing colon is punctuation", "COVID-19: vaccine", false, `COVID-19\: AND vaccine`},
		{"lone colon", "Brexit : deal", false, `Brexit AND \: AND deal`},
		{"colon before paren", "(COVID-19:)", false, `COVID-19\:`},
		{"escaped colon", `COVID-19\:vaccine`, false, `COVID-19\:vaccine`},
		{"escaped operator", `\AND`, false, `\AND`},
		{"escaped star", `C\*`, false, `C\*`},
		{"escaped leading minus", `\-5`, false, `\-5`},
		{"escaped space", `new\ york`, false, `new\ york`},
		{"hyphenated", "e-mail", false, "e-mail"},
		{"question mark is text", "what?", false, "what?"},
		{"bracket outside field is text", "[updated]", false, `\[updated]`},
		{"utf8", "Straße 東京", false, "Straße AND 東京"},
		{"word then phrase", `foo"bar"`, false, `foo AND "bar"`},
		{"word then paren", "f(x)", false, "f AND x"},
		{"operator after paren", "(a) OR (b)", false, "a OR b"},
		{"replacement char is valid", "\uFFFD", false, "\uFFFD"},
		{"exact word", "=organization", false, "=organization"},
		{"exact phrase", `="interest rates"`, false, `="interest rates"`},
		{"exact proximity", `="interest rates"~3`, false, `="interest rates"~3`},
		{"exact field", "title:=Sanctions", false, "title:=Sanctions"},
		{"exact field phrase", `body:="interest rates"`, false, `body:="interest rates"`},
		{"exact negated", "-=organ bank", false, "-=organ AND bank"},
		{"exact must", "+=organ bank", true, "+=organ OR bank"},
		{"exact in group", "title:(=a OR b)", false, "title:=a OR title:b"},
		{"exact prefix is a prefix", "=immigra*", false, "immigra*"},
		{"exact escaped operator", `=\AND`, false, `=\AND`},
		{"escaped equals is a word", `\=5`, false, `\=5`},
		{"exact escaped equals", `=\=5`, false, `=\=5`},
		{"equals inside word is text", "a=b", false, "a=b"},
		{"prefix in phrase", `"immigra* policy"`, false, `"immigra* policy"`},
		{"prefix in exact phrase", `="immigra* policy"~2`, false, `="immigra* policy"~2`},
	}
}

func TestParseQuery(t *testing.T) {
	for _, tt := range validParseCases() {
		t.Run(tt.name, func(t *testing.T) {
			opts := QueryOptions{}
			if tt.or {
				opts.DefaultOperator = "or"
			}
			n, err := ParseQuery(tt.in, opts)
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, n.String()); diff != "" {
				t.Errorf("ParseQuery(%q).String() (-want +got):\n%s", tt.in, diff)
			}
			// The canonical form parses back to itself, whatever the default.
			for _, op := range []string{"and", "or"} {
				n2, err := ParseQuery(n.String(), QueryOptions{DefaultOperator: op})
				if err != nil {
					t.Fatalf("re-parse %q (%s): %v", n.String(), op, err)
				}
				if diff := cmp.Diff(n.String(), n2.String()); diff != "" {
					t.Errorf("re-parse %q (%s) (-want +got):\n%s", n.String(), op, diff)
				}
			}
		})
	}
}

func TestParseQueryAST(t *testing.T) {
	n, err := ParseQuery(`title:(elect* OR "kim jong"~2) -climte~1 published:{2019 TO *]`, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := &And{Clauses: []Node{
		&Or{Clauses: []Node{
			&Term{Field: "title", Text: "elect", Prefix: true, Pos: 7},
			&Phrase{Field: "title", Text: "kim jong", Slop: 2, Pos: 17},
		}},
		&Not{Clause: &Term{Text: "climte", Fuzziness: 1, Pos: 32}},
		&DateRange{Field: "published", From: "2019", To: "*", FromInclusive: false, ToInclusive: true, Pos: 41},
	}}
	if diff := cmp.Diff(Node(want), n); diff != "" {
		t.Errorf("AST (-want +got):\n%s", diff)
	}
}

type errCase struct {
	name string
	in   string
	opts QueryOptions
	want string // full Error()
}

func invalidParseCases() []errCase {
	nested := strings.Repeat("(", 500) + "a" + strings.Repeat(")", 500)
	return []errCase{
		{"unclosed field group", "title:(", QueryOptions{}, "unclosed parenthesis at 6"},
		{"unclosed quote", `"unclosed`, QueryOptions{}, "unclosed quote at 0"},
		{"unclosed quote later", `climate deal "paris`, QueryOptions{}, "unclosed quote at 13"},
		{"dangling and", "a AND", QueryOptions{}, "missing term after AND at 2"},
		{"dangling or", "a OR", QueryOptions{}, "missing term after OR at 2"},
		{"and or", "a AND OR b", QueryOptions{}, "missing term after AND at 2"},
		{"leading and", "AND a", QueryOptions{}, "missing term before AND at 0"},
		{"dangling not", "a NOT", QueryOptions{}, "missing term after NOT at 2"},
		{"three open parens", "(((", QueryOptions{}, "unclosed parenthesis at 2"},
		{"unclosed paren", "(a b", QueryOptions{}, "unclosed parenthesis at 0"},
		{"stray close paren", "a b )", QueryOptions{}, `unexpected ")" at 4`},
		{"close paren first", ") a", QueryOptions{}, `unexpected ")" at 0`},
		{"empty parens", "a ()", QueryOptions{}, "empty parentheses at 2"},
		{"unknown field", "COVID-19:vaccine", QueryOptions{}, `unknown field "COVID-19" at 0; quote it or remove the colon`},
		{"unknown field url", "see http://example.com", QueryOptions{}, `unknown field "http" at 4; quote it or remove the colon`},
		{"unknown field phrase", `foo:"bar"`, QueryOptions{}, `unknown field "foo" at 0; quote it or remove the colon`},
		{"known field then space", "title: vaccine", QueryOptions{}, `missing term after "title:" at 0; remove the space after the colon`},
		{"known field at end", "a title:", QueryOptions{}, `missing term after "title:" at 2; remove the space after the colon`},
		{"missing field name", ":foo", QueryOptions{}, `missing field name before ":" at 0`},
		{"nested field", "title:(a body:b)", QueryOptions{}, `field "body:" inside "title:" at 9`},
		{"field twice", "title:body:x", QueryOptions{}, `field "body:" inside "title:" at 6`},
		{"operator after field", "title:-x", QueryOptions{}, `unexpected "-" after "title:" at 6; put the operator before the field: -title:word`},
		{"leading wildcard", "*foo", QueryOptions{}, "leading wildcard is not supported at 0"},
		{"lone star", "a * b", QueryOptions{}, "leading wildcard is not supported at 2"},
		{"field leading wildcard", "title:*foo", QueryOptions{}, "leading wildcard is not supported at 6"},
		{"inner wildcard", "fo*o", QueryOptions{}, "wildcard * is only allowed at the end of a word at 2"},
		{"double star", "foo**", QueryOptions{}, "wildcard * is only allowed at the end of a word at 3"},
		{"short prefix", "a*", QueryOptions{}, `prefix "a*" is too short at 0; use at least 2 characters before *`},
		{"prefix then fuzzy", "foo*~", QueryOptions{}, "wildcard * is only allowed at the end of a word at 3"},
		{"fuzzy 3", "word~3", QueryOptions{}, "fuzziness 3 is not supported at 4; use word~1 or word~2 (at most 2 edits)"},
		{"fuzzy 0", "word~0", QueryOptions{}, "fuzziness 0 is not supported at 4; use word~1 or word~2 (at most 2 edits)"},
		{"fuzzy big", "word~12", QueryOptions{}, "fuzziness 12 is not supported at 4; use word~1 or word~2 (at most 2 edits)"},
		{"fuzzy decimal", "word~0.8", QueryOptions{}, `fuzziness 0 is not supported at 4; use word~1 or word~2 (at most 2 edits)`},
		{"fuzzy letters", "word~ab", QueryOptions{}, `unexpected "a" after "~" at 5`},
		{"fuzzy then text", "word~1x", QueryOptions{}, `unexpected "x" after "~1" at 6`},
		{"leading tilde", "~foo", QueryOptions{}, `missing word before "~" at 0`},
		{"phrase tilde no number", `"a b"~`, QueryOptions{}, `missing number after "~" at 5; write "a b"~3 for words at most 3 positions apart`},
		{"phrase slop too big", `"a b"~101`, QueryOptions{}, "proximity 101 is too large; the limit is 100 at 6"},
		{"phrase slop huge", `"a b"~99999999999999999999`, QueryOptions{}, "proximity 99999999999999999999 is too large; the limit is 100 at 6"},
		{"phrase then text", `"a b"c`, QueryOptions{}, `unexpected "c" after phrase at 5`},
		{"empty phrase", `a ""`, QueryOptions{}, "empty phrase at 2"},
		{"blank phrase", `" "`, QueryOptions{}, "empty phrase at 0"},
		{"lone minus", "Paris - London", QueryOptions{}, `missing term after "-" at 6`},
		{"trailing plus", "a +", QueryOptions{}, `missing term after "+" at 2`},
		{"stacked operators", "NOT -a", QueryOptions{}, `operator "-" cannot follow NOT at 4`},
		{"double minus", "--a", QueryOptions{}, `operator "-" cannot follow "-" at 1`},
		{"dangling escape", `foo\`, QueryOptions{}, `nothing to escape after \ at 3`},
		{"dangling escape in phrase", `"foo\`, QueryOptions{}, `nothing to escape after \ at 4`},
		{"range not on published", "title:[a TO b]", QueryOptions{}, `range on "title:" at 6; ranges are only supported on published:`},
		{"range unclosed", "published:[2019 TO 2020", QueryOptions{}, "unclosed range at 10; write published:[2019-01-01 TO 2019-12-31]"},
		{"range no TO", "published:[2019 2020]", QueryOptions{}, `expected "TO" in range at 16`},
		{"range lower-case to", "published:[2019 to 2020]", QueryOptions{}, `expected "TO" in range at 16`},
		{"range bad date", "published:[2019-13-01 TO *]", QueryOptions{}, `invalid date "2019-13-01" at 11; use YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339 (2019-06-01T12:00:00Z)`},
		{"range reversed", "published:[2020 TO 2019]", QueryOptions{}, "range start 2020 is after its end 2019 at 11"},
		{"range then text", "published:[2019 TO 2020]x", QueryOptions{}, `unexpected "x" after range at 24`},
		{"range extra word", "published:[2019 TO 2020 x]", QueryOptions{}, "expected ] or } to close the range at 24"},
		{"range year out of bleve range", "published:[1066 TO *]", QueryOptions{}, `invalid date "1066" at 11; use YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339 (2019-06-01T12:00:00Z)`},
		{"published word", "published:yesterday", QueryOptions{}, `invalid date "yesterday" at 10; use YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339 (2019-06-01T12:00:00Z)`},
		{"published phrase", `published:"2019"`, QueryOptions{}, "published: needs a date or a date range at 10; write published:2019-06 or published:[2019-01-01 TO 2019-12-31]"},
		{"published prefix", "published:2019*", QueryOptions{}, "published: needs a date or a date range at 10; write published:2019-06 or published:[2019-01-01 TO 2019-12-31]"},
		{"NUL byte", "abc\x00def", QueryOptions{}, "NUL byte at 3"},
		{"control character", "abc\x07", QueryOptions{}, "control character U+0007 at 3"},
		{"invalid UTF-8", "ab\xffcd", QueryOptions{}, "invalid UTF-8 at 2"},
		{"truncated UTF-8", "東京"[:4], QueryOptions{}, "invalid UTF-8 at 3"},
		{"2000-term OR", strings.Repeat("w OR ", 1999) + "w", QueryOptions{MaxLength: 1 << 16}, "query has 2000 terms; the limit is 1024 at 5120"},
		{"2000-term OR default length", strings.Repeat("w OR ", 1999) + "w", QueryOptions{}, "query is 9996 bytes long; the limit is 4096 at 4096"},
		{"2000 terms in 4 kB", strings.Repeat("w ", 1999) + "w", QueryOptions{}, "query has 2000 terms; the limit is 1024 at 2048"},
		{"clause limit option", "a b c", QueryOptions{MaxClauses: 2}, "query has 3 terms; the limit is 2 at 4"},
		{"100 kB query", strings.Repeat("x", 100*1024), QueryOptions{}, "query is 102400 bytes long; the limit is 4096 at 4096"},
		{"length option", "abcdef", QueryOptions{MaxLength: 5}, "query is 6 bytes long; the limit is 5 at 5"},
		{"500 nested parens", nested, QueryOptions{}, "parentheses nest 33 deep; the limit is 32 at 32"},
		{"depth option", "((a))", QueryOptions{MaxDepth: 1}, "parentheses nest 2 deep; the limit is 1 at 1"},
		{"first error wins", `) "unclosed`, QueryOptions{}, `unexpected ")" at 0`},
		{"exact alone", "a = b", QueryOptions{}, `missing word after "=" at 2; write =word or ="a phrase", with nothing between = and the word`},
		{"exact at end", "a =", QueryOptions{}, `missing word after "=" at 2; write =word or ="a phrase", with nothing between = and the word`},
		{"exact twice", "==organ", QueryOptions{}, `unexpected "=" after "=" at 1; write =word or ="a phrase", with nothing between = and the word`},
		{"exact group", "=(a b)", QueryOptions{}, `unexpected "(" after "=" at 1; write =word or ="a phrase", with nothing between = and the word`},
		{"exact before minus", "=-a", QueryOptions{}, `unexpected "-" after "=" at 1; write =word or ="a phrase", with nothing between = and the word`},
		{"exact before field", "=title:organ", QueryOptions{}, `= before the field "title:" at 0; put = after the colon: title:=word`},
		{"exact operator", "a =AND b", QueryOptions{}, `operator AND cannot be an exact word at 3; escape it: =\AND`},
		{"exact fuzzy", "=organ~1", QueryOptions{}, "an exact word cannot be fuzzy at 0; remove the = or the ~"},
		{"exact date", "published:=2019", QueryOptions{}, "published: needs a date or a date range at 10; write published:2019-06 or published:[2019-01-01 TO 2019-12-31]"},
		{"exact unclosed phrase", `="interest`, QueryOptions{}, "unclosed quote at 1"},
		{"short prefix in phrase", `"a* policy"`, QueryOptions{}, `prefix "a*" is too short at 1; use at least 2 characters before *`},
	}
}

func TestParseQueryErrors(t *testing.T) {
	for _, tt := range invalidParseCases() {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseQuery(tt.in, tt.opts)
			if err == nil {
				t.Fatalf("ParseQuery(%.60q) = %v, want error %q", tt.in, n, tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("ParseQuery(%.60q) error (-want +got):\n%s", tt.in, diff)
			}
			if !errors.Is(err, ErrInvalidQuery) {
				t.Errorf("errors.Is(%v, ErrInvalidQuery) = false", err)
			}
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %T is not a *QueryError", err)
			}
			if qe.Pos < 0 || qe.Pos > len(tt.in) {
				t.Errorf("Pos %d outside 0..%d", qe.Pos, len(tt.in))
			}
		})
	}
}

func TestParseQueryWithinLimits(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts QueryOptions
	}{
		{"1024 terms", strings.Repeat("w ", 1023) + "w", QueryOptions{}},
		{"32 nested parens", strings.Repeat("(", 32) + "a" + strings.Repeat(")", 32), QueryOptions{}},
		{"raised limits", strings.Repeat("(", 100) + strings.Repeat("w OR ", 1999) + "w" + strings.Repeat(")", 100),
			QueryOptions{MaxLength: 1 << 20, MaxClauses: 5000, MaxDepth: 200}},
		{"4096 bytes", strings.Repeat("x", 4096), QueryOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseQuery(tt.in, tt.opts); err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
		})
	}
}

func TestParseQueryBadOptions(t *testing.T) {
	_, err := ParseQuery("a", QueryOptions{DefaultOperator: "xor"})
	if err == nil || errors.Is(err, ErrInvalidQuery) {
		t.Fatalf("err = %v, want a non-query error", err)
	}
	if _, err := ParseQuery("a b", QueryOptions{DefaultOperator: "OR"}); err != nil {
		t.Fatalf("upper-case OR option: %v", err)
	}
}

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"climate summit", []string{"climate", "summit"}},
		{`"Kim Jong-un" climate -rice`, []string{"Kim", "Jong-un", "climate"}},
		{"elect* OR climte~ OR climate", []string{"elect*", "climte", "climate"}},
		{"elect* elect", []string{"elect*", "elect"}},
		{"NOT (a OR b) c", []string{"c"}},
		{"+a b", []string{"a", "b"}},
		{"COVID-19: vaccine published:2019", []string{"COVID-19", "vaccine"}},
		{`"(quoted), words!" quoted`, []string{"quoted", "words"}},
		{`title:(x y) person:"z"`, []string{"x", "y", "z"}},
		{`=Organization organ`, []string{"=Organization", "organ"}},
		{`="interest rates" "immigra* policy"`, []string{"=interest", "=rates", "immigra*", "policy"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := ParseQuery(tt.in, QueryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, Terms(n)); diff != "" {
				t.Errorf("Terms (-want +got):\n%s", diff)
			}
		})
	}
}

// ---- translation ----

// testMapping mirrors what the translation relies on: analysed title and
// body (en, term vectors for phrases), persons_text, a date.
func testMapping() *mapping.IndexMappingImpl {
	im := bleve.NewIndexMapping()
	im.DefaultAnalyzer = "en"
	doc := bleve.NewDocumentStaticMapping()
	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer, f.Store, f.IncludeTermVectors, f.IncludeInAll = analyzer, true, true, false
		return f
	}
	// The exact copies: "standard" is "en" without the stemmer (and the
	// possessive filter), so positions agree as in indexer.NewMapping;
	// like there, without term vectors.
	exact := func(name string) *mapping.FieldMapping {
		f := text("standard")
		f.Name, f.Store, f.IncludeTermVectors = name, false, false
		return f
	}
	doc.AddFieldMappingsAt(indexer.FieldTitle, text("en"), exact(indexer.FieldTitleExact))
	doc.AddFieldMappingsAt(indexer.FieldBody, text("en"), exact(indexer.FieldBodyExact))
	doc.AddFieldMappingsAt(indexer.FieldSourceText, text("standard"))
	doc.AddFieldMappingsAt(indexer.FieldPersonsText, text("standard"))
	dt := bleve.NewDateTimeFieldMapping()
	dt.IncludeInAll = false
	doc.AddFieldMappingsAt(indexer.FieldPublished, dt)
	im.AddDocumentMapping("article", doc) // a type mapping: named sub-fields (title_exact) resolve their analyzer
	im.DefaultType = "article"
	im.DefaultMapping = bleve.NewDocumentDisabledMapping()
	return im
}

func TestToBleveGolden(t *testing.T) {
	analyze := MappingAnalyze(testMapping())
	tests := []struct {
		name    string
		in      string
		or      bool
		analyze bool
	}{
		{"empty", "", false, false},
		{"word", "climate", false, false},
		{"and_words", "climate summit deal", false, false},
		{"or_words", "climate summit deal", true, false},
		{"phrase", `"kim jong un"`, false, false},
		{"proximity", `"climate deal"~3`, false, false},
		{"prefix", "Elect*", false, false},
		{"fuzzy", "climte~ OR sumit~1", false, false},
		{"not_only", "-rice", false, false},
		{"and_not", "climate summit -rice -wheat", false, false},
		{"or_not", "climate OR NOT rice", false, false},
		{"must_or", "+rice summit", true, false},
		{"fields", "title:(rice OR wheat) body:drought source:reuters", false, false},
		{"entities", `person:"kim jong un" person:kim org:un place:paris`, false, false},
		{"range", "published:[2019-01-01 TO 2019-12-31]", false, false},
		{"range_open_exclusive", "published:{2019-03 TO *}", false, false},
		{"range_instant", "published:{2019-06-01T12:00:00Z TO 2019-07-01T00:00:00+02:00]", false, false},
		{"date_single", "published:2019", false, false},
		{"mixed", "(climate OR weather) AND published:[2019 TO 2020} -title:opinion", false, false},
		{"precedence", "a OR b AND c NOT d", false, false},
		{"stopwords_analyzed", "the AND war OR title:of", false, true},
		{"stopwords_not_analyzed", "the AND war", false, false},
		{"stopword_phrase_analyzed", `"war of the worlds" "the"`, false, true},
		{"all_stopwords_analyzed", "the of -a", false, true},
		{"exact", `=organization title:="interest rates" -=organ`, false, true},
		{"prefix_phrase", `"immigra* policy"~2 OR ="rate* cut"`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := QueryOptions{}
			if tt.or {
				opts.DefaultOperator = "or"
			}
			n, err := ParseQuery(tt.in, opts)
			if err != nil {
				t.Fatal(err)
			}
			topts := TranslateOptions{}
			if tt.analyze {
				topts.Analyze = analyze
			}
			q, err := ToBleve(n, topts)
			if err != nil {
				t.Fatal(err)
			}
			js, err := json.MarshalIndent(q, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := "query: " + tt.in + "\ncanonical: " + n.String() + "\n" + string(js) + "\n"
			assertGolden(t, filepath.Join("testdata", "querylang", tt.name+".golden"), got)
		})
	}
}

func assertGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestToBleveErrors(t *testing.T) {
	tests := []struct {
		name string
		n    Node
		opts TranslateOptions
		want string
	}{
		{"nil", nil, TranslateOptions{}, "translate query: nil node"},
		{"negative boost", &Term{Text: "a"}, TranslateOptions{TitleBoost: -1}, "translate query: title boost -1 must be a positive number"},
		{"unknown field", &Term{Field: "foo", Text: "a"}, TranslateOptions{}, `translate query: unknown field "foo"`},
		{"word on published", &Term{Field: "published", Text: "a"}, TranslateOptions{}, "translate query: published: takes only dates"},
		{"bad date", &DateRange{Field: "published", From: "x", To: "*"}, TranslateOptions{}, `translate query: invalid date "x"`},
		{"nil clause", &And{Clauses: []Node{&Term{Text: "a"}, nil}}, TranslateOptions{}, "translate query: nil node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ToBleve(tt.n, tt.opts)
			if err == nil {
				t.Fatalf("ToBleve = nil error, want %q", tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestToBleveSearch runs translated queries against a real in-memory index.
func TestToBleveSearch(t *testing.T) {
	m := testMapping()
	idx, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	day := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	docs := map[string]map[string]any{
		"climate": {
			indexer.FieldTitle: "Climate summit reaches deal", indexer.FieldBody: "Leaders at the climate summit in Paris agreed on emissions targets.",
			indexer.FieldPersonsText: []string{"Emmanuel Macron"}, indexer.FieldSourceText: "Reuters", indexer.FieldPublished: day("2019-03-10T09:00:00Z"),
		},
		"worlds": {
			indexer.FieldTitle: "War of the Worlds remake announced", indexer.FieldBody: "The studio announced a remake of the war film, a war classic.",
			indexer.FieldSourceText: "BBC News", indexer.FieldPublished: day("2019-12-31T18:00:00Z"),
		},
		"rice": {
			indexer.FieldTitle: "Rice prices surge in Asia", indexer.FieldBody: "Rice and wheat prices rose sharply after the drought in Thailand.",
			indexer.FieldSourceText: "Reuters", indexer.FieldPublished: day("2020-01-15T00:00:00Z"),
		},
		"election": {
			indexer.FieldTitle: "Election results", indexer.FieldBody: "Voters elected a new parliament; the election was close. Kim Jong-un sent congratulations.",
			indexer.FieldPersonsText: []string{"Moon Jae-in", "Kim Jong Un"}, indexer.FieldSourceText: "Yonhap", indexer.FieldPublished: day("2018-06-01T00:00:00Z"),
		},
	}
	b := idx.NewBatch()
	for id, d := range docs {
		if err := b.Index(id, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}

	all := []string{"climate", "election", "rice", "worlds"}
	tests := []struct {
		in   string
		or   bool
		want []string
	}{
		{"", false, all},
		{"climate", false, []string{"climate"}},
		{"climate deal", false, []string{"climate"}},
		{"climate rice", false, nil},
		{"climate rice", true, []string{"climate", "rice"}},
		{"rice OR election", false, []string{"election", "rice"}},
		{"-rice", false, []string{"climate", "election", "worlds"}},
		{"NOT rice AND NOT election", false, []string{"climate", "worlds"}},
		{"summit OR rice -wheat", false, []string{"climate"}},
		{"summit OR NOT wheat", false, []string{"climate"}},
		{"+rice summit", true, []string{"rice"}},
		{"+rice +summit", true, nil},
		{"-(rice OR war)", false, []string{"climate", "election"}},
		{"-(-rice)", false, []string{"rice"}},
		{`"war of the worlds"`, false, []string{"worlds"}},
		{`"war worlds"`, false, nil},
		{`"war worlds"~1`, false, nil},
		{`"war worlds"~2`, false, []string{"worlds"}},
		{`"prices rice"~1`, false, nil},
		{`"prices rice"~2`, false, []string{"rice"}},
		{`"rice prices"`, false, []string{"rice"}},
		{`"rice rice"~5`, false, nil}, // one "rice" in each field: a repeated word needs two positions
		{`"war war"~10`, false, []string{"worlds"}},
		{`"summit summit"~10`, false, nil},
		{"elect*", false, []string{"election"}},
		{"ELECT*", false, []string{"election"}},
		{"title:elect*", false, []string{"election"}},
		{"sumit~1", false, []string{"climate"}},
		{"climte~", false, []string{"climate"}},
		{"sumit", false, nil},
		{"the AND war", false, []string{"worlds"}},
		{"war the", false, []string{"worlds"}},
		{"the", false, nil},
		{"title:rice", false, []string{"rice"}},
		{"body:rice", false, []string{"rice"}},
		{"title:wheat", false, nil},
		{"title:(rice OR election)", false, []string{"election", "rice"}},
		{`person:"kim jong un"`, false, []string{"election"}},
		{`person:"jong kim"`, false, nil},
		{"person:macron", false, []string{"climate"}},
		{"source:reuters", false, []string{"climate", "rice"}},
		{"source:news", false, []string{"worlds"}},
		{"published:[2019-01-01 TO 2019-12-31]", false, []string{"climate", "worlds"}},
		{"published:[2019-01-01 TO 2019-12-31}", false, []string{"climate"}},
		{"published:{2019-03-10 TO *]", false, []string{"rice", "worlds"}},
		{"published:2020", false, []string{"rice"}},
		{"published:[* TO *]", false, all},
		{"published:[2019-03-10T09:00:00Z TO 2019-03-10T09:00:00Z]", false, []string{"climate"}},
		{"published:{2019-03-10T09:00:00Z TO *]", false, []string{"rice", "worlds"}},
		{"COVID-19: vaccine", false, nil},
		{"elected", false, []string{"election"}},
		{"=elected", false, []string{"election"}},
		{"=elect", false, nil},
		{"elect", false, []string{"election"}},   // the stem of "elected", "election"
		{"electi*", false, []string{"election"}}, // the stem is "elect": only words as written reach this
		{"=Prices", false, []string{"rice"}},
		{"=price", false, nil},
		{"price", false, []string{"rice"}},
		{"title:=prices", false, []string{"rice"}},
		{"body:=prices -=wheat", false, nil},
		{"=prices -=wheat", false, nil},
		{`="rice prices"`, false, []string{"rice"}},
		{`="rice price"`, false, nil},
		{`"rice price"`, false, []string{"rice"}},
		{`="prices rose"~0`, false, []string{"rice"}},
		{`="prices rice"~2`, false, []string{"rice"}},
		{`="prices rice"~1`, false, nil},
		{`"elect* a new"`, false, []string{"election"}},
		{`"electi* a new"`, false, nil},
		{`"wheat pri* rose"`, false, []string{"rice"}},
		{`="wheat pri* rose"`, false, []string{"rice"}},
		{`="wheat pri* rise"`, false, nil},
		{`"rice and wheat pri*"`, false, []string{"rice"}}, // the stop word leaves a gap, as in the index
		{`"drought thai*"~2`, false, []string{"rice"}},
		{`title:"war of the wor*"`, false, []string{"worlds"}},
		{`"zz* war"`, false, nil},
		{`person:"kim jo*"`, false, []string{"election"}},
	}
	for _, tt := range tests {
		for _, withAnalyze := range []bool{false, true} {
			name := tt.in
			if tt.or {
				name += " (or)"
			}
			if withAnalyze {
				name += " (analyze)"
			}
			t.Run(name, func(t *testing.T) {
				opts := QueryOptions{}
				if tt.or {
					opts.DefaultOperator = "or"
				}
				n, err := ParseQuery(tt.in, opts)
				if err != nil {
					t.Fatal(err)
				}
				topts := TranslateOptions{}
				if withAnalyze {
					topts.Analyze = MappingAnalyze(idx.Mapping())
				}
				q, err := ToBleve(n, topts)
				if err != nil {
					t.Fatal(err)
				}
				req := bleve.NewSearchRequestOptions(q, 10, 0, false)
				res, err := idx.Search(req)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, h := range res.Hits {
					got = append(got, h.ID)
				}
				slices.Sort(got)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("hits for %q (-want +got):\n%s", tt.in, diff)
				}
			})
		}
	}

	t.Run("title boost decides title against body", func(t *testing.T) {
		// "results" is only in the election doc's title, "drought" only in
		// the rice doc's body: the boost decides which ranks first.
		n, err := ParseQuery("drought OR results", QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			boost float64
			first string
		}{{10, "election"}, {0.05, "rice"}} {
			q, err := ToBleve(n, TranslateOptions{TitleBoost: tc.boost})
			if err != nil {
				t.Fatal(err)
			}
			res, err := idx.Search(bleve.NewSearchRequest(q))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) != 2 || res.Hits[0].ID != tc.first {
				t.Errorf("boost %v: hits = %v, want %s first", tc.boost, res.Hits, tc.first)
			}
		}
	})

	t.Run("proximity keeps locations for highlighting", func(t *testing.T) {
		n, err := ParseQuery(`"war worlds"~2`, QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		q, err := ToBleve(n, TranslateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		req := bleve.NewSearchRequest(q)
		req.IncludeLocations = true
		res, err := idx.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 {
			t.Fatalf("hits = %d, want 1", len(res.Hits))
		}
		tl := res.Hits[0].Locations[indexer.FieldTitle]
		if len(tl["war"]) == 0 || len(tl["world"]) == 0 {
			t.Errorf("title locations = %v, want war and world", tl)
		}
	})
}

func BenchmarkParseQuery(b *testing.B) {
	qs := map[string]string{
		"simple":  "climate summit",
		"typical": `title:(climate OR weather) "paris agreement"~2 -opinion published:[2019-01-01 TO 2019-12-31] elect*`,
		"long":    strings.Repeat("word OR ", 200) + "word",
	}
	for name, s := range qs {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				if _, err := ParseQuery(s, QueryOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkToBleve(b *testing.B) {
	n, err := ParseQuery(`title:(climate OR weather) "paris agreement"~2 -opinion published:[2019-01-01 TO 2019-12-31] elect*`, QueryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ToBleve(n, TranslateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// A phrase translated for ranking stays a phrase with feedback on: it is
// not expanded with words that would all become required.
func TestPhraseNotExpanded(t *testing.T) {
	node, err := ParseQuery(`"interest rates"`, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := ToBleve(node, TranslateOptions{Stats: rank.NewFieldStats(), Feedback: true})
	if err != nil {
		t.Fatal(err)
	}
	wq, ok := q.(*rank.WordsQuery)
	if !ok || !wq.Phrase {
		t.Fatalf("query %T %+v, want a phrase WordsQuery", q, q)
	}
}
