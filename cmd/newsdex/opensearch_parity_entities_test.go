package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"newsdex/search"
	"newsdex/search/httpapi"
	"newsdex/search/opensearch"
	"newsdex/search/opensearch/ostest"
)

// entityEditor is what the corrections parity asks both backends.
type entityEditor interface {
	reader
	Entities(ctx context.Context, typ, prefix string, size int) ([]search.Entity, error)
	MergeEntities(ctx context.Context, typ string, names []string, into string) (search.Entity, error)
	RenameEntity(ctx context.Context, typ, name, to string) (search.Entity, error)
	RetypeEntity(ctx context.Context, typ, name, to string) (search.Entity, error)
	BlockEntity(ctx context.Context, typ, name string) (search.Entity, error)
	UnblockEntity(ctx context.Context, typ, name string) (search.Entity, error)
	SplitEntity(ctx context.Context, typ, name string) (search.Entity, error)
	ExportEntities(ctx context.Context) ([]byte, error)
}

var (
	_ entityEditor = (*search.Service)(nil)
	_ entityEditor = (*opensearch.Service)(nil)
)

// correctionStep is one correction, made on both backends, and the
// entity whose filter is compared after it.
type correctionStep struct {
	name   string
	edit   func(ctx context.Context, e entityEditor) (search.Entity, error)
	filter search.Filters
}

