package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"newsdex/search"
	"newsdex/search/opensearch"
)

// similarReader is a backend with similar articles.
type similarReader interface {
	reader
	Similar(ctx context.Context, id string, req search.Request) (*search.Result, error)
}

var (
	_ similarReader = (*search.Service)(nil)
	_ similarReader = (*opensearch.Service)(nil)
)

// TestOpenSearchSimilar checks similar articles on OpenSearch against
// Bleve over the built-in corpus: the article itself never comes back,
// filters and restrictions hold, bad input gets the same errors, and as
// both ask for the same words, with document frequencies counted over
// the whole index, the same articles match (the totals agree; the order
// is each backend's BM25).
func TestOpenSearchSimilar(t *testing.T) {
	blr, osrr := parityBackends(t, nil, filepath.Join("..", "..", "data", "articles.txt"))
	bl, osr := blr.(similarReader), osrr.(similarReader)
	ctx := t.Context()
	all, err := bl.Search(ctx, search.Request{Sort: search.SortDate, Size: 100, Facets: []string{search.FacetSource, search.FacetPlace}})
	if err != nil {
		t.Fatal(err)
	}
	source := all.Facets[search.FacetSource][0].Value
	place := all.Facets[search.FacetPlace][0].Value
	reqs := []struct {
		name  string
		req   search.Request
		holds func(h search.Hit) bool
	}{
		{"default", search.Request{}, func(search.Hit) bool { return true }},
		{"size 3, highlighted", search.Request{Size: 3, Highlight: true}, func(search.Hit) bool { return true }},
		{"source filter", search.Request{Filters: search.Filters{Sources: []string{source}}},
			func(h search.Hit) bool { return h.Source == source }},
		{"restricted to a source", search.Request{Restrict: search.Filters{Sources: []string{source}}},
			func(h search.Hit) bool { return h.Source == source }},
		{"place filter", search.Request{Filters: search.Filters{Places: []string{place}}},
			func(h search.Hit) bool { return slices.Contains(h.Places, place) }},
	}
	for _, a := range all.Hits {
		for _, rc := range reqs {
			want, err := bl.Similar(ctx, a.ID, rc.req)
			if err != nil {
				t.Fatalf("bleve similar %s %s: %v", a.ID, rc.name, err)
			}
			got, err := osr.Similar(ctx, a.ID, rc.req)
			if err != nil {
				t.Fatalf("opensearch similar %s %s: %v", a.ID, rc.name, err)
			}
			if want.Total != got.Total {
				t.Errorf("similar to %s, %s: total bleve %d, opensearch %d", a.ID, rc.name, want.Total, got.Total)
			}
			size := rc.req.Size
			if size == 0 {
				size = search.DefaultSimilarSize
			}
			if len(got.Hits) != min(size, int(got.Total)) {
				t.Errorf("similar to %s, %s: %d hits of %d, size %d", a.ID, rc.name, len(got.Hits), got.Total, size)
			}
			for _, h := range got.Hits {
				if h.ID == a.ID {
					t.Errorf("similar to %s, %s: the article itself is among them", a.ID, rc.name)
				}
				if !rc.holds(h) {
					t.Errorf("similar to %s, %s: %s (%s, %v) does not hold", a.ID, rc.name, h.ID, h.Source, h.Places)
				}
			}
		}
	}
	for _, tc := range []struct {
		name string
		id   string
		req  search.Request
		want error
	}{
		{"unknown id", "no-such-article", search.Request{}, search.ErrNotFound},
		{"size too large", all.Hits[0].ID, search.Request{Size: 100000}, search.ErrInvalidRequest},
		{"negative size", all.Hits[0].ID, search.Request{Size: -1}, search.ErrInvalidRequest},
	} {
		_, werr := bl.Similar(ctx, tc.id, tc.req)
		_, gerr := osr.Similar(ctx, tc.id, tc.req)
		if !errors.Is(werr, tc.want) || !errors.Is(gerr, tc.want) || werr.Error() != gerr.Error() {
			t.Errorf("%s: bleve %v, opensearch %v; want both %v", tc.name, werr, gerr, tc.want)
		}
	}
}

// onTopic is what similarOnTopic measures for one backend.
type onTopic struct {
	share float64       // of the top-10 hits, those sharing a topic with the story
	most  float64       // of the stories, those with 6 or more of 10 on topic
	took  time.Duration // all its Similar calls
}

// similarOnTopic measures, as search's TestSimilarReuters does (which
// takes every 25th), for every step-th Reuters-21578 story with a topic label, the share of its
// top-10 similar articles that share a label, and the share of stories
// with 6 or more of 10 on topic, for each backend; the backends take
// turns story by story, so that their times compare under the same
// load. It also checks that no story is among its own similar articles.
func similarOnTopic(t *testing.T, corpus string, step int, rs ...similarReader) []onTopic {
	t.Helper()
	f, err := os.Open(corpus)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	topics := map[string][]string{}
	var ids []string
	dec := json.NewDecoder(f)
	for {
		var rec struct {
			ID     string   `json:"id"`
			Topics []string `json:"reuters_topics"`
		}
		if err := dec.Decode(&rec); err != nil {
			break
		}
		if len(rec.Topics) > 0 {
			topics[rec.ID] = rec.Topics
			ids = append(ids, rec.ID)
		}
	}
	type tally struct{ onTopic, hits, six int }
	tallies := make([]tally, len(rs))
	out := make([]onTopic, len(rs))
	stories := 0
	for i := 0; i < len(ids); i += step {
		stories++
		for j, r := range rs {
			start := time.Now()
			res, err := r.Similar(t.Context(), ids[i], search.Request{Size: 10})
			out[j].took += time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			k := 0
			for _, h := range res.Hits {
				if h.ID == ids[i] {
					t.Errorf("%s is among its own similar articles", h.ID)
				}
				tallies[j].hits++
				if slices.ContainsFunc(topics[h.ID], func(tp string) bool { return slices.Contains(topics[ids[i]], tp) }) {
					tallies[j].onTopic++
					k++
				}
			}
			if k >= 6 {
				tallies[j].six++
			}
		}
	}
	for j, tl := range tallies {
		out[j].share = float64(tl.onTopic) / float64(max(tl.hits, 1))
		out[j].most = float64(tl.six) / float64(max(stories, 1))
	}
	return out
}
