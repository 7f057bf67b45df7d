package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

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
