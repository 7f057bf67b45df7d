package indexer

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/google/go-cmp/cmp"
)

func testAliases(t testing.TB) *Aliases {
	t.Helper()
	src, err := os.ReadFile("../data/aliases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseAliases(src)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func ingestPaths(t *testing.T, idx bleve.Index, paths ...string) (Summary, []string) {
	t.Helper()
	ing := NewIngester(idx, IngestOptions{BatchDocs: 100}, slog.New(slog.DiscardHandler), testAliases(t), nil)
	var skipped []string
	ing.OnSkip = func(r Record) { skipped = append(skipped, r.Location()+": "+r.Err.Error()) }
	sum, err := ing.Ingest(context.Background(), PathSource(paths, func(p string, err error) {
		t.Errorf("file error %s: %v", p, err)
	}))
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return sum, skipped
}

func sourceFacet(t *testing.T, idx bleve.Index) map[string]int {
	t.Helper()
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	req.AddFacet("s", bleve.NewFacetRequest(FieldSource, 100))
	res, err := idx.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tf := range res.Facets["s"].Terms.Terms() {
		out[tf.Term] = tf.Count
	}
	return out
}

func TestIngestSeedCorpus(t *testing.T) {
	idx, err := NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	sum, skipped := ingestPaths(t, idx, "../data/articles.txt")
	if sum.Indexed != 10 || sum.Skipped != 0 || len(skipped) != 0 {
		t.Fatalf("indexed %d, skipped %d %v; want 10, 0", sum.Indexed, sum.Skipped, skipped)
	}
	want := map[string]int{"South China Morning Post": 1, "Channel NewsAsia": 1, "ABC News": 1, "The Telegraph": 1}
	if diff := cmp.Diff(want, sourceFacet(t, idx)); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	// Re-ingesting the same file replaces, it does not duplicate.
	ingestPaths(t, idx, "../data/articles.txt")
	if n, _ := idx.DocCount(); n != 10 {
		t.Errorf("after re-ingest: %d articles, want 10", n)
	}
	// A phrase on the body must match: term vectors are on.
	q := bleve.NewMatchPhraseQuery("acting ambassador")
	q.SetField(FieldBody)
	res, err := idx.Search(bleve.NewSearchRequest(q))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total == 0 {
		t.Error(`phrase "acting ambassador" on body found nothing`)
	}
}

func TestIngestReportsBadRecordsAndKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	jsonl := strings.Join([]string{
		`{"id":"a1","title":"Rice sent north","body":"A defector sent rice.","source":"Chanel NewsAsia","date":"2019-01-02"}`,
		`{"id":"a2","title":"broken`,
		`{"id":"a3","title":"","body":""}`,
		`{"id":"a4","title":"Envoy missing","body":"The acting ambassador left.","published":"2019-01-03T10:00:00Z"}`,
	}, "\n")
	if err := os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte(jsonl), 0o644); err != nil {
		t.Fatal(err)
	}
	idx, err := NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	sum, skipped := ingestPaths(t, idx, dir)
	if sum.Indexed != 2 || sum.Skipped != 2 {
		t.Errorf("indexed %d skipped %d, want 2 and 2", sum.Indexed, sum.Skipped)
	}
	slices.Sort(skipped)
	if len(skipped) != 2 || !strings.Contains(skipped[0], "in.jsonl:2:") || !strings.Contains(skipped[1], "in.jsonl:3:") {
		t.Errorf("skipped = %q, want reports at lines 2 and 3", skipped)
	}
	if got := sourceFacet(t, idx); got["Channel NewsAsia"] != 1 {
		t.Errorf("outlet alias not applied: %v", got)
	}
}

func TestIngestReuters(t *testing.T) {
	path := "../../shared/data/reuters21578.jsonl"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("Reuters corpus not available at %s: %v", path, err)
	}
	if testing.Short() {
		t.Skip("ingests 21,578 articles; skipped with -short")
	}
	idx, _, err := Open(filepath.Join(t.TempDir(), "idx"))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	sum, skipped := ingestPaths(t, idx, path)
	if sum.Indexed != 21577 || len(skipped) != 1 || !strings.HasPrefix(skipped[0], path+":12793: ") {
		t.Fatalf("indexed %d, skipped %q; want 21577 and one report at line 12793", sum.Indexed, skipped)
	}
	if n, _ := idx.DocCount(); n != 21577 {
		t.Errorf("doc count %d, want 21577", n)
	}
}

// Indexing the data/ folder reads the corpus and nothing else that ships
// beside it (Go files, the alias YAML, the model, images).
func TestIngestDataFolderReadsOnlyArticles(t *testing.T) {
	idx, err := NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	sum, skipped := ingestPaths(t, idx, "../data")
	if sum.Indexed != 10 || len(skipped) != 0 {
		t.Errorf("indexed %d, skipped %q; want the 10 built-in articles", sum.Indexed, skipped)
	}
}

// fakeFinder returns fixed entities and evidence for every article.
type fakeFinder struct{ e ArticleEntities }

func (f fakeFinder) Extract(title, body string) ArticleEntities { return f.e }

// TestIngestEntityEvidence checks that the evidence terms are indexed as
// keywords, so archive-wide counts are document frequencies, and are
// neither stored nor faceted.
func TestIngestEntityEvidence(t *testing.T) {
	idx, err := NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	finder := fakeFinder{ArticleEntities{
		Organizations: []string{"Federal Reserve Board", "Fed"},
		Evidence:      []string{"ab:fed=federal reserve board", "lc:exchange"},
	}}
	ing := NewIngester(idx, IngestOptions{}, slog.New(slog.DiscardHandler), testAliases(t), finder)
	arts := []Article{{ID: "a1", Title: "Rates", Body: "The Fed held rates."}, {ID: "a2", Title: "Rates again", Body: "The Fed held rates again."}}
	_, err = ing.Ingest(context.Background(), func(ctx context.Context, emit func(Record) error) error {
		for _, a := range arts {
			if err := emit(Record{Article: a}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q := bleve.NewTermQuery("ab:fed=federal reserve board")
	q.SetField(FieldEntityEvidence)
	req := bleve.NewSearchRequest(q)
	req.Fields = []string{"*"}
	res, err := idx.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 {
		t.Fatalf("evidence term in %d documents, want 2", res.Total)
	}
	for _, h := range res.Hits {
		if _, stored := h.Fields[FieldEntityEvidence]; stored {
			t.Errorf("%s: evidence is stored: %v", h.ID, h.Fields[FieldEntityEvidence])
		}
	}
	fm := NewMapping().FieldMappingForPath(FieldEntityEvidence)
	if fm.Store || fm.DocValues || fm.IncludeTermVectors || fm.IncludeInAll || fm.Analyzer != "keyword" {
		t.Errorf("evidence field mapping %+v: want an indexed-only keyword field", fm)
	}
}
