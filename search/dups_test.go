package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
)

// dupArticles are 12 stories of four paragraphs, and copies of three of
// them as other outlets republish: with a byline, with a paragraph cut,
// with a paragraph added; one copy is dated before its original, so it
// names the group. It returns the articles and the expected group of
// every article (by id).
func dupArticles() ([]indexer.Article, map[string]string) {
	r := rand.New(rand.NewPCG(5, 5))
	vocab := strings.Fields("harbour strike union council budget river police court minister school hospital election market price rain bridge festival museum factory airport train ferry farmers fishing tourism housing water energy wind solar")
	para := func() string {
		w := make([]string, 18)
		for i := range w {
			w[i] = vocab[r.IntN(len(vocab))]
		}
		return strings.Join(w, " ") + "."
	}
	start := time.Date(2020, 5, 1, 8, 0, 0, 0, time.UTC)
	var out []indexer.Article
	group := map[string]string{}
	bodies := make([][]string, 12)
	for i := range 12 {
		bodies[i] = []string{para(), para(), para(), para()}
		id := fmt.Sprintf("story%02d", i)
		out = append(out, indexer.Article{ID: id, Title: "Story " + id, Body: strings.Join(bodies[i], "\n\n"),
			Source: []string{"Alpha Times", "Beta Post"}[i%2], Published: start.AddDate(0, 0, i), Persons: []string{"Ann Lee"}})
		group[id] = id
	}
	copyOf := func(id string, story int, body, source string, published time.Time) {
		out = append(out, indexer.Article{ID: id, Title: "Copy " + id, Body: body, Source: source, Published: published, Persons: []string{"Ann Lee"}})
		group[id] = fmt.Sprintf("story%02d", story)
	}
	copyOf("copy0a", 0, "By Staff Reporter\n\n"+strings.Join(bodies[0], "\n\n"), "Gamma Wire", start.AddDate(0, 0, 3))
	copyOf("copy0b", 0, strings.Join(bodies[0][:3], "\n\n"), "Delta News", start.AddDate(0, 0, 4))
	copyOf("copy1a", 1, strings.Join(append(bodies[1], para()), "\n\n"), "Gamma Wire", start.AddDate(0, 0, 2))
	// An earlier copy of story 2: it is the group's earliest article.
	copyOf("copy2a", 2, strings.Join(bodies[2][1:], "\n\n"), "Gamma Wire", start.AddDate(0, 0, -1))
	for id, g := range group {
		if g == "story02" {
			group[id] = "copy2a"
		}
	}
	return out, group
}

