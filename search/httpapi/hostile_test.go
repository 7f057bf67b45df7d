package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"newsdex/indexer"
	"newsdex/search"
)

// hostileBudget is the longest any hostile request may take. Each answer
// is measured on its own; the machine running the tests may be busy, so
// the budget is generous, but a search that walks a term dictionary
// without bound or a parser that goes quadratic takes far longer.
const hostileBudget = 2 * time.Second

// exportBudget is the budget of a successful export, which streams every
// match: up to all 3,000 generated articles here.
const exportBudget = 3 * hostileBudget

// Generated corpus sizes. Every generated article has one token of its
// own starting with uniquePrefix, so "zq*" expands to more index terms
// than the default max_term_expansion (2000).
const (
	hostileArticles = 3000
	uniquePrefix    = "zq"
)

// hostileFixture is the index the hostile-input tests search: the built-in
// corpus plus generated articles, indexed once per test binary through the
// production ingest path (no entity extraction).
var hostileFixture = sync.OnceValues(func() (*search.Service, error) {
	idx, err := indexer.NewMemIndex()
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.DiscardHandler)
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, nil, nil)
	var fileErr error
	ctx := context.Background()
	if _, err := ing.Ingest(ctx, indexer.PathSource([]string{"../../data/articles.txt"}, func(p string, err error) { fileErr = err })); err != nil {
		return nil, err
	}
	if fileErr != nil {
		return nil, fileErr
	}
	arts := generatedArticles(hostileArticles)
	sum, err := ing.Ingest(ctx, func(ctx context.Context, emit func(indexer.Record) error) error {
		for i, a := range arts {
			if err := emit(indexer.Record{File: "generated", Line: i + 1, Article: a}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sum.Indexed != len(arts) {
		return nil, fmt.Errorf("indexed %d of %d generated articles", sum.Indexed, len(arts))
	}
	// No result cache: every request does the whole work.
	return search.NewService(idx, search.Limits{ResultCache: -1}, logger, nil)
})

// generatedArticles are n news-like articles over a pseudo-word vocabulary
// of a few thousand words sharing prefixes, with outlets, entities and
// dates, so prefix and fuzzy words have thousands of terms to expand to.
func generatedArticles(n int) []indexer.Article {
	rng := rand.New(rand.NewPCG(9, 9))
	syll := []string{"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "po", "de", "ba", "gu", "ze", "fi", "ho", "ja"}
	word := func() string {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		return b.String()
	}
	vocab := make([]string, 4000)
	for i := range vocab {
		vocab[i] = word()
	}
	names := func(prefix string, k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = fmt.Sprintf("%s %s", prefix, strings.ToUpper(vocab[i][:1])+vocab[i][1:])
		}
		return out
	}
	persons, orgs, places := names("Person", 300), names("Org", 200), names("Place", 150)
	pick := func(from []string, k int) []string {
		out := make([]string, 0, k)
		for range k {
			if v := from[rng.IntN(len(from))]; !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	start := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]indexer.Article, n)
	for i := range out {
		var body strings.Builder
		for j := range 80 + rng.IntN(120) {
			if j > 0 {
				body.WriteByte(' ')
			}
			body.WriteString(vocab[int(rng.ExpFloat64()*600)%len(vocab)])
		}
		fmt.Fprintf(&body, " %s%s report.", uniquePrefix, base26(i))
		out[i] = indexer.Article{
			ID:            fmt.Sprintf("gen%05d", i),
			Title:         fmt.Sprintf("Report %d on %s and %s", i, vocab[rng.IntN(200)], vocab[rng.IntN(len(vocab))]),
			Body:          body.String(),
			Source:        fmt.Sprintf("Outlet %02d", rng.IntN(40)),
			Published:     start.AddDate(0, 0, rng.IntN(30*365)),
			Persons:       pick(persons, rng.IntN(4)),
			Organizations: pick(orgs, rng.IntN(3)),
			Places:        pick(places, rng.IntN(3)),
		}
	}
	return out
}

// base26 spells i in letters, so the unique tokens are words the analyzer
// keeps whole: 0 -> "aaaa".
func base26(i int) string {
	b := []byte("aaaa")
	for p := len(b) - 1; p >= 0 && i > 0; p-- {
		b[p] = byte('a' + i%26)
		i /= 26
	}
	return string(b)
}

// hostileServer serves the hostile fixture with the production defaults
// (10 MB body limit), logging into logs.
func hostileServer(t *testing.T, logs io.Writer) *Server {
	t.Helper()
	svc, err := hostileFixture()
	if err != nil {
		t.Fatalf("build the hostile fixture: %v", err)
	}
	s := New(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Options{})
	s.SetSearcher(withEntities(t, svc, nil))
	return s
}

// hostile is one hostile request and the statuses it may get.
type hostile struct {
	name    string
	method  string
	target  string
	body    []byte
	chunked bool // send the body without a Content-Length
	header  http.Header
	want    []int // acceptable statuses; every one below 500
}

// leakMarkers must never appear in a response: stack traces, source
// positions, file system paths, panics.
var leakMarkers = []string{"goroutine ", ".go:", "/work/", "/home/", "/tmp/", "/usr/", "/var/", "panic", "runtime error", "runtime."}

// check sends h and checks the answer: an expected status, never 5xx,
// within the budget, the JSON error shape on errors, nothing leaked. A
// request over the budget is sent once more, and fails only if slow both
// times: the machine running the tests may be busy with other work, but
// a slow path is slow every time.
func (h hostile) check(t *testing.T, srv http.Handler) time.Duration {
	t.Helper()
	got, b, took := h.send(srv)
	short := string(b[:min(len(b), 300)])
	if got.StatusCode >= 500 {
		t.Errorf("status %d, want < 500: %s", got.StatusCode, short)
	} else if !slices.Contains(h.want, got.StatusCode) {
		t.Errorf("status %d, want one of %v: %s", got.StatusCode, h.want, short)
	}
	budget := hostileBudget
	if strings.HasPrefix(h.target, "/api/v1/export") && got.StatusCode == http.StatusOK {
		budget = exportBudget // streams every match, by design
	}
	if took > budget {
		_, _, again := h.send(srv)
		t.Logf("took %s, budget %s; again: %s", took.Round(time.Millisecond), budget, again.Round(time.Millisecond))
		if again > budget {
			t.Errorf("took %s and %s, budget %s", took.Round(time.Millisecond), again.Round(time.Millisecond), budget)
		}
		took = min(took, again)
	}
	if got.StatusCode >= 400 { // a 200's body is article text, which may say anything
		for _, m := range leakMarkers {
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("response leaks %q: %s", m, short)
			}
		}
		if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("error Content-Type %q, want JSON", ct)
		}
		var e apiError
		if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Errorf("error body is not {\"error\":{\"code\",\"message\"}}: %v: %s", err, short)
		}
	}
	return took
}

