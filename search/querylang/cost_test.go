package querylang

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
)

// memIndex indexes articles into a fresh in-memory index through the
// production ingest path.
func memIndex(t *testing.T, as ...indexer.Article) bleve.Index {
	t.Helper()
	idx, err := indexer.NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, slog.New(slog.DiscardHandler), nil, nil)
	ing.OnSkip = func(r indexer.Record) { t.Errorf("skipped %s: %v", r.Location(), r.Err) }
	src := func(ctx context.Context, emit func(indexer.Record) error) error {
		for i, a := range as {
			if err := emit(indexer.Record{File: "test", Line: i + 1, Article: a}); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := ing.Ingest(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	return idx
}

// TestQueryCost: phrases pay for every word's postings each time (twice,
// for the position checks); plain words once, however often repeated.
func TestQueryCost(t *testing.T) {
	var extra []indexer.Article
	for i := range 50 {
		extra = append(extra, indexer.Article{ID: "cost" + time.Duration(i).String(),
			Title: "Harbour notice", Body: "The harbour board met."})
	}
	idx := memIndex(t, extra...)
	cost := func(q string) uint64 {
		t.Helper()
		n, err := ParseQuery(q, QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		adv, err := idx.Advanced()
		if err != nil {
			t.Fatal(err)
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		c, budget, _, err := queryCost(r, n, MappingAnalyze(idx.Mapping()))
		if err != nil {
			t.Fatal(err)
		}
		if budget != minQueryPostings {
			t.Errorf("budget %d on a small archive, want %d", budget, minQueryPostings)
		}
		return c
	}
	harbour := cost("harbour") // title and body
	if harbour < 100 {
		t.Fatalf("cost of harbour = %d, want >= 100 (50 titles and 50 bodies)", harbour)
	}
	tests := []struct {
		q    string
		want uint64
	}{
		{"harbour harbour OR Harbour, harbour.", harbour},
		{"harbour* harbour~1", 0},
		{"title:harbour body:harbour", harbour},
		{`"harbour harbour"`, 2 * 2 * harbour},
		{`"harbour harbour" OR "harbour harbour"`, 2 * 4 * harbour},
		{`"the harbour"`, harbour}, // one word after the stop word: a plain word
		{"-harbour the", harbour},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got := cost(tt.q); got != tt.want {
				t.Errorf("cost %d, want %d", got, tt.want)
			}
		})
	}
	if got := postingsBudget(10_000_000); got != 20_000_000 {
		t.Errorf("budget for 10M articles = %d, want 20M", got)
	}
}

// TestCostBoundHoldsTheCost: CheckCost lets a query through without
// look-ups when it would fit the budget with every word in every article;
// that bound must never be below the query's real cost, or an expensive
// query would slip through.
func TestCostBoundHoldsTheCost(t *testing.T) {
	var arts []indexer.Article
	for i := range 40 {
		arts = append(arts, indexer.Article{ID: "b" + time.Duration(i).String(),
			Title: "Harbour board notice", Body: "The harbour board met and said the harbour fees rise."})
	}
	idx := memIndex(t, arts...)
	adv, err := idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	an := MappingAnalyze(idx.Mapping())
	for _, q := range []string{"harbour", "harbour board fees", `"harbour board" OR "board met"`, "title:harbour body:fees",
		`="harbour fees" -notice`, "harbour* board~1", `"the harbour board said"~3 AND (fees OR rise)`} {
		n, err := ParseQuery(q, QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cost, budget, _, err := queryCost(r, n, an)
		if err != nil {
			t.Fatal(err)
		}
		most, mostBudget, err := costBound(r, n, an)
		if err != nil {
			t.Fatal(err)
		}
		if mostBudget != budget {
			t.Errorf("%q: budget %d, and %d for the bound", q, budget, mostBudget)
		}
		if cost == 0 && q != "harbour* board~1" {
			t.Errorf("%q costs nothing: the test reads no postings", q)
		}
		if most < cost {
			t.Errorf("%q: bound %d below the cost %d", q, most, cost)
		}
	}
}