// TestOpenSearchParityEntities makes the same corrections, in turn, on
// both backends over the built-in corpus (merge, into an entity and into
// a new name, a merge chain, rename, retype, block, split, unblock), and
// after each step compares what they return, the entity lists, the
// exported alias table, facets, facet values, the hits' and articles'
// entities and filters on the corrected entity. Bad input gets the same
// errors.
func TestOpenSearchParityEntities(t *testing.T) {
	// Corrections change the indexes: always fresh ones.
	t.Setenv("NEWSDEX_PARITY_REUSE", "")
	blr, osrr := parityBackends(t, nil, filepath.Join("..", "..", "data", "articles.txt"))
	bl, osr := blr.(entityEditor), osrr.(entityEditor)
	ctx := t.Context()

	steps := []correctionStep{
		{"merge into an entity", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.MergeEntities(ctx, "person", []string{"Kim", "Kim Jong Un"}, "Kim Jong Un")
		}, search.Filters{Persons: []string{"Kim"}}},
		{"merge into a new name", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.MergeEntities(ctx, "place", []string{"Seoul", "South Korea"}, "Korea, South")
		}, search.Filters{Places: []string{"Korea, South"}}},
		{"rename", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.RenameEntity(ctx, "org", "Unification Ministry", "Ministry of Unification (ROK)")
		}, search.Filters{Orgs: []string{"Ministry of Unification (ROK)"}}},
		{"retype", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.RetypeEntity(ctx, "person", "Chosun Ilbo", "org")
		}, search.Filters{Orgs: []string{"Chosun Ilbo"}}},
		{"merge chain", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.MergeEntities(ctx, "org", []string{"Chosun Ilbo", "Joongang Ilbo", "Ministry of Unification (ROK)"}, "Seoul institutions")
		}, search.Filters{Orgs: []string{"Joongang Ilbo"}}},
		{"block", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.BlockEntity(ctx, "place", "Christianity")
		}, search.Filters{Places: []string{"Christianity"}}},
		{"block a merged entity", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.BlockEntity(ctx, "place", "Korea, South")
		}, search.Filters{Places: []string{"Seoul"}}},
		{"unblock", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.UnblockEntity(ctx, "place", "Korea, South")
		}, search.Filters{Places: []string{"South Korea"}}},
		{"split", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.SplitEntity(ctx, "person", "Kim")
		}, search.Filters{Persons: []string{"Kim Jong Un"}}},
		{"split from a chain", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.SplitEntity(ctx, "org", "Joongang Ilbo")
		}, search.Filters{Orgs: []string{"Seoul institutions"}}},
	}
	compareEntities(t, "before", bl, osr, search.Filters{})
	for _, st := range steps {
		want, err := st.edit(ctx, bl)
		if err != nil {
			t.Fatalf("%s: bleve: %v", st.name, err)
		}
		got, err := st.edit(ctx, osr)
		if err != nil {
			t.Fatalf("%s: opensearch: %v", st.name, err)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: the corrected entity (-bleve +opensearch):\n%s", st.name, diff)
		}
		compareEntities(t, st.name, bl, osr, st.filter)
	}

	// Bad input: the same error class on both.
	bad := []struct {
		name string
		edit func(ctx context.Context, e entityEditor) (search.Entity, error)
		want error
	}{
		{"unknown entity", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.BlockEntity(ctx, "person", "Nobody Atall")
		}, search.ErrNotFound},
		{"merge into itself", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.MergeEntities(ctx, "person", []string{"Trump"}, "Trump")
		}, search.ErrInvalidRequest},
		{"bad type", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.RenameEntity(ctx, "thing", "Trump", "Donald Trump")
		}, search.ErrInvalidRequest},
		{"retype to a bad type", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.RetypeEntity(ctx, "person", "Trump", "planet")
		}, search.ErrInvalidRequest},
		{"split an unmerged name", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.SplitEntity(ctx, "person", "Trump")
		}, nil},
	}
	for _, tc := range bad {
		_, werr := tc.edit(ctx, bl)
		_, gerr := tc.edit(ctx, osr)
		if tc.want != nil && (!errors.Is(werr, tc.want) || !errors.Is(gerr, tc.want)) {
			t.Errorf("%s: bleve %v, opensearch %v; want both %v", tc.name, werr, gerr, tc.want)
		}
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Errorf("%s: bleve says %q, opensearch %q", tc.name, fmt.Sprint(werr), fmt.Sprint(gerr))
		}
	}
	compareEntities(t, "after bad input", bl, osr, search.Filters{})

	t.Run("another process", func(t *testing.T) {
		other := otherProcess(t, osr.(*opensearch.Service))
		// It sees every correction made so far when it starts...
		want, err := osr.ExportEntities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := other.ExportEntities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Fatalf("another process's alias table (-this +other):\n%s", diff)
		}
		// ...and one made after, within its version check.
		start := time.Now()
		if _, err := osr.RenameEntity(ctx, "person", "Trump", "Donald Trump"); err != nil {
			t.Fatal(err)
		}
		for {
			vs, err := other.FacetValues(ctx, search.FacetPerson, "donald", search.Request{}, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) == 1 && vs[0].Value == "Donald Trump" {
				break
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("the other process does not see the rename after 30 s: %v", vs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("a rename in one process showed in another's facet values after %v", time.Since(start).Round(time.Millisecond))

		// Two processes correcting at once lose no edit: each blocks its
		// own names while the other does (conditional writes, made again
		// on a conflict).
		names := map[entityEditor][]string{
			osr:   {"Bibles", "Hana", "Peter", "Jong Nam"},
			other: {"Kim Min Ki", "Ri Hyon Ok", "Choi Kyong Hui", "Kim Myong Song"},
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for e, ns := range names {
			wg.Go(func() {
				for _, n := range ns {
					if _, err := e.BlockEntity(ctx, "person", n); err != nil {
						errs <- fmt.Errorf("block %s: %w", n, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		fresh := otherProcess(t, osr.(*opensearch.Service))
		for _, ns := range names {
			for _, n := range ns {
				es, err := fresh.Entities(ctx, "person", n, 5)
				if err != nil {
					t.Fatal(err)
				}
				if len(es) == 0 || es[0].Name != n || !es[0].Blocked {
					t.Errorf("%s not blocked after concurrent corrections: %+v", n, es)
				}
			}
		}
	})
}

// otherProcess is a second service on svc's index, with its own client,
// as another newsdex process on the same cluster would have.
func otherProcess(t *testing.T, svc *opensearch.Service) *opensearch.Service {
	t.Helper()
	c, err := opensearch.NewClient(opensearch.Options{URLs: ostest.URLs(t), Index: svc.Client().Index()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	aliases, err := loadAliases(Config{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := opensearch.NewService(c, svc.Limits(), slog.New(slog.DiscardHandler), aliases)
	if err != nil {
		t.Fatal(err)
	}
	return other
}

// compareEntities compares, after one correction, the entity lists (all,
// by type, by prefix), the exported alias table, and the search cases
// (whole archive and a filter on the corrected entity) with their
// facets, facet values and entity names.
func compareEntities(t *testing.T, step string, bl, osr entityEditor, f search.Filters) {
	t.Helper()
	ctx := t.Context()
	for _, q := range []struct{ typ, prefix string }{{"", ""}, {"person", ""}, {"org", ""}, {"place", "k"}, {"", "seoul"}, {"", "christ"}} {
		want, err := bl.Entities(ctx, q.typ, q.prefix, 100)
		if err != nil {
			t.Fatalf("%s: bleve entities: %v", step, err)
		}
		got, err := osr.Entities(ctx, q.typ, q.prefix, 100)
		if err != nil {
			t.Fatalf("%s: opensearch entities: %v", step, err)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: entities %q %q (-bleve +opensearch):\n%s", step, q.typ, q.prefix, diff)
		}
	}
	want, err := bl.ExportEntities(ctx)
	if err != nil {
		t.Fatalf("%s: bleve export: %v", step, err)
	}
	got, err := osr.ExportEntities(ctx)
	if err != nil {
		t.Fatalf("%s: opensearch export: %v", step, err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s: alias table (-bleve +opensearch):\n%s", step, diff)
	}
	t.Run(step, func(t *testing.T) {
		compareBackends(t, bl, osr, []parityCase{
			{"all", search.Request{Sort: search.SortDate, Size: 20}},
			{"filter", search.Request{Sort: search.SortDate, Filters: f}},
		}, true)
		res, err := bl.Search(ctx, search.Request{Sort: search.SortDate, Size: 20})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			wa, err := bl.Article(ctx, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			ga, err := osr.Article(ctx, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wa, ga, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("article %s (-bleve +opensearch):\n%s", h.ID, diff)
			}
		}
	})
}

// TestOpenSearchEntitiesCLI runs newsdex entities against the cluster:
// a correction, the list showing it, the export holding it, and an
// unknown name refused.
func TestOpenSearchEntitiesCLI(t *testing.T) {
	urls := ostest.URLs(t)
	ostest.Steady(t)
	ctx := t.Context()
	dir := t.TempDir()
	name := fmt.Sprintf("entities-cli-%d", time.Now().UnixNano())
	cfgPath := filepath.Join(dir, "os.yaml")
	yaml := "index:\n  dir: " + filepath.Join(dir, "state") + "\n  backend: opensearch\n  opensearch:\n    urls: [" +
		strings.Join(urls, ", ") + "]\n    name: " + name + "\n    shards: 2\n    replicas: 0\nlog:\n  level: warn\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		n := 1 // the command, and for entities its action, come before flags
		if args[0] == "entities" {
			n = 2
		}
		full := append(append(slices.Clone(args[:n]), "--config", cfgPath), args[n:]...)
		err := run(ctx, full, &out, &errb)
		if err != nil {
			return out.String() + errb.String(), err
		}
		return out.String(), nil
	}
	if out, err := cli("index", filepath.Join("..", "..", "data", "articles.txt")); err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		c, err := opensearch.NewClient(opensearch.Options{URLs: urls, Index: name})
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		if err := c.DeleteIndex(context.Background()); err != nil {
			t.Errorf("delete %s: %v", name, err)
		}
	})
	if out, err := cli("entities", "merge", "--type", "person", "--into", "Kim Jong Un", "Kim", "Kim Jong Un"); err != nil || !strings.Contains(out, "Kim Jong Un") {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	if out, err := cli("entities", "block", "--type", "person", "Trump"); err != nil || !strings.Contains(out, "[blocked]") {
		t.Fatalf("block: %v\n%s", err, out)
	}
	out, err := cli("entities", "list", "--type", "person", "--prefix", "kim", "--json")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if !strings.Contains(out, `"Kim Jong Un"`) || !strings.Contains(out, `"Kim"`) || !strings.Contains(out, `"count": 5`) {
		t.Errorf("list after merging Kim into Kim Jong Un (4 + 1 articles):\n%s", out)
	}
	out, err = cli("entities", "export")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	if !strings.Contains(out, "blocked:") || !strings.Contains(out, "Trump") {
		t.Errorf("export lacks the block:\n%s", out)
	}
	if out, err := cli("entities", "rename", "--type", "org", "Nobody Atall", "X"); !errors.Is(err, search.ErrNotFound) {
		t.Errorf("rename of an unknown name: %v\n%s", err, out)
	}

	// The HTTP API over the same cluster, as serve wires it.
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	c, err := openSearchClient(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	svc, err := openSearchService(cfg, c, logger)
	if err != nil {
		t.Fatal(err)
	}
	const admin = "admin-key-for-the-opensearch-entities-test"
	api := httpapi.New(logger, httpapi.Options{AdminKeys: []string{admin}})
	api.SetSearcher(svc)
	call := func(method, path, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
		has                string
	}{
		{"POST", "/api/v1/entities/rename", `{"type":"person","name":"Jo Song Gil","to":"Jo Song-gil"}`, 200, `"name":"Jo Song-gil"`},
		{"GET", "/api/v1/search?person=Jo+Song-gil&size=0", "", 200, `"total":5`},
		{"POST", "/api/v1/entities/merge", `{"type":"person","names":["Trump"],"into":"Trump"}`, 400, "itself"},
		{"POST", "/api/v1/entities/block", `{"type":"person","name":"Nobody Atall"}`, 404, "not_found"},
		{"POST", "/api/v1/entities/retype", `{"type":"person","name":"Hana","to":"planet"}`, 400, "person, org or place"},
		{"GET", "/api/v1/entities/export", "", 200, "Jo Song-gil"},
		{"GET", "/api/v1/articles/no-such-article/similar", "", 404, "not_found"},
	} {
		status, body := call(tc.method, tc.path, tc.body)
		if status != tc.status || !strings.Contains(body, tc.has) {
			t.Errorf("%s %s %s: %d %s; want %d with %q", tc.method, tc.path, tc.body, status, body, tc.status, tc.has)
		}
	}
	res, err := svc.Search(ctx, search.Request{Size: 1})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("search: %v", err)
	}
	status, body := call("GET", "/api/v1/articles/"+res.Hits[0].ID+"/similar?size=3", "")
	if status != 200 || !strings.Contains(body, `"hits":[{`) || strings.Contains(body, `"id":"`+res.Hits[0].ID+`"`) {
		t.Errorf("similar to %s: %d %s", res.Hits[0].ID, status, body)
	}
}

// reutersCorrections makes corrections on Reuters-21578 on both backends,
// each followed by its undoing, so that a reused pair of indexes
// (NEWSDEX_PARITY_REUSE) takes them again: merges of entities whose
// spellings share articles (counted once each), a split of a wrong join,
// rename, retype, block. After each step the entity lists, the alias
// table, whole-archive and filtered facets, hits and facet values agree.
func reutersCorrections(t *testing.T, bl, osr entityEditor) {
	ctx := t.Context()
	steps := []correctionStep{
		{"merge three into a new name", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.MergeEntities(ctx, "org", []string{"House", "Senate", "Congress"}, "U.S. Congress")
		}, search.Filters{Orgs: []string{"Senate"}}},
		{"split one of them", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.SplitEntity(ctx, "org", "House")
		}, search.Filters{Orgs: []string{"U.S. Congress", "House"}}},
		{"split a wrong join", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.SplitEntity(ctx, "org", "Federal Co")
		}, search.Filters{Orgs: []string{"Federal Reserve"}}},
		{"rename", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.RenameEntity(ctx, "person", "James Baker", "James A. Baker")
		}, search.Filters{Persons: []string{"James A. Baker"}}},
		{"rename back", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.RenameEntity(ctx, "person", "James A. Baker", "James Baker")
		}, search.Filters{Persons: []string{"James Baker"}}},
		{"retype", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.RetypeEntity(ctx, "place", "Washington", "org")
		}, search.Filters{Orgs: []string{"Washington"}}},
		{"retype back", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.RetypeEntity(ctx, "org", "Washington", "place")
		}, search.Filters{Places: []string{"Washington"}}},
		{"block", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.BlockEntity(ctx, "org", "Treasury")
		}, search.Filters{Orgs: []string{"Treasury"}}},
		{"unblock", func(ctx context.Context, e entityEditor) (search.Entity, error) {
			return e.UnblockEntity(ctx, "org", "Treasury")
		}, search.Filters{Orgs: []string{"Treasury"}, Places: []string{"Japan"}}},
	}
	var took [2]time.Duration // each backend's corrections, taking turns
	for _, st := range steps {
		start := time.Now()
		want, werr := st.edit(ctx, bl)
		took[0] += time.Since(start)
		start = time.Now()
		got, gerr := st.edit(ctx, osr)
		took[1] += time.Since(start)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("%s: bleve %v, opensearch %v", st.name, werr, gerr)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: the corrected entity (-bleve +opensearch):\n%s", st.name, diff)
		}
		compareEntityViews(t, st.name, bl, osr, st.filter)
	}
	t.Logf("%d corrections: bleve %v, opensearch %v", len(steps), took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
}

// compareEntityViews is a lighter compareEntities, for a large archive:
// two entity lists, the alias table, the facets and first hits of the
// whole archive and of the filter, and the filter's facet values by
// prefix.
func compareEntityViews(t *testing.T, step string, bl, osr entityEditor, f search.Filters) {
	t.Helper()
	ctx := t.Context()
	for _, q := range []struct{ typ, prefix string }{{"", ""}, {"org", "u"}} {
		want, err := bl.Entities(ctx, q.typ, q.prefix, 100)
		if err != nil {
			t.Fatalf("%s: bleve entities: %v", step, err)
		}
		got, err := osr.Entities(ctx, q.typ, q.prefix, 100)
		if err != nil {
			t.Fatalf("%s: opensearch entities: %v", step, err)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: entities %q %q (-bleve +opensearch):\n%s", step, q.typ, q.prefix, diff)
		}
	}
	want, err := bl.ExportEntities(ctx)
	if err != nil {
		t.Fatalf("%s: bleve export: %v", step, err)
	}
	got, err := osr.ExportEntities(ctx)
	if err != nil {
		t.Fatalf("%s: opensearch export: %v", step, err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s: alias table (-bleve +opensearch):\n%s", step, diff)
	}
	for _, filters := range []search.Filters{{}, f} {
		req := search.Request{Sort: search.SortDate, Size: 20, Filters: filters, FacetSize: 25,
			Facets: []string{search.FacetSource, search.FacetPerson, search.FacetOrg, search.FacetPlace}}
		w, err := bl.Search(ctx, req)
		if err != nil {
			t.Fatalf("%s: bleve: %v", step, err)
		}
		g, err := osr.Search(ctx, req)
		if err != nil {
			t.Fatalf("%s: opensearch: %v", step, err)
		}
		if w.Total != g.Total {
			t.Errorf("%s: filters %+v: total bleve %d, opensearch %d", step, filters, w.Total, g.Total)
		}
		if diff := cmp.Diff(w.Facets, g.Facets, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: filters %+v: facets (-bleve +opensearch):\n%s", step, filters, diff)
		}
		if diff := cmp.Diff(hitsOf(w.Hits, true), hitsOf(g.Hits, true), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: filters %+v: hits (-bleve +opensearch):\n%s", step, filters, diff)
		}
		if len(filters.Persons)+len(filters.Orgs)+len(filters.Places) == 0 {
			continue // the whole archive's facets are compared above
		}
		for _, facet := range []string{search.FacetPerson, search.FacetOrg, search.FacetPlace} {
			w, err := bl.FacetValues(ctx, facet, "u", req, 20)
			if err != nil {
				t.Fatalf("%s: bleve facet values: %v", step, err)
			}
			g, err := osr.FacetValues(ctx, facet, "u", req, 20)
			if err != nil {
				t.Fatalf("%s: opensearch facet values: %v", step, err)
			}
			if diff := cmp.Diff(w, g, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s: filters %+v: facet values %s \"u\" (-bleve +opensearch):\n%s", step, filters, facet, diff)
			}
		}
	}
}