// send serves h once and returns the response, its body and the time.
func (h hostile) send(srv http.Handler) (*http.Response, []byte, time.Duration) {
	method := cmp.Or(h.method, http.MethodGet)
	var body io.Reader
	if h.body != nil {
		body = bytes.NewReader(h.body)
	}
	req := httptest.NewRequest(method, h.target, body)
	if h.chunked {
		req.ContentLength = -1
	}
	for k, vs := range h.header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	start := time.Now()
	srv.ServeHTTP(rec, req)
	took := time.Since(start)
	return rec.Result(), rec.Body.Bytes(), took
}

// readEndpoint turns parameters into one read endpoint's request.
type readEndpoint struct {
	name  string
	build func(v url.Values) hostile
}

// getEndpoint is a GET of path with v as the query string; extra
// parameters are added unless v sets them.
func getEndpoint(name, path string, extra url.Values) readEndpoint {
	return readEndpoint{name, func(v url.Values) hostile {
		q := url.Values{}
		for k, vs := range extra {
			if _, ok := v[k]; !ok {
				q[k] = vs
			}
		}
		for k, vs := range v {
			q[k] = vs
		}
		return hostile{target: path + "?" + q.Encode()}
	}}
}

// jsonBody is v as the JSON object a POST /api/v1/search takes: one value
// as a string, repeated values as an array. Invalid UTF-8 survives as the
// raw bytes, which is what a hostile client would send.
func jsonBody(v url.Values) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	str := func(s string) {
		b.WriteByte('"')
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20:
				fmt.Fprintf(&b, `\u%04x`, c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
	}
	for k, vs := range v {
		if !first {
			b.WriteByte(',')
		}
		first = false
		str(k)
		b.WriteByte(':')
		if len(vs) == 1 {
			str(vs[0])
			continue
		}
		b.WriteByte('[')
		for i, s := range vs {
			if i > 0 {
				b.WriteByte(',')
			}
			str(s)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.Bytes()
}

var (
	searchGET  = getEndpoint("search GET", "/api/v1/search", nil)
	searchJSON = readEndpoint{"search POST json", func(v url.Values) hostile {
		return hostile{method: http.MethodPost, target: "/api/v1/search", body: jsonBody(v),
			header: http.Header{"Content-Type": {"application/json"}}}
	}}
	searchForm = readEndpoint{"search POST form", func(v url.Values) hostile {
		return hostile{method: http.MethodPost, target: "/api/v1/search", body: []byte(v.Encode()),
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}
	}}
	facetsGET = getEndpoint("facets", "/api/v1/facets/person", nil)
	kwicGET   = getEndpoint("kwic", "/api/v1/kwic", nil)
	exportGET = getEndpoint("export", "/api/v1/export", url.Values{"format": {"jsonl"}})
	// The entity list takes no query, but size like the others.
	entitiesGET = getEndpoint("entities", "/api/v1/entities", nil)
)

// queryEndpoints take a query and filters in the same way.
var queryEndpoints = []readEndpoint{searchGET, searchJSON, searchForm, facetsGET, kwicGET, exportGET}

const s200, s400 = http.StatusOK, http.StatusBadRequest

// nested is depth parentheses around a word.
func nested(depth int) string {
	return strings.Repeat("(", depth) + "report" + strings.Repeat(")", depth)
}

// orOf is n distinct words joined with OR.
func orOf(n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = uniquePrefix + base26(i)
	}
	return strings.Join(words, " OR ")
}

// phrasesWith is n two-word phrases, each with word, ORed.
func phrasesWith(word string, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = `"` + word + " " + uniquePrefix + base26(i) + `"`
	}
	return strings.Join(ps, " OR ")
}

