package releval

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
	"newsdex/search"
)

// update rewrites the golden rankings: go test ./search/releval -update
var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// cranfieldDir is the shared Cranfield collection beside the repository.
const cranfieldDir = "../../../shared/data/cranfield/generic"

// Floors just under the measured Cranfield figures (MAP 0.4759, P@10
// 0.3520, nDCG@10 0.5612; FTS5 BM25 scores 0.4336, 0.3120, 0.5279), so
// that a change that hurts ranking fails here even if it updates the
// goldens.
const (
	floorMAP    = 0.470
	floorP10    = 0.345
	floorNDCG10 = 0.555
)

func assertGolden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s (-want +got):\n%s\nIf the change is intended, run go test ./search/releval -update and review the diff.", name, diff)
	}
}

// seedService indexes the built-in corpus through the production ingest
// path (alias table, no entity extraction: ranking reads only text).
func seedService(t *testing.T) *search.Service {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	idx, err := indexer.NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	src, err := os.ReadFile("../../data/aliases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	aliases, err := indexer.ParseAliases(src)
	if err != nil {
		t.Fatal(err)
	}
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, aliases, nil)
	if _, err := ing.Ingest(context.Background(), indexer.PathSource([]string{"../../data/articles.txt"}, func(p string, err error) { t.Fatal(err) })); err != nil {
		t.Fatal(err)
	}
	svc, err := search.NewService(idx, search.DefaultLimits(), logger, aliases)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

type rankedHit struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type seedRanking struct {
	Query string      `json:"query"`
	Mode  string      `json:"mode,omitempty"`
	Top   []rankedHit `json:"top"`
}

// TestSeedRankingGolden pins the top five of a few searches on the
// built-in corpus.
func TestSeedRankingGolden(t *testing.T) {
	svc := seedService(t)
	queries := []struct{ q, mode string }{
		{"north korea nuclear", ""},
		{"kim jong un", ""},
		{`"kim jong-un"`, ""},
		{"defector rice", ""},
		{"diplomat italy", ""},
		{"ambassador OR diplomat", ""},
		{"sanctions", ""},
		{"why did the north korean diplomat in italy go into hiding", search.ModeNatural},
		{"what happens to defectors who send money home", search.ModeNatural},
	}
	var got []seedRanking
	for _, q := range queries {
		res, err := svc.Search(context.Background(), search.Request{Query: q.q, Mode: q.mode, Size: 5, Compact: true})
		if err != nil {
			t.Fatalf("%q: %v", q.q, err)
		}
		r := seedRanking{Query: q.q, Mode: q.mode, Top: []rankedHit{}}
		for _, h := range res.Hits {
			r.Top = append(r.Top, rankedHit{h.ID, h.Title})
		}
		got = append(got, r)
	}
	assertGolden(t, "seed_rankings.golden.json", got)
}

type cranfieldQuery struct {
	QID    string   `json:"qid"`
	NDCG10 string   `json:"ndcg@10"`
	Top10  []string `json:"top10"`
}

type cranfieldGolden struct {
	Judged  int              `json:"judged"`
	MAP     string           `json:"map"`
	P10     string           `json:"p@10"`
	NDCG10  string           `json:"ndcg@10"`
	Queries []cranfieldQuery `json:"queries"`
}

// TestCranfield ranks the whole Cranfield collection: the mean metrics
// must stay above the floors, and the metrics and the top ten of the
// first twenty queries are pinned (ids only: the collection is not ours
// to copy).
func TestCranfield(t *testing.T) {
	if testing.Short() {
		t.Skip("ranks 225 queries over 1,400 documents (about 10 s)")
	}
	if _, err := os.Stat(cranfieldDir); err != nil {
		t.Skipf("Cranfield not found beside the repository (%v)", err)
	}
	c, err := Load(cranfieldDir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(context.Background(), newService(t, c, Depth), search.Request{}, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Cranfield: queries=%d MAP=%.4f P@10=%.4f nDCG@10=%.4f", rep.Judged, rep.Mean.AP, rep.Mean.P10, rep.Mean.NDCG10)
	if rep.Mean.AP < floorMAP || rep.Mean.P10 < floorP10 || rep.Mean.NDCG10 < floorNDCG10 {
		t.Errorf("ranking got worse: MAP %.4f (floor %.3f), P@10 %.4f (floor %.3f), nDCG@10 %.4f (floor %.3f)",
			rep.Mean.AP, floorMAP, rep.Mean.P10, floorP10, rep.Mean.NDCG10, floorNDCG10)
	}
	g := cranfieldGolden{Judged: rep.Judged, MAP: f4(rep.Mean.AP), P10: f4(rep.Mean.P10), NDCG10: f4(rep.Mean.NDCG10)}
	for _, q := range rep.Queries[:min(20, len(rep.Queries))] {
		ids := IDs(q.Hits)
		g.Queries = append(g.Queries, cranfieldQuery{QID: q.Query.ID, NDCG10: f4(q.Scores.NDCG10), Top10: ids[:min(10, len(ids))]})
	}
	assertGolden(t, "cranfield.golden.json", g)
}

func f4(x float64) string { return fmt.Sprintf("%.4f", x) }
