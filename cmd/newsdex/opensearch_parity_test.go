package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"newsdex/indexer"
	"newsdex/search"
	"newsdex/search/opensearch/ostest"
)

// reader is what the parity suite asks both backends.
type reader interface {
	Search(ctx context.Context, req search.Request) (*search.Result, error)
	FacetValues(ctx context.Context, facet, prefix string, req search.Request, size int) ([]search.FacetValue, error)
	Export(ctx context.Context, req search.Request, emit func(total uint64, h search.Hit) error) (uint64, error)
	KWIC(ctx context.Context, req search.Request, width, limit int) (*search.KWICResult, error)
	Article(ctx context.Context, id string) (*indexer.Article, error)
	Stats(ctx context.Context) (search.Stats, error)
}

// parityBackends indexes files with the real binary's index command into
// a fresh Bleve index and a fresh, uniquely named OpenSearch index (3
// shards, so that exact counts across shards are tested), and returns a
// reader over each.
func parityBackends(t *testing.T, flags []string, files ...string) (bl, os_ reader) {
	t.Helper()
	urls := ostest.URLs(t)
	ostest.Steady(t) // no test kills a node meanwhile
	ctx := t.Context()
	dir := t.TempDir()
	name := fmt.Sprintf("parity-%d", time.Now().UnixNano())
	// NEWSDEX_PARITY_REUSE=DIR keeps both indexes of each test in a
	// folder of DIR and the index parity-reuse-TEST between runs, for
	// working on the suite itself.
	reuse := os.Getenv("NEWSDEX_PARITY_REUSE")
	if reuse != "" {
		// One pair of indexes per test: the subtests index different corpora.
		id := strings.ToLower(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
		dir, name = filepath.Join(reuse, id), "parity-reuse-"+id
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_, statErr := os.Stat(filepath.Join(dir, "index"))
	indexed := reuse != "" && statErr == nil
	write := func(file, yaml string) string {
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	blCfg := write("bleve.yaml", "index:\n  dir: "+filepath.Join(dir, "index")+"\nsearch:\n  timeout: 2m\nlog:\n  level: warn\n")
	osCfg := write("os.yaml", "index:\n  dir: "+filepath.Join(dir, "state")+"\n  backend: opensearch\n  opensearch:\n    urls: ["+
		strings.Join(urls, ", ")+"]\n    name: "+name+"\n    shards: 3\n    replicas: 1\nsearch:\n  timeout: 2m\nlog:\n  level: warn\n")
	for _, cfgPath := range []string{blCfg, osCfg} {
		if indexed {
			break
		}
		var out, errb bytes.Buffer
		start := time.Now()
		args := append(append([]string{"index", "--config", cfgPath}, flags...), files...)
		if err := run(ctx, args, &out, &errb); err != nil {
			t.Fatalf("index with %s: %v\n%s", filepath.Base(cfgPath), err, errb.String())
		}
		t.Logf("%s: %s (%.1f s)", filepath.Base(cfgPath), strings.TrimSpace(out.String()), time.Since(start).Seconds())
	}
	logger := slog.New(slog.DiscardHandler)

	cfg, err := loadConfig(blCfg)
	if err != nil {
		t.Fatal(err)
	}
	idx, _, err := indexer.Open(cfg.Index.Dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	aliases, err := loadAliases(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bsvc, err := search.NewService(idx, searchLimits(cfg), logger, aliases)
	if err != nil {
		t.Fatal(err)
	}

	ocfg, err := loadConfig(osCfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := openSearchClient(ctx, ocfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if reuse != "" {
			c.Close()
			return
		}
		if err := c.DeleteIndex(context.Background()); err != nil {
			t.Errorf("delete index %s: %v", name, err)
		}
		c.Close()
	})
	osvc, err := openSearchService(ocfg, c, logger)
	if err != nil {
		t.Fatal(err)
	}
	return bsvc, osvc
}

// parityCase is one request; ordered says whether the hits' order is
// the same on both backends (date sorts), so hits are compared too.
type parityCase struct {
	name string
	req  search.Request
}

// hitsOf drops what may differ between backends: the score, and the
// entity names when the entity tables are not compared.
func hitsOf(hs []search.Hit, entities bool) []search.Hit {
	out := make([]search.Hit, len(hs))
	for i, h := range hs {
		h.Score = 0
		if !entities {
			h.Persons, h.Organizations, h.Places = nil, nil, nil
		}
		out[i] = h
	}
	return out
}

// facetsOf keeps the outlet facet alone when entities are not compared.
func facetsOf(f map[string][]search.FacetValue, entities bool) map[string][]search.FacetValue {
	if entities {
		return f
	}
	return map[string][]search.FacetValue{search.FacetSource: f[search.FacetSource]}
}

// compareBackends runs every case against both and reports each
// difference in totals, facets, histograms, date-ordered hits, exports,
// KWIC and facet values.
//
// With entities false, the person, org and place facets and the hits'
// entity names are left out: they come from each backend's entity table,
// which Bleve resolves from its term dictionaries' counts, and those
// under-count on a multi-segment index (README, "What differs").
func compareBackends(t *testing.T, bl, osr reader, cases []parityCase, entities bool) {
	ctx := t.Context()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Facets = []string{search.FacetSource, search.FacetPerson, search.FacetOrg, search.FacetPlace}
			req.FacetSize = 25
			req.Histogram = "month"
			req.Highlight = true
			want, err := bl.Search(ctx, req)
			if err != nil {
				t.Fatalf("bleve: %v", err)
			}
			got, err := osr.Search(ctx, req)
			if err != nil {
				t.Fatalf("opensearch: %v", err)
			}
			if want.Total != got.Total {
				t.Errorf("total: bleve %d, opensearch %d", want.Total, got.Total)
			}
			if diff := cmp.Diff(facetsOf(want.Facets, entities), facetsOf(got.Facets, entities), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("facets (-bleve +opensearch):\n%s", diff)
			}
			if diff := cmp.Diff(want.Histogram, got.Histogram, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("histogram (-bleve +opensearch):\n%s", diff)
			}
			if req.Sort != search.SortRelevance && req.Sort != "" {
				if diff := cmp.Diff(hitsOf(want.Hits, entities), hitsOf(got.Hits, entities), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("hits in date order (-bleve +opensearch):\n%s", diff)
				}
			}
			// Every match, in date order, through each backend's cursor.
			ex := req
			ex.Sort, ex.Facets, ex.Histogram, ex.Highlight = search.SortDate, nil, "", false
			exportOf := func(r reader) ([]string, uint64) {
				var ids []string
				total, err := r.Export(ctx, ex, func(_ uint64, h search.Hit) error {
					ids = append(ids, h.ID)
					return nil
				})
				if err != nil {
					t.Fatalf("export: %v", err)
				}
				return ids, total
			}
			wantIDs, wantN := exportOf(bl)
			gotIDs, gotN := exportOf(osr)
			if wantN != gotN || len(wantIDs) != int(wantN) {
				t.Errorf("export totals: bleve %d (%d rows), opensearch %d (%d rows)", wantN, len(wantIDs), gotN, len(gotIDs))
			}
			if diff := cmp.Diff(wantIDs, gotIDs, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("export ids (-bleve +opensearch):\n%s", diff)
			}
			kw := ex
			wk, err := bl.KWIC(ctx, kw, 40, 200)
			if err != nil {
				t.Fatalf("bleve kwic: %v", err)
			}
			gk, err := osr.KWIC(ctx, kw, 40, 200)
			if err != nil {
				t.Fatalf("opensearch kwic: %v", err)
			}
			// KWIC stops reading after a time budget (Truncated): on a busy
			// machine the two may read different numbers of articles, and
			// the shorter list is then the start of the longer.
			wl, gl := wk.Lines, gk.Lines
			if wk.Truncated || gk.Truncated {
				n := min(len(wl), len(gl))
				wl, gl = wl[:n], gl[:n]
			}
			if diff := cmp.Diff(wl, gl, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("kwic lines (-bleve +opensearch):\n%s", diff)
			}
			if wk.Total != gk.Total {
				t.Errorf("kwic total: bleve %d, opensearch %d", wk.Total, gk.Total)
			}
			facets := []string{search.FacetSource}
			if entities {
				facets = append(facets, search.FacetPerson, search.FacetPlace)
			}
			for _, f := range facets {
				for _, prefix := range []string{"", "k", "new"} {
					w, err := bl.FacetValues(ctx, f, prefix, tc.req, 20)
					if err != nil {
						t.Fatalf("bleve facet values: %v", err)
					}
					g, err := osr.FacetValues(ctx, f, prefix, tc.req, 20)
					if err != nil {
						t.Fatalf("opensearch facet values: %v", err)
					}
					if diff := cmp.Diff(w, g, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("facet values %s %q (-bleve +opensearch):\n%s", f, prefix, diff)
					}
				}
			}
		})
	}
}

// commonCases are requests that mean something on any news corpus: each
// construct of the query language, each filter, dedup.
func commonCases(top search.Result) []parityCase {
	first := func(facet string) string {
		if vs := top.Facets[facet]; len(vs) > 0 {
			return vs[0].Value
		}
		return "none"
	}
	second := func(facet string) string {
		if vs := top.Facets[facet]; len(vs) > 1 {
			return vs[1].Value
		}
		return first(facet)
	}
	return []parityCase{
		{"all by date", search.Request{Sort: search.SortDate}},
		{"all newest first", search.Request{Sort: search.SortDateDesc, Size: 25}},
		{"word", search.Request{Query: "president"}},
		{"two words", search.Request{Query: "north korea", Sort: search.SortDate}},
		{"or and not", search.Request{Query: "(oil OR gas) AND NOT price"}},
		{"must in or", search.Request{Query: "+government tax OR budget"}},
		{"not only", search.Request{Query: "-the -government", Sort: search.SortDateDesc}},
		{"stop word and", search.Request{Query: "the AND war"}},
		{"phrase", search.Request{Query: `"united states"`, Sort: search.SortDate}},
		{"phrase with stop word", search.Request{Query: `"president of the"`}},
		{"proximity", search.Request{Query: `"oil prices"~3`}},
		{"prefix", search.Request{Query: "immigra* OR defect*"}},
		{"prefix in phrase", search.Request{Query: `"north korea*"`, Sort: search.SortDate}},
		{"exact word", search.Request{Query: "=running OR =talks"}},
		{"exact phrase", search.Request{Query: `="interest rates" OR ="acting ambassador"`}},
		{"fuzzy", search.Request{Query: "ambasador~1 OR goverment~"}},
		{"title field", search.Request{Query: "title:oil OR title:ambassador"}},
		{"body phrase", search.Request{Query: `body:"said on"`}},
		{"person field", search.Request{Query: "person:kim OR person:baker"}},
		{"place field", search.Request{Query: "place:seoul OR place:japan"}},
		{"date range", search.Request{Query: "published:[1987-03-01 TO 1987-03-15] OR published:[2019-01 TO 2019-02]", Sort: search.SortDate}},
		{"source filter", search.Request{Filters: search.Filters{Sources: []string{first("source"), second("source")}}, Sort: search.SortDate}},
		{"person filter", search.Request{Filters: search.Filters{Persons: []string{first("person")}}}},
		{"org and place filters", search.Request{Filters: search.Filters{Orgs: []string{first("org")}, Places: []string{first("place"), second("place")}}}},
		{"date filter", search.Request{Filters: search.Filters{FromDate: time.Date(1987, 3, 5, 0, 0, 0, 0, time.UTC), ToDate: time.Date(2019, 1, 31, 0, 0, 0, 0, time.UTC)}, Sort: search.SortDateDesc}},
		{"with", search.Request{With: []string{"place:" + first("place")}, Query: "said"}},
	}
}

// dedupCase is compared on the built-in corpus only: on a large archive
// a chain of near-copies (A like B, B like C, A unlike C) may be grouped
// differently, as grouping visits articles in index order, which is
// Bleve's segment order on one side and id order on the other.
var dedupCase = parityCase{"dedup", search.Request{Dedup: true, Sort: search.SortDate}}

// The parity suite (issue 18): the same requests against both backends
// over the same corpus agree exactly in totals, facets, histograms,
// date-ordered hits, exports, KWIC and facet values. Ranking is compared
// separately with newsdex eval relevance (README).
func TestOpenSearchParity(t *testing.T) {
	t.Run("builtin", func(t *testing.T) {
		bl, osr := parityBackends(t, nil, filepath.Join("..", "..", "data", "articles.txt"))
		parity(t, bl, osr, true, true)
	})
	t.Run("reuters", func(t *testing.T) {
		reuters := filepath.Join("..", "..", "..", "shared", "data", "reuters21578.jsonl")
		if _, err := os.Stat(reuters); err != nil {
			t.Skipf("Reuters-21578 not found: %v", err)
		}
		if testing.Short() {
			t.Skip("-short: Reuters-21578 takes minutes to index twice")
		}
		// With the tagger's entities, as newsdex index makes them: the
		// entity facets, facet values and filters are compared too (the
		// entity tables agree since Bleve's names are counted exactly,
		// count.TermDocs).
		bl, osr := parityBackends(t, nil, filepath.Join("..", "..", "data", "articles.txt"), reuters)
		parity(t, bl, osr, true, false)
		// Similar articles rank by each backend's BM25: the share of a
		// story's top 10 on its topic, measured on both.
		t.Run("corrections", func(t *testing.T) { reutersCorrections(t, bl.(entityEditor), osr.(entityEditor)) })
		m := similarOnTopic(t, reuters, 25, bl.(similarReader), osr.(similarReader))
		t.Logf("similar articles on topic (top 10 sharing a Reuters topic; stories with 6+ of 10; time): bleve %.1f%%, %.1f%%, %v; opensearch %.1f%%, %.1f%%, %v",
			100*m[0].share, 100*m[0].most, m[0].took.Round(time.Millisecond), 100*m[1].share, 100*m[1].most, m[1].took.Round(time.Millisecond))
		if m[1].share < 0.55 || m[1].most < 0.55 {
			t.Errorf("opensearch similar articles on topic: %.3f of hits, %.3f of stories with 6+: below the floors (0.55, 0.55)", m[1].share, m[1].most)
		}
	})
}

// parity compares bl and osr; entities says whether entity facets and
// names are compared, dedup whether dedupCase is.
func parity(t *testing.T, bl, osr reader, entities, dedup bool) {
	ctx := t.Context()
	ws, err := bl.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := osr.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ws != gs {
		t.Errorf("stats: bleve %+v, opensearch %+v", ws, gs)
	}
	top, err := bl.Search(ctx, search.Request{Facets: []string{"source", "person", "org", "place"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := commonCases(*top)
	if dedup {
		cases = append(cases, dedupCase)
	}
	compareBackends(t, bl, osr, cases, entities)
	t.Run("analytics", func(t *testing.T) { parityAnalytics(t, bl, osr, top, dedup) })
	// An article by id.
	for _, h := range top.Hits[:min(3, len(top.Hits))] {
		wa, err := bl.Article(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		ga, err := osr.Article(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !entities {
			wa.Persons, wa.Organizations, wa.Places = nil, nil, nil
			ga.Persons, ga.Organizations, ga.Places = nil, nil, nil
		}
		if diff := cmp.Diff(wa, ga, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("article %s (-bleve +opensearch):\n%s", h.ID, diff)
		}
	}
	if _, err := osr.Article(ctx, "no-such-article"); !strings.Contains(fmt.Sprint(err), "not found") {
		t.Errorf("missing article: %v", err)
	}
}