// fuzzyMany is n fuzzy words that each expand to many index terms.
func fuzzyMany(n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = uniquePrefix + base26(i*7) + "~2"
	}
	return strings.Join(words, " OR ")
}

// hostileQueries are query strings and what every query endpoint must
// answer them with.
var hostileQueries = []struct {
	name string
	q    string
	want []int
}{
	{"leading wildcard", "*foo", []int{s400}},
	{"embedded wildcard", "f*o", []int{s400}},
	{"question mark wildcard", "?oo", []int{s200}},
	{"regexp", "/.*/", []int{s400}},
	{"regexp in field", "title:/[a-z]+/", []int{s200, s400}}, // a word of punctuation, not a regexp
	{"bare star", "*", []int{s400}},
	{"field star", "body:*", []int{s400}},
	{"fuzzy 99", "report~99", []int{s400}},
	{"fuzzy huge number", "report~99999999999999999999", []int{s400}},
	{"fuzzy on one letter", "a~2", []int{s200, s400}},
	{"fuzzy 2 on 40 short words", strings.TrimSpace(strings.Repeat("a~2 b~2 c~2 d~2 e~2 f~2 g~2 h~2 ", 5)), []int{s200, s400}},
	{"fuzzy 2 on 300 expanding words", fuzzyMany(300), []int{s400}},
	{"fuzzy 2 on 60 expanding words", fuzzyMany(60), []int{s400}},
	{"fuzzy 2 on 400 long words", strings.TrimSpace(strings.Repeat("qqqqqqq~2 ", 400)), []int{s400}},
	{"prefix expanding to thousands of terms", uniquePrefix + "*", []int{s400}},
	{"prefix of two letters", "ka*", []int{s200, s400}},
	{"many prefixes", strings.TrimSpace(strings.Repeat("ka* lo* mi* ne* ru* sa* ti* vo* ", 4)), []int{s200, s400}},
	{"one-letter prefix", "k*", []int{s400}},
	{"100 kB query", strings.Repeat("report ", 100<<10/7), []int{s400}},
	{"2000-term OR", orOf(2000), []int{s400}},
	{"600-term OR", orOf(600), []int{s200, s400}},
	{"10,000 nested parentheses", nested(10000), []int{s400}},
	{"nesting past max_depth", nested(40), []int{s400}},
	{"nesting at max_depth", nested(30), []int{s200}},
	{"unbalanced parentheses", strings.Repeat("(", 500), []int{s400}},
	{"NUL byte", "report\x00ambassador", []int{s400}},
	{"only NUL bytes", "\x00\x00\x00", []int{s200, s400}},
	{"invalid UTF-8", "report \xff\xfe\xfd", []int{s200, s400}},
	{"invalid UTF-8 prefix", "\xff\xfe*", []int{s200, s400}},
	{"invalid UTF-8 in phrase", "\"\xc3\x28 report\"", []int{s200, s400}},
	{"long phrase of a common word", "\"" + strings.Repeat("report on ", 400) + "\"", []int{s400}},
	{"phrases over a common word", phrasesWith("report", 150), []int{s200, s400}},
	{"fuzzy word no text holds", "reporx~1", []int{s200}},
	{"proximity too large", "\"report on\"~101", []int{s400}},
	{"proximity huge", "\"report on\"~99999999999999999999", []int{s400}},
	{"unclosed quote", "\"report", []int{s400}},
	{"stacked operators", "report AND OR NOT", []int{s400}},
	{"a thousand NOTs", strings.TrimSpace(strings.Repeat("-report ", 1000)), []int{s200, s400}},
	{"nested NOTs", strings.Repeat("-(", 30) + "report" + strings.Repeat(")", 30), []int{s200, s400}},
	{"date range open", "published:[* TO *]", []int{s200}},
	{"date range absurd", "published:[0000 TO 99999999]", []int{s400}},
	{"date range reversed", "published:[2020 TO 1990]", []int{s200, s400}},
	{"date range garbage", "published:[x TO y]", []int{s400}},
	{"unknown field", "secret:report", []int{s400}},
	{"boost syntax", "report^99999", []int{s200, s400}},
	{"one 4 kB word", strings.Repeat("k", 4000), []int{s200}},
	{"control characters", "report\r\n\t\v\f\x1b[31m", []int{s400}},
	{"white space controls", "report\r\n\tambassador", []int{s200}},
	{"escapes at the end", "report\\", []int{s400}},
	{"right-to-left override", "report \u202e tnemucod", []int{s200}},
}

