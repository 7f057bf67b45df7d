package releval

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/search"
)

// newService indexes c and returns a service over it with page size max.
func newService(t testing.TB, c *Collection, maxSize int) *search.Service {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	idx, err := NewIndex(context.Background(), c, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	lim := search.DefaultLimits()
	lim.MaxSize, lim.MaxOffset = maxSize, max(maxSize, lim.MaxOffset)
	lim.Timeout = 5 * time.Minute // a loaded CI machine must not fail the ranking tests
	svc, err := search.NewService(idx, lim, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestEvaluateTiny(t *testing.T) {
	c, err := Load("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(context.Background(), newService(t, c, Depth), search.Request{}, c)
	if err != nil {
		t.Fatal(err)
	}
	// Each judged query finds its relevant documents first: query 1 has
	// two (P@10 0.2), queries 2 and 3 one each; query 4 is unjudged and
	// query 3's grade-0 document does not count.
	want := Scores{AP: 1, P10: 0.4 / 3, NDCG10: 1}
	if rep.Judged != 3 || math.Abs(rep.Mean.AP-want.AP) > 1e-12 || math.Abs(rep.Mean.P10-want.P10) > 1e-12 || math.Abs(rep.Mean.NDCG10-want.NDCG10) > 1e-12 {
		t.Errorf("judged %d, mean %+v; want 3, %+v", rep.Judged, rep.Mean, want)
		for _, q := range rep.Queries {
			t.Logf("%s %q: %v", q.Query.ID, q.Query.Text, IDs(q.Hits))
		}
	}
}

// TestRankPagesWithCursor: ranking through small cursor pages gives the
// ranking of one big page, scores and all.
func TestRankPagesWithCursor(t *testing.T) {
	c, err := Load("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	const text = "heat boundary flutter shock slab waves"
	big, err := Rank(context.Background(), newService(t, c, Depth), search.Request{}, text, Depth)
	if err != nil {
		t.Fatal(err)
	}
	small, err := Rank(context.Background(), newService(t, c, 2), search.Request{}, text, Depth)
	if err != nil {
		t.Fatal(err)
	}
	if len(big) != 5 {
		t.Fatalf("%d hits, want all 5 documents", len(big))
	}
	if diff := cmp.Diff(big, small); diff != "" {
		t.Errorf("pages of 2 vs one page (-one +paged):\n%s", diff)
	}
	three, err := Rank(context.Background(), newService(t, c, 2), search.Request{}, text, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(big[:3], three); diff != "" {
		t.Errorf("depth 3 (-want +got):\n%s", diff)
	}
}
