package search

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/indexer"
	"newsdex/search/count"
)

// benchQueries are the peer benchmark's queries (../shared/bench), or a
// few of the same kind when that directory is absent.
func benchQueries(b *testing.B) []string {
	path := "../../shared/bench/queries.txt"
	if p := os.Getenv("NEWSDEX_BENCH_QUERIES"); p != "" {
		path = p // e.g. exact phrases and prefixes, to time their searchers
	}
	f, err := os.Open(path)
	if err != nil {
		return []string{"ambassador", "rice harvest", `"acting ambassador"`, "north korea", "election"}
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if q := strings.TrimSpace(sc.Text()); q != "" {
			qs = append(qs, q)
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return qs
}

// reutersService serves Reuters-21578 from an on-disk index: the one named
// by NEWSDEX_BENCH_INDEX if set (to reuse a built index), else one built
// here through the production ingest path.
func reutersService(b *testing.B, lim Limits) *Service {
	logger := slog.New(slog.DiscardHandler)
	dir := os.Getenv("NEWSDEX_BENCH_INDEX")
	if dir == "" {
		corpus := "../../shared/data/reuters21578.jsonl"
		if _, err := os.Stat(corpus); err != nil {
			b.Skipf("Reuters corpus not available at %s: %v", corpus, err)
		}
		dir = filepath.Join(b.TempDir(), "idx")
		idx, _, err := indexer.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, testAliases(b), nil)
		if _, err := ing.Ingest(context.Background(), indexer.PathSource([]string{corpus}, func(p string, err error) { b.Fatal(p, err) })); err != nil {
			b.Fatal(err)
		}
		if err := idx.Close(); err != nil {
			b.Fatal(err)
		}
	}
	idx, err := indexer.OpenReadOnly(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	svc, err := NewService(idx, lim, logger, testAliases(b))
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// uiRequest is a search as the web UI sends it: first page, four facets,
// monthly counts, highlighted snippets.
func uiRequest(q string) Request {
	return Request{Query: q, Size: 10, FacetSize: 10, Facets: []string{FacetSource, FacetPerson, FacetOrg, FacetPlace},
		Histogram: "month", Highlight: true}
}

// BenchmarkSearchUI runs the peer benchmark's queries as the web UI sends
// them; one op is one query, cycling through the list. "nocache" turns the
// result cache off, so every op does the whole search; "cache" is the
// service as configured by default, where repeats are cache hits. The
// Reuters cases are skipped with -short.
func BenchmarkSearchUI(b *testing.B) {
	queries := benchQueries(b)
	cases := []struct {
		name string
		svc  func(*testing.B, Limits) *Service
	}{
		{"seed", func(b *testing.B, lim Limits) *Service {
			svc := newTestService(b)
			svc.results = newResultCache(lim.ResultCache)
			return svc
		}},
		{"reuters", func(b *testing.B, lim Limits) *Service {
			if testing.Short() {
				b.Skip("builds a Reuters-21578 index; skipped with -short")
			}
			return reutersService(b, lim)
		}},
	}
	for _, c := range cases {
		for _, cache := range []struct {
			name string
			size int
		}{{"nocache", -1}, {"cache", 0}} {
			b.Run(c.name+"/"+cache.name, func(b *testing.B) {
				svc := c.svc(b, Limits{ResultCache: cache.size})
				ctx := context.Background()
				if err := svc.Warm(ctx); err != nil { // as serve does at startup
					b.Fatal(err)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := svc.Search(ctx, uiRequest(queries[i%len(queries)])); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// BenchmarkCounting compares, for single queries, Bleve's own facets and
// id tie-break with the service's search hook (search/count): the same
// request (four facets, the day facet, relevance order with the id
// tie-break) run by Bleve alone and through runCounted, and the bare
// search for reference. Reuters, or the index NEWSDEX_BENCH_INDEX names;
// skipped with -short.
func BenchmarkCounting(b *testing.B) {
	if testing.Short() {
		b.Skip("needs a built index; skipped with -short")
	}
	svc := reutersService(b, Limits{ResultCache: -1})
	if err := svc.Warm(context.Background()); err != nil {
		b.Fatal(err)
	}
	request := func(q string, facets, id bool) *bleve.SearchRequest {
		var bq query.Query = bleve.NewMatchAllQuery()
		if q != "" {
			mq := bleve.NewMatchQuery(q)
			mq.SetField(indexer.FieldBody)
			bq = mq
		}
		r := bleve.NewSearchRequestOptions(bq, 10, 0, false)
		r.Fields = storedFields
		if id {
			r.SortByCustom(bsearch.SortOrder{&bsearch.SortScore{Desc: true}, &bsearch.SortDocID{}})
		}
		if facets {
			for _, f := range []string{indexer.FieldSource, indexer.FieldPersons, indexer.FieldOrganizations, indexer.FieldPlaces} {
				r.AddFacet(f, bleve.NewFacetRequest(f, 10))
			}
			r.AddFacet(count.HistogramFacet, count.DaysFacet())
		}
		return r
	}
	ctx := context.Background()
	for _, q := range []string{"coffee", "oil", "said", ""} {
		for _, c := range []struct {
			name string
			run  func() (*bleve.SearchResult, error)
		}{
			{"bleve", func() (*bleve.SearchResult, error) { return svc.idx.SearchInContext(ctx, request(q, true, true)) }},
			{"hook", func() (*bleve.SearchResult, error) {
				res, _, err := svc.runCounted(ctx, request(q, true, true))
				return res, err
			}},
			{"bare", func() (*bleve.SearchResult, error) { return svc.idx.SearchInContext(ctx, request(q, false, false)) }},
		} {
			b.Run(fmt.Sprintf("q=%q/%s", q, c.name), func(b *testing.B) {
				b.ReportAllocs()
				var total uint64
				for b.Loop() {
					res, err := c.run()
					if err != nil {
						b.Fatal(err)
					}
					total = res.Total
				}
				b.ReportMetric(float64(total), "matches")
			})
		}
	}
}