// hostileParams are parameter sets (besides q) for one endpoint.
type hostileParam struct {
	name      string
	v         url.Values
	want      []int
	endpoints []readEndpoint
}

func hostileParams(cursorOther string) []hostileParam {
	searches := []readEndpoint{searchGET, searchJSON, searchForm}
	q := func(kv ...string) url.Values {
		v := url.Values{"q": {"report"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	absurd := []string{"-1", "99999999999999999999", "1e9", "1.5", "0x10", " 7", "NaN", "", "\x00", "１０"}
	var out []hostileParam
	for _, n := range absurd {
		want := []int{s400}
		if n == "" {
			want = []int{s200}
		}
		for _, p := range []struct {
			name      string
			endpoints []readEndpoint
		}{
			{"size", append(searches, facetsGET, entitiesGET)},
			{"from", searches},
			{"facet_size", searches},
			{"width", []readEndpoint{kwicGET}},
			{"limit", []readEndpoint{kwicGET}},
		} {
			v := q(p.name, n)
			if p.name == "facet_size" {
				v.Set("facets", "source")
			}
			out = append(out, hostileParam{fmt.Sprintf("%s=%q", p.name, n), v, want, p.endpoints})
		}
	}
	random := make([]byte, 64)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	b64 := base64.RawURLEncoding.EncodeToString
	out = append(out,
		hostileParam{"size over max_size", q("size", "101"), []int{s400}, append(searches, facetsGET, entitiesGET)},
		hostileParam{"from+size over max_offset", q("from", "995", "size", "10"), []int{s400}, searches},
		hostileParam{"facet_size over max", q("facets", "source", "facet_size", "101"), []int{s400}, searches},
		hostileParam{"width over max", q("width", "201"), []int{s400}, []readEndpoint{kwicGET}},
		hostileParam{"limit over max", q("limit", "5001"), []int{s400}, []readEndpoint{kwicGET}},
		hostileParam{"unknown sort", q("sort", "price"), []int{s400}, append(searches, facetsGET, kwicGET, exportGET)},
		hostileParam{"sort with NUL", q("sort", "date\x00"), []int{s400}, searches},
		hostileParam{"unknown histogram", q("histogram", "fortnight"), []int{s400}, searches},
		hostileParam{"unknown mode", q("mode", "boolean"), []int{s400}, append(searches, facetsGET, kwicGET, exportGET)},
		hostileParam{"mode invalid UTF-8", q("mode", "natural\xff"), []int{s400}, searches},
		hostileParam{"histogram invalid UTF-8", q("histogram", "\xff"), []int{s400}, searches},
		hostileParam{"unknown format", q("format", "xml"), []int{s400}, []readEndpoint{kwicGET, exportGET}},
		hostileParam{"format invalid UTF-8", q("format", "\xffcsv"), []int{s400}, []readEndpoint{kwicGET, exportGET}},
		hostileParam{"unknown text", q("text", "everything"), []int{s400}, []readEndpoint{exportGET}},
		hostileParam{"unknown facet", q("facets", "salary"), []int{s400}, searches},
		hostileParam{"facet named twice", q("facets", "source,source"), []int{s400}, searches},
		hostileParam{"ten thousand facet names", q("facets", strings.Repeat("source,person,", 5000)), []int{s400}, searches},
		hostileParam{"facet NUL", q("facets", "\x00"), []int{s400}, searches},
		hostileParam{"highlight not a bool", q("highlight", "maybe"), []int{s400}, searches},
		hostileParam{"compact not a bool", q("compact", "\xff"), []int{s400}, searches},
		hostileParam{"cursor of random bytes", q("cursor", string(random)), []int{s400}, searches},
		hostileParam{"cursor of base64 junk", q("cursor", b64(random)), []int{s400}, searches},
		hostileParam{"cursor of base64 JSON junk", q("cursor", b64([]byte(`{"v":1,"f":"0","a":[]}`))), []int{s400}, searches},
		hostileParam{"cursor of base64 deep JSON", q("cursor", b64([]byte(strings.Repeat("[", 3000)))), []int{s400}, searches},
		hostileParam{"cursor too long", q("cursor", strings.Repeat("A", 100<<10)), []int{s400}, searches},
		hostileParam{"cursor from another sort", q("cursor", cursorOther), []int{s400}, searches},
		hostileParam{"cursor from another query", url.Values{"q": {"ambassador"}, "sort": {"-date"}, "cursor": {cursorOther}}, []int{s400}, searches},
		hostileParam{"cursor from another filter", url.Values{"q": {"report"}, "sort": {"-date"}, "source": {"Outlet 01"}, "cursor": {cursorOther}}, []int{s400}, searches},
		hostileParam{"cursor and from", url.Values{"q": {"report ambassador"}, "cursor": {cursorOther}, "from": {"10"}}, []int{s400}, searches},
		hostileParam{"cursor on export", q("cursor", cursorOther), []int{s400}, []readEndpoint{exportGET}},
		hostileParam{"from on export", q("from", "10"), []int{s400}, []readEndpoint{exportGET}},
		hostileParam{"filter value NUL", q("source", "\x00"), []int{s200}, queryEndpoints},
		hostileParam{"filter value invalid UTF-8", q("person", "\xff\xfe", "org", "\xc3\x28"), []int{s200}, queryEndpoints},
		hostileParam{"filter value 100 kB", q("place", strings.Repeat("x", 100<<10)), []int{s200, s400}, queryEndpoints},
		hostileParam{"2,000 filter values", url.Values{"q": {"report"}, "source": strings.Split(strings.Repeat("Outlet 01,", 2000), ",")[:2000]}, []int{s400}, queryEndpoints},
		hostileParam{"date garbage", q("from_date", "yesterday"), []int{s400}, queryEndpoints},
		hostileParam{"date year 99999", q("to_date", "99999-01-01"), []int{s400}, queryEndpoints},
		hostileParam{"date NUL", q("from_date", "2019-01-01\x00"), []int{s400}, queryEndpoints},
		hostileParam{"dates reversed", q("from_date", "2020-01-01", "to_date", "1990-01-01"), []int{s400}, queryEndpoints},
		hostileParam{"dates at the ends of time", q("from_date", "0001-01-01", "to_date", "9999-12-31"), []int{s200}, queryEndpoints},
		hostileParam{"dates after the end of time", q("from_date", "9000-01-01"), []int{s200}, queryEndpoints},
		hostileParam{"facet prefix 100 kB", q("prefix", strings.Repeat("p", 100<<10)), []int{s400}, []readEndpoint{facetsGET}},
		hostileParam{"facet prefix regexp syntax", q("prefix", `.*(?:[`), []int{s200}, []readEndpoint{facetsGET}},
		hostileParam{"facet prefix invalid UTF-8", q("prefix", "\xff"), []int{s200, s400}, []readEndpoint{facetsGET}},
		hostileParam{"unknown parameters", q("debug", "1", "explain", "true", "__proto__", "x"), []int{s200}, append(queryEndpoints, entitiesGET)},
		hostileParam{"a thousand unknown parameters", func() url.Values {
			v := q()
			for i := range 1000 {
				v.Set(fmt.Sprintf("p%d", i), "x")
			}
			return v
		}(), []int{s200}, append(queryEndpoints, entitiesGET)},
		hostileParam{"entity type unknown", url.Values{"type": {"salary"}}, []int{s400}, []readEndpoint{entitiesGET}},
		hostileParam{"entity type NUL", url.Values{"type": {"person\x00"}}, []int{s400}, []readEndpoint{entitiesGET}},
		hostileParam{"entity type invalid UTF-8", url.Values{"type": {"\xff"}}, []int{s400}, []readEndpoint{entitiesGET}},
		hostileParam{"entity type twice", url.Values{"type": {"person", "org"}}, []int{s200}, []readEndpoint{entitiesGET}},
		hostileParam{"entity prefix 100 kB", url.Values{"prefix": {strings.Repeat("p", 100<<10)}}, []int{s400}, []readEndpoint{entitiesGET}},
		hostileParam{"entity prefix NUL", url.Values{"prefix": {"Kim\x00"}}, []int{s400}, []readEndpoint{entitiesGET}},
		hostileParam{"entity prefix invalid UTF-8", url.Values{"prefix": {"\xff\xfe"}}, []int{s400}, []readEndpoint{entitiesGET}},
		hostileParam{"entity prefix regexp syntax", url.Values{"prefix": {`.*(?:[`}}, []int{s200}, []readEndpoint{entitiesGET}},
		hostileParam{"entity prefix query syntax", url.Values{"prefix": {`person:* OR "`}}, []int{s200}, []readEndpoint{entitiesGET}},
	)
	return out
}

// TestHostileInput drives every read endpoint with the hostile inputs of
// issue 9 and checks each gets a 4xx (or a fast, bounded 200), never a
// 5xx, with the JSON error shape and no internals, within the budget.
func TestHostileInput(t *testing.T) {
	var logs syncBuffer
	srv := hostileServer(t, &logs)

	// A real cursor, of another sort, to replay.
	var first search.Result
	rec := get(t, srv, "/api/v1/search?q=report&sort=-date&size=1")
	if rec.Code != http.StatusOK {
		t.Fatalf("cursor search: %d %s", rec.Code, rec.Body)
	}
	decode(t, rec, &first)
	if first.NextCursor == "" {
		t.Fatal("no cursor to replay")
	}
	cursorOther := first.NextCursor

	var cases []hostile
	for _, hq := range hostileQueries {
		for _, ep := range queryEndpoints {
			c := ep.build(url.Values{"q": {hq.q}})
			c.name, c.want = "q "+hq.name+"/"+ep.name, hq.want
			cases = append(cases, c)
		}
	}
	// Natural mode reads the same text as plain words, ORed and ranked,
	// with relevance feedback: never a syntax error, but just as bounded.
	for _, hq := range hostileQueries {
		for _, ep := range []readEndpoint{searchGET, kwicGET} {
			c := ep.build(url.Values{"q": {hq.q}, "mode": {"natural"}})
			c.name, c.want = "natural "+hq.name+"/"+ep.name, []int{s200, s400}
			cases = append(cases, c)
		}
	}
	for _, hp := range hostileParams(cursorOther) {
		for _, ep := range hp.endpoints {
			c := ep.build(hp.v)
			c.name, c.want = hp.name+"/"+ep.name, hp.want
			cases = append(cases, c)
		}
	}
	cases = append(cases, hostileRequests()...)

	var slowest time.Duration
	var slowestName string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if took := c.check(t, srv); took > slowest {
				slowest, slowestName = took, c.name
			}
		})
	}
	t.Logf("%d hostile requests; slowest %s: %s", len(cases), slowestName, slowest.Round(time.Millisecond))
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Errorf("error logged: %s", line)
		}
	}
}

