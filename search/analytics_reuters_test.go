package search

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAnalyticsOnReuters checks the analyses on Reuters-21578 against
// plain searches, as the smaller corpora's tests do: every timeline
// bucket, every network node and edge, every distinctive name's fg and
// bg, and dedup against Reuters' own near-duplicate groups (re-filed and
// corrected reports). Skipped with -short or without ../shared/data; set
// NEWSDEX_TEST_INDEX to a Reuters index built by `newsdex index` (entities
// on) to skip the build.
func TestAnalyticsOnReuters(t *testing.T) {
	svc := reutersEntityService(t)
	ctx := context.Background()
	// As serve does: the first analysis would otherwise build the columns
	// and resolve the entities within its own timeout.
	if err := svc.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	total := func(req Request) int {
		t.Helper()
		return int(mustSearch(t, svc, req).Total)
	}
	t.Run("timeline", func(t *testing.T) {
		tl, err := svc.Timeline(ctx, TimelineRequest{Queries: []string{"oil", "gold OR silver"}, Interval: "month"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tl.All) < 6 {
			t.Fatalf("%d months, want Reuters' 1987 months", len(tl.All))
		}
		for _, se := range tl.Series {
			if got := total(Request{Query: se.Query}); int(se.Total) != got {
				t.Errorf("%q: total %d, search %d", se.Query, se.Total, got)
			}
			for _, b := range se.Buckets {
				var f Filters
				f.FromDate, f.ToDate = bucketRange(t, b.Key, "month")
				if got := total(Request{Query: se.Query, Filters: f}); b.Count != got {
					t.Errorf("%q in %s: %d, search in that month %d", se.Query, b.Key, b.Count, got)
				}
			}
		}
	})
	t.Run("cooccurrence", func(t *testing.T) {
		nw, err := svc.Cooccurrence(ctx, CooccurrenceRequest{Request: Request{Query: "oil"}, Size: 12})
		if err != nil {
			t.Fatal(err)
		}
		if len(nw.Nodes) != 12 || len(nw.Edges) == 0 {
			t.Fatalf("%d nodes, %d edges", len(nw.Nodes), len(nw.Edges))
		}
		for _, n := range nw.Nodes {
			if got := total(Request{Query: "oil", Filters: entityFilter(Filters{}, n.Type, n.Name)}); n.Count != got {
				t.Errorf("node %s: %d, search %d", n.ID, n.Count, got)
			}
		}
		for _, e := range nw.Edges {
			if got := total(Request{Query: "oil", With: []string{e.Source, e.Target}}); e.Count != got {
				t.Errorf("edge %s–%s: %d, search with both %d", e.Source, e.Target, e.Count, got)
			}
		}
	})
	t.Run("significant", func(t *testing.T) {
		sg, err := svc.Significant(ctx, SignificantRequest{Request: Request{Query: "oil"}, Field: FacetOrg, Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(sg.Items) == 0 {
			t.Fatal("no distinctive organisations for oil")
		}
		for _, it := range sg.Items {
			f := entityFilter(Filters{}, FacetOrg, it.Value)
			if got := total(Request{Query: "oil", Filters: f}); it.FG != got {
				t.Errorf("%s: fg %d, search %d", it.Value, it.FG, got)
			}
			if got := total(Request{Filters: f}); it.BG != got {
				t.Errorf("%s: bg %d, search %d", it.Value, it.BG, got)
			}
		}
	})
	t.Run("dedup", func(t *testing.T) {
		// The matches and their groups, then per group the earliest
		// match (Copies lists a group earliest first).
		req := Request{Query: "bank", Sort: SortDate}
		var matches []Hit
		if _, err := svc.Export(ctx, req, func(_ uint64, h Hit) error { matches = append(matches, h); return nil }); err != nil {
			t.Fatal(err)
		}
		matching := map[string]bool{}
		for _, h := range matches {
			matching[h.ID] = true
		}
		var want []string
		grouped := 0
		seen := map[string]bool{}
		for _, h := range matches {
			if h.Copies <= 1 {
				want = append(want, h.ID)
				continue
			}
			grouped++
			if seen[h.Group] {
				continue
			}
			seen[h.Group] = true
			c, err := svc.Copies(ctx, Request{}, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, cp := range c.Copies {
				if matching[cp.ID] {
					want = append(want, cp.ID)
					break
				}
			}
		}
		if grouped == 0 {
			t.Fatal("no match of bank has copies: the case tests nothing")
		}
		req.Dedup = true
		var got []string
		n, err := svc.Export(ctx, req, func(_ uint64, h Hit) error { got = append(got, h.ID); return nil })
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("dedup matches of bank (-earliest match per group +got):\n%s", diff)
		}
		if int(n) != len(want) {
			t.Errorf("dedup total %d, want %d", n, len(want))
		}
		t.Logf("bank: %d matches, %d with copies, %d stories", len(matches), grouped, len(want))
	})
}