func TestDuplicateGroups(t *testing.T) {
	arts, want := dupArticles()
	svc := newTestService(t, arts...)
	ctx := context.Background()
	res := mustSearch(t, svc, Request{Query: `"Ann Lee" OR person:"Ann Lee"`, Size: 100})
	if int(res.Total) != len(arts) {
		t.Fatalf("%d matches, want %d", res.Total, len(arts))
	}
	size := map[string]int{}
	for _, g := range want {
		size[g]++
	}
	for _, h := range res.Hits {
		if h.Group != want[h.ID] || h.Copies != size[want[h.ID]] {
			t.Errorf("%s: group %q copies %d, want %q and %d", h.ID, h.Group, h.Copies, want[h.ID], size[want[h.ID]])
		}
	}

	// dedup=true: one article per group, in every count.
	stories := len(size)
	all := Request{Filters: Filters{Persons: []string{"Ann Lee"}}}
	dd := all
	dd.Dedup = true
	if got := mustSearch(t, svc, dd).Total; int(got) != stories {
		t.Errorf("dedup total %d, want %d stories", got, stories)
	}
	dd.Facets, dd.FacetSize = []string{FacetSource}, 10
	fr := mustSearch(t, svc, dd)
	sum := 0
	for _, fv := range fr.Facets[FacetSource] {
		sum += fv.Count
		if fv.Value == "Delta News" {
			t.Errorf("Delta News (only a later copy) counted with dedup: %d", fv.Count)
		}
	}
	if sum != stories {
		t.Errorf("dedup source facet sums to %d, want %d", sum, stories)
	}
	tl, err := svc.Timeline(ctx, TimelineRequest{Request: Request{Filters: all.Filters, Dedup: true}, Interval: "year"})
	if err != nil {
		t.Fatal(err)
	}
	if tl.Series[0].Total != uint64(stories) || tl.All[0].Count != stories {
		t.Errorf("dedup timeline: series total %d, all %d; want %d", tl.Series[0].Total, tl.All[0].Count, stories)
	}
	nw, err := svc.Cooccurrence(ctx, CooccurrenceRequest{Request: Request{Filters: all.Filters, Dedup: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nw.Nodes {
		if n.Name == "Ann Lee" && n.Count != stories {
			t.Errorf("dedup network: Ann Lee in %d articles, want %d", n.Count, stories)
		}
	}
	var rows int
	if _, err := svc.Export(ctx, Request{Filters: all.Filters, Dedup: true}, func(uint64, Hit) error { rows++; return nil }); err != nil || rows != stories {
		t.Errorf("dedup export: %d rows (%v), want %d", rows, err, stories)
	}

	// Copies lists the whole group, earliest first.
	c, err := svc.Copies(ctx, Request{}, "copy0b")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, cp := range c.Copies {
		ids = append(ids, cp.ID)
	}
	if c.Group != "story00" || strings.Join(ids, ",") != "story00,copy0a,copy0b" {
		t.Errorf("copies of copy0b: group %q, %q", c.Group, ids)
	}
	if c, err := svc.Copies(ctx, Request{}, "story05"); err != nil || c.Group != "story05" || len(c.Copies) != 1 {
		t.Errorf("copies of a unique story: %+v, %v", c, err)
	}
	// Within a restriction, only what it allows; outside it, not found.
	if c, err := svc.Copies(ctx, Request{Restrict: Filters{Sources: []string{"Gamma Wire"}}}, "copy0a"); err != nil || len(c.Copies) != 1 || c.Group != "copy0a" {
		t.Errorf("restricted copies: %+v, %v", c, err)
	}
	if _, err := svc.Copies(ctx, Request{Restrict: Filters{Sources: []string{"Gamma Wire"}}}, "story00"); !errors.Is(err, ErrNotFound) {
		t.Errorf("copies outside the restriction: %v, want ErrNotFound", err)
	}
	if _, err := svc.Copies(ctx, Request{}, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("copies of a missing article: %v, want ErrNotFound", err)
	}
}

// storyCopies are six stories naming Zed Quill and Mia Chen, and copies of
// two of them: s0-early, the earliest article of s0's group, lacks the
// paragraph holding "zanzibar"; s0-late adds a byline to the whole story;
// s1-copy follows s1. It returns the articles and each one's group.
func storyCopies() ([]indexer.Article, map[string]string) {
	r := rand.New(rand.NewPCG(13, 13))
	vocab := strings.Fields("lantern orchard quarry meadow glacier canyon harbor tundra prairie lagoon summit delta valley estuary plateau marsh reef dune cliff grove island channel basin ridge spring forest desert coast bay cape")
	para := func(extra string) string {
		w := make([]string, 18)
		for i := range w {
			w[i] = vocab[r.IntN(len(vocab))]
		}
		if extra != "" {
			w[7] = extra
		}
		return strings.Join(w, " ") + "."
	}
	start := time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC)
	names := []string{"Zed Quill", "Mia Chen"}
	var out []indexer.Article
	group := map[string]string{}
	bodies := make([][]string, 6)
	for i := range 6 {
		first, second := "", ""
		switch i {
		case 0:
			first = "zanzibar"
		case 1:
			second = "quokka"
		}
		bodies[i] = []string{para(first), para(second), para(""), para("")}
		id := fmt.Sprintf("s%d", i)
		out = append(out, indexer.Article{ID: id, Title: "Report " + id, Body: strings.Join(bodies[i], "\n\n"),
			Source: []string{"Alpha Times", "Beta Post"}[i%2], Published: start.AddDate(0, 0, 2*i), Persons: names})
		group[id] = id
	}
	add := func(id, g string, body []string, source string, published time.Time) {
		out = append(out, indexer.Article{ID: id, Title: "Copy " + id, Body: strings.Join(body, "\n\n"),
			Source: source, Published: published, Persons: names})
		group[id] = g
	}
	add("s0-early", "s0-early", bodies[0][1:], "Gamma Wire", start.AddDate(0, 0, -1))
	group["s0"] = "s0-early"
	add("s0-late", "s0-early", append([]string{"By Staff Reporter"}, bodies[0]...), "Delta News", start.AddDate(0, 0, 1))
	add("s1-copy", "s1", append([]string{"By Staff Reporter"}, bodies[1]...), "Gamma Wire", start.AddDate(0, 0, 3))
	return out, group
}

// TestDedupKeepsEveryMatchingStory checks that dedup picks, per group, the
// earliest copy among the matches: a story whose earliest copy does not
// match (filtered out, or lacking the words asked for) is still counted
// and listed once, in every answer that takes dedup.
func TestDedupKeepsEveryMatchingStory(t *testing.T) {
	arts, group := storyCopies()
	svc := newTestService(t, arts...)
	ctx := context.Background()
	source := map[string]string{}
	for _, a := range arts {
		source[a.ID] = a.Source
	}
	// The groups are as made: otherwise the cases below test nothing.
	for id, g := range group {
		c, err := svc.Copies(ctx, Request{}, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Group != g {
			t.Fatalf("%s is grouped under %q, want %q: the corpus no longer makes the groups it needs", id, c.Group, g)
		}
	}
	scope := Filters{Persons: []string{"Zed Quill"}}
	alpha, delta := scope, scope
	alpha.Sources, delta.Sources = []string{"Alpha Times"}, []string{"Delta News"}
	tests := []struct {
		name    string
		query   string
		filters Filters
		want    []string // the dedup matches
	}{
		{"everything: each group's earliest", "", scope, []string{"s0-early", "s1", "s2", "s3", "s4", "s5"}},
		{"earliest copy lacks the word", "zanzibar", scope, []string{"s0"}},
		{"earliest copy is the one that matches", "quokka", scope, []string{"s1"}},
		{"earliest copy filtered out", "", alpha, []string{"s0", "s2", "s4"}},
		{"only a later copy in scope", "", delta, []string{"s0-late"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Query: tt.query, Filters: tt.filters, Dedup: true, Size: 100, Facets: []string{FacetSource}}
			res := mustSearch(t, svc, req)
			var ids []string
			for _, h := range res.Hits {
				ids = append(ids, h.ID)
				if h.Group != group[h.ID] {
					t.Errorf("hit %s: group %q, want %q", h.ID, h.Group, group[h.ID])
				}
			}
			slices.Sort(ids)
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("dedup hits (-want +got):\n%s", diff)
			}
			n := len(tt.want)
			if int(res.Total) != n {
				t.Errorf("dedup total %d, want %d", res.Total, n)
			}
			wantSources := map[string]int{}
			for _, id := range tt.want {
				wantSources[source[id]]++
			}
			gotSources := map[string]int{}
			for _, fv := range res.Facets[FacetSource] {
				gotSources[fv.Value] = fv.Count
			}
			if diff := cmp.Diff(wantSources, gotSources); diff != "" {
				t.Errorf("dedup source facet (-want +got):\n%s", diff)
			}
			// Without dedup every copy counts: the case is not trivial.
			plain := req
			plain.Dedup = false
			if all := mustSearch(t, svc, plain); int(all.Total) < n {
				t.Errorf("without dedup %d matches, fewer than the %d with it", all.Total, n)
			}

			base := Request{Query: tt.query, Filters: tt.filters, Dedup: true}
			tl, err := svc.Timeline(ctx, TimelineRequest{Request: base, Queries: []string{tt.query}, Interval: "day"})
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, b := range tl.Series[0].Buckets {
				sum += b.Count
			}
			if tl.Series[0].Total != uint64(n) || sum != n {
				t.Errorf("dedup timeline: total %d, buckets summing to %d; want %d", tl.Series[0].Total, sum, n)
			}
			nw, err := svc.Cooccurrence(ctx, CooccurrenceRequest{Request: base})
			if err != nil {
				t.Fatal(err)
			}
			if len(nw.Edges) != 1 || nw.Edges[0].Count != n || nw.Total != uint64(n) {
				t.Errorf("dedup network: total %d, edges %+v; want one edge of %d articles", nw.Total, nw.Edges, n)
			}
			sg, err := svc.Significant(ctx, SignificantRequest{Request: base, Field: FacetPerson})
			if err != nil {
				t.Fatal(err)
			}
			if sg.ForegroundTotal != uint64(n) {
				t.Errorf("dedup significant: foreground %d, want %d", sg.ForegroundTotal, n)
			}
			var rows []string
			if _, err := svc.Export(ctx, base, func(_ uint64, h Hit) error { rows = append(rows, h.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			slices.Sort(rows)
			if diff := cmp.Diff(tt.want, rows); diff != "" {
				t.Errorf("dedup export (-want +got):\n%s", diff)
			}
			sample := base
			sample.Sample, sample.Seed, sample.Size = 100, 7, 100
			if got := mustSearch(t, svc, sample); int(got.Total) != n || int(got.SampleOf) != n {
				t.Errorf("dedup sample: %d drawn of %d, want all %d", got.Total, got.SampleOf, n)
			}
		})
	}
}