// hostileRequests are the hostile requests that are not parameter values:
// paths, bodies, headers.
func hostileRequests() []hostile {
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	post := func(name, ct string, body []byte, want ...int) hostile {
		h := hostile{name: name, method: http.MethodPost, target: "/api/v1/search", body: body, want: want}
		if ct != "" {
			h.header = http.Header{"Content-Type": {ct}}
		}
		return h
	}
	huge := append(append([]byte(`{"q":"`), bytes.Repeat([]byte("a"), 11<<20)...), `"}`...)
	flood := http.Header{}
	for i := range 10000 {
		flood.Set(fmt.Sprintf("X-Flood-%d", i), "x")
	}
	out := []hostile{
		{name: "article id NUL", target: "/api/v1/articles/" + url.PathEscape("\x00"), want: []int{404}},
		{name: "article id invalid UTF-8", target: "/api/v1/articles/" + url.PathEscape("\xff\xfe"), want: []int{404}},
		{name: "article id 100 kB", target: "/api/v1/articles/" + strings.Repeat("x", 100<<10), want: []int{404, 400}},
		{name: "article id wildcard", target: "/api/v1/articles/*", want: []int{404}},
		{name: "article id query syntax", target: "/api/v1/articles/" + url.PathEscape("gen00001 OR *"), want: []int{404}},
		{name: "article id path traversal", target: "/api/v1/articles/..%2F..%2F..%2Fetc%2Fpasswd", want: []int{301, 307, 404}},
		{name: "article id dot dot", target: "/api/v1/articles/..", want: []int{301, 307, 404}},
		{name: "unknown facet field", target: "/api/v1/facets/salary?q=report", want: []int{s400}},
		{name: "facet field NUL", target: "/api/v1/facets/" + url.PathEscape("\x00"), want: []int{s400}},
		{name: "facet field invalid UTF-8", target: "/api/v1/facets/" + url.PathEscape("\xff"), want: []int{s400}},
		post("huge JSON body", "application/json", huge, http.StatusRequestEntityTooLarge),
		{name: "huge chunked JSON body", method: http.MethodPost, target: "/api/v1/search", body: huge, chunked: true, header: jsonCT, want: []int{http.StatusRequestEntityTooLarge}},
		post("huge form body", "application/x-www-form-urlencoded", append([]byte("q="), bytes.Repeat([]byte("a"), 11<<20)...), http.StatusRequestEntityTooLarge),
		post("9 MB query in JSON", "application/json", append(append([]byte(`{"q":"`), bytes.Repeat([]byte("report "), 9<<20/7)...), `"}`...), s400),
		post("JSON nested 100,000 arrays deep", "application/json", []byte(`{"q":`+strings.Repeat("[", 100000)+strings.Repeat("]", 100000)+`}`), s400),
		post("JSON nested 5,000 arrays deep", "application/json", []byte(`{"q":`+strings.Repeat("[", 5000)+`"report"`+strings.Repeat("]", 5000)+`}`), s400),
		post("JSON nested 5,000 objects deep", "application/json", []byte(`{"q":`+strings.Repeat(`{"a":`, 5000)+`1`+strings.Repeat("}", 5000)+`}`), s400),
		post("JSON array", "application/json", []byte(`["report"]`), s400),
		post("JSON string", "application/json", []byte(`"report"`), s400),
		post("JSON null", "application/json", []byte(`null`), s200),
		post("JSON truncated", "application/json", []byte(`{"q":"rep`), s400),
		post("JSON trailing garbage", "application/json", []byte(`{"q":"report"} xyz`), s200, s400),
		post("JSON number q", "application/json", []byte(`{"q":1e999}`), s200),
		post("JSON number size", "application/json", []byte(`{"q":"report","size":1e999}`), s400),
		post("JSON negative size", "application/json", []byte(`{"q":"report","size":-1}`), s400),
		post("JSON object as facet", "application/json", []byte(`{"q":"report","facets":["source",{"a":1}]}`), s400),
		post("JSON invalid UTF-8", "application/json", []byte("{\"q\":\"report \xff\xfe\"}"), s200, s400),
		post("JSON NUL", "application/json", []byte(`{"q":"report\u0000"}`), s400),
		post("JSON duplicate keys", "application/json", []byte(`{"q":"report","q":"*foo"}`), s400),
		post("JSON 100,000 keys", "application/json", []byte(`{`+strings.Repeat(`"k":1,`, 100000)+`"q":"report"}`), s200),
		post("JSON 100,000 facets", "application/json", []byte(`{"q":"report","facets":[`+strings.Repeat(`"source",`, 100000)+`"person"]}`), s400),
		post("Content-Type text/plain", "text/plain", []byte("q=report"), s400),
		post("Content-Type XML", "application/xml", []byte("<q>report</q>"), s400),
		post("Content-Type garbage", ";;;==", []byte("q=report"), s200, s400),
		post("Content-Type multipart without boundary", "multipart/form-data", []byte("q=report"), s200, s400),
		post("Content-Type JSON with a form body", "application/json", []byte("q=report"), s400),
		post("form with bad escapes", "application/x-www-form-urlencoded", []byte("q=%zz%"), s400),
		post("no Content-Type", "", []byte("q=report"), s200),
		{name: "header flood", target: "/api/v1/search?q=report", header: flood, want: []int{s200}},
		{name: "1 MB request id", target: "/api/v1/search?q=report", header: http.Header{"X-Request-Id": {strings.Repeat("r", 1<<20)}}, want: []int{s200}},
		{name: "1 MB authorization", target: "/api/v1/search?q=report", header: http.Header{"Authorization": {"Bearer " + strings.Repeat("k", 1<<20)}}, want: []int{s200, 401}},
		{name: "1 MB origin", target: "/api/v1/search?q=report", header: http.Header{"Origin": {"https://" + strings.Repeat("o", 1<<20)}}, want: []int{s200, 403}},
		{name: "1 MB forwarded-for", target: "/api/v1/search?q=report", header: http.Header{"X-Forwarded-For": {strings.Repeat("1.2.3.4, ", 1<<17)}}, want: []int{s200}},
		{name: "1 MB accept-encoding", target: "/api/v1/search?q=report", header: http.Header{"Accept-Encoding": {strings.Repeat("gzip;q=0.1, ", 1<<16)}}, want: []int{s200}},
		{name: "unknown method", method: "PROPFIND", target: "/api/v1/search?q=report", want: []int{404, 405}},
		{name: "DELETE on search", method: http.MethodDelete, target: "/api/v1/search?q=report", want: []int{405}},
		{name: "query string with bad escapes", target: "/api/v1/search?q=%zz&size=%", want: []int{s200, s400}},
		{name: "query string of 100,000 parameters", target: "/api/v1/search?" + strings.Repeat("a=1&", 100000) + "q=report", want: []int{s200}},
		// The entity corrections are writes: without admin keys (as here)
		// they are refused before the body is read.
		{name: "entity merge without admin keys", method: http.MethodPost, target: "/api/v1/entities/merge", header: jsonCT,
			body: []byte(`{"type":"person","names":["a"],"into":"b"}`), want: []int{403}},
		{name: "entity merge, huge body", method: http.MethodPost, target: "/api/v1/entities/merge", header: jsonCT, body: huge,
			want: []int{403, http.StatusRequestEntityTooLarge}},
		{name: "entity export without admin keys", target: "/api/v1/entities/export", want: []int{403}},
		{name: "GET on entity merge", target: "/api/v1/entities/merge", want: []int{405}},
		{name: "DELETE on entities", method: http.MethodDelete, target: "/api/v1/entities", want: []int{405}},
		{name: "entity list with a 1 MB authorization", target: "/api/v1/entities", header: http.Header{"Authorization": {"Bearer " + strings.Repeat("k", 1<<20)}}, want: []int{s200, 401}},
	}
	return out
}

// TestHeaderFloodOverTheWire sends more header bytes than serve allows
// (http.Server.MaxHeaderBytes 64 KiB, cmd/newsdex/serve.go) to a real
// listener set up the same way: the server refuses with 431 before any
// handler runs.
func TestHeaderFloodOverTheWire(t *testing.T) {
	var logs syncBuffer
	ts := httptest.NewUnstartedServer(hostileServer(t, &logs))
	ts.Config.MaxHeaderBytes = 64 << 10
	ts.Start()
	t.Cleanup(ts.Close)
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/search?q=report", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 16 {
		req.Header.Set(fmt.Sprintf("X-Flood-%d", i), strings.Repeat("f", 8<<10))
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want 431", resp.StatusCode)
	}
	if took := time.Since(start); took > hostileBudget {
		t.Errorf("took %s", took)
	}
}

// TestTermExpansionBounded checks that a prefix matching thousands of
// index terms is refused quickly with a message that says why, on every
// endpoint that searches.
func TestTermExpansionBounded(t *testing.T) {
	var logs syncBuffer
	srv := hostileServer(t, &logs)
	for _, ep := range queryEndpoints {
		for _, q := range []string{uniquePrefix + "*", "title:report OR " + uniquePrefix + "*", fuzzyMany(60)} {
			t.Run(ep.name+"/"+truncate(q, 30), func(t *testing.T) {
				c := ep.build(url.Values{"q": {q}})
				resp, body, took := c.send(srv)
				if took > time.Second { // once more: the machine may be busy
					resp, body, took = c.send(srv)
				}
				if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("too many index terms")) {
					t.Errorf("status %d %s, want 400 too many index terms", resp.StatusCode, body)
				}
				if took > time.Second {
					t.Errorf("took %s, want well under a second", took)
				}
			})
		}
	}
}

// syncBuffer is a bytes.Buffer a logger may write to from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// skipWithoutData skips a test when a shared data file is absent.
func skipWithoutData(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not available: %v", path, err)
	}
}

// FuzzReadEndpoints sends arbitrary query strings, bodies and content
// types to every read endpoint over the built-in corpus: whatever arrives,
// the answer is never a 5xx, and errors have the JSON error shape.
func FuzzReadEndpoints(f *testing.F) {
	f.Add(uint8(0), "q=ambassador&facets=source,person&histogram=month", []byte(nil), "")
	f.Add(uint8(1), "", []byte(`{"q":"rice","size":5,"facets":["place"]}`), "application/json")
	f.Add(uint8(2), "q=kim*&prefix=Ki&size=3", []byte(nil), "")
	f.Add(uint8(3), "q=ambassador&width=20&limit=5&format=csv", []byte(nil), "")
	f.Add(uint8(4), "q=%22North+Korea%22&format=jsonl&text=full", []byte(nil), "")
	f.Add(uint8(5), "", []byte("q=a&size=-1"), "application/x-www-form-urlencoded")
	f.Add(uint8(6), "cursor=eyJ2IjoxfQ&from_date=2019&to_date=1", []byte(nil), "")
	f.Add(uint8(8), "type=person&prefix=Ki&size=3", []byte(nil), "")
	s := New(slog.New(slog.DiscardHandler), Options{MaxBodyBytes: 1 << 16})
	s.SetSearcher(withEntities(f, seedService(f), nil))
	f.Fuzz(func(t *testing.T, route uint8, rawQuery string, body []byte, ctype string) {
		routes := []struct{ method, path string }{
			{http.MethodGet, "/api/v1/search"}, {http.MethodPost, "/api/v1/search"},
			{http.MethodGet, "/api/v1/facets/person"}, {http.MethodGet, "/api/v1/kwic"},
			{http.MethodGet, "/api/v1/export"}, {http.MethodPost, "/api/v1/search"},
			{http.MethodGet, "/api/v1/articles/" + url.PathEscape(rawQuery)},
			{http.MethodGet, "/api/v1/facets/" + url.PathEscape(rawQuery)},
			{http.MethodGet, "/api/v1/entities"},
		}
		r := routes[int(route)%len(routes)]
		var rd io.Reader
		if r.method == http.MethodPost {
			rd = bytes.NewReader(body)
		}
		req := httptest.NewRequest(r.method, r.path, rd)
		req.URL.RawQuery = rawQuery
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%q (%q, %q): status %d: %s", r.method, r.path, rawQuery, ctype, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Code != http.StatusMethodNotAllowed {
			var e apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" {
				t.Fatalf("status %d without the JSON error shape: %s", rec.Code, rec.Body)
			}
		}
	})
}
