package search

// Ranking as the service runs it: scores, hit sets and orders through
// Search. The scorers themselves are tested in search/rank.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
	"newsdex/search/querylang"
	"newsdex/search/rank"
)

// lengthArticles have bodies of known analysed lengths: "w" repeated, then
// filler words that are not stop words.
func lengthArticles() []indexer.Article {
	body := func(n int, extra string) string {
		words := []string{extra}
		for i := len(words); i < n; i++ {
			words = append(words, fmt.Sprintf("filler%c", 'a'+i%26))
		}
		return strings.Join(words, " ")
	}
	return []indexer.Article{
		{ID: "short", Title: "Short note", Body: body(10, "quasar")},
		{ID: "medium", Title: "Medium piece", Body: body(40, "quasar")},
		{ID: "long", Title: "Long report", Body: body(130, "quasar quasar quasar")},
		{ID: "other", Title: "Unrelated", Body: body(20, "pulsar")},
	}
}

func newMemService(t *testing.T, lim Limits, as ...indexer.Article) *Service {
	t.Helper()
	idx, err := indexer.NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, slog.New(slog.DiscardHandler), nil, nil)
	ing.OnSkip = func(r indexer.Record) { t.Errorf("skipped %s: %v", r.Location(), r.Err) }
	if _, err := ing.Ingest(context.Background(), articleSource(as)); err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(idx, lim, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestWordsQueryScoreIsBM25F checks a score against the formula worked
// out by hand with the true mean lengths, so a scorer with Bleve's mean,
// its sqrt(tf) or its coordination factor fails.
func TestWordsQueryScoreIsBM25F(t *testing.T) {
	svc := newMemService(t, Limits{TitleBoost: 2}, lengthArticles()...)
	res := mustSearch(t, svc, Request{Query: "quasar"})
	got := map[string]float64{}
	for _, h := range res.Hits {
		got[h.ID] = h.Score
	}
	const n, df = 4.0, 3.0
	idf := math.Log(1 + (n-df+0.5)/(df+0.5))
	meanBody := (10.0 + 40 + 132 + 20) / 4
	bm25 := func(tf, dl float64) float64 {
		tfn := tf / (1 - 0.75 + 0.75*dl/meanBody)
		return idf * tfn * 2.2 / (1.2 + tfn)
	}
	want := map[string]float64{"short": bm25(1, 10), "medium": bm25(1, 40), "long": bm25(3, 132)}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
	// The title counts twice (weight 2) inside the same saturation.
	res = mustSearch(t, svc, Request{Query: "report"})
	meanTitle := (2.0 + 2 + 2 + 1) / 4 // "Unrelated" is one word
	tfn := 2 * 1 / (1 - 0.75 + 0.75*2/meanTitle)
	idf1 := math.Log(1 + (n-1+0.5)/(1+0.5))
	if w := idf1 * tfn * 2.2 / (1.2 + tfn); len(res.Hits) != 1 || math.Abs(res.Hits[0].Score-w) > 1e-9 {
		t.Errorf("title-only match: hits %+v, want one scoring %v", res.Hits, w)
	}
}

// TestScorerKeepsHitSets checks that scoring with rank.WordsQuery changes only
// the order: every query matches the same articles as Bleve's own
// translation, which exercises MinMatch and Advance inside conjunctions,
// filters and negations.
func TestScorerKeepsHitSets(t *testing.T) {
	svc := newTestService(t, lengthArticles()...)
	queries := []string{
		"defector", "north korea", "north OR korea", "north AND NOT rice", "+kim jong un",
		`"kim jong un"`, `"acting ambassador" OR quasar`, "kim jong-un", "COVID-19 vaccine", "rice nor*",
		"defect* AND seoul", "title:hiding OR body:quasar", "the AND defector", "the of", "quasar -long",
		"(north OR south) AND (rice OR cash)", "ambassador~", "pulsar OR quasar OR filler*", "-defector",
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			node, err := querylang.ParseQuery(q, querylang.QueryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids := func(opts querylang.TranslateOptions) []string {
				bq, err := querylang.ToBleve(node, opts)
				if err != nil {
					t.Fatal(err)
				}
				res, err := svc.idx.Search(bleve.NewSearchRequestOptions(bq, 100, 0, false))
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, h := range res.Hits {
					out = append(out, h.ID)
				}
				slices.Sort(out)
				return out
			}
			an := querylang.MappingAnalyze(svc.idx.Mapping())
			want := ids(querylang.TranslateOptions{Analyze: an})
			got := ids(querylang.TranslateOptions{Analyze: an, Stats: rank.NewFieldStats()})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("hits (-bleve +bm25f):\n%s", diff)
			}
		})
	}
}

func TestWordsQueryRanking(t *testing.T) {
	svc := newMemService(t, Limits{},
		indexer.Article{ID: "apart", Title: "Notes", Body: "heat is lost through the wall while the transfer of goods goes on"},
		indexer.Article{ID: "together", Title: "Notes", Body: "heat transfer through the wall while the goods go on and on"},
		indexer.Article{ID: "title", Title: "Heat transfer", Body: "a short study of walls"},
		indexer.Article{ID: "none", Title: "Other", Body: "nothing to see"},
	)
	tests := []struct {
		name, query string
		mode        string
		want        []string
	}{
		// Same words, same lengths: proximity puts the adjacent pair first.
		{"proximity", "heat transfer", "", []string{"title", "together", "apart"}},
		{"natural ORs words", "heat transfer of anything", ModeNatural, []string{"title", "together", "apart"}},
		{"AND needs all words", "heat anything", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustSearch(t, svc, Request{Query: tt.query, Mode: tt.mode})
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ranking (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRecencyBoost checks the option end to end: two equally relevant
// articles tie without it and the newer one wins with it; an undated one
// keeps its score; date sorts are not touched.
func TestRecencyBoost(t *testing.T) {
	now := time.Now().UTC()
	articles := []indexer.Article{
		{ID: "a-old", Title: "Harbour strike", Body: "dockers strike at the harbour", Published: now.AddDate(-1, 0, 0)},
		{ID: "b-new", Title: "Harbour strike", Body: "dockers strike at the harbour", Published: now.Add(-time.Hour)},
		{ID: "c-undated", Title: "Harbour strike", Body: "dockers strike at the harbour"},
	}
	order := func(lim Limits, sort string) ([]string, []float64) {
		svc := newMemService(t, lim, articles...)
		res := mustSearch(t, svc, Request{Query: "harbour strike", Sort: sort})
		var ids []string
		var scores []float64
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
			scores = append(scores, h.Score)
		}
		return ids, scores
	}
	plain, plainScores := order(Limits{}, "")
	if diff := cmp.Diff([]string{"a-old", "b-new", "c-undated"}, plain); diff != "" {
		t.Errorf("without boost, ties break by id (-want +got):\n%s", diff)
	}
	boosted, scores := order(Limits{RecencyBoost: 0.5}, "")
	if diff := cmp.Diff([]string{"b-new", "a-old", "c-undated"}, boosted); diff != "" {
		t.Errorf("with boost (-want +got):\n%s", diff)
	}
	if len(scores) == 3 && (scores[2] != plainScores[2] || scores[0] <= 1.4*plainScores[0]) {
		t.Errorf("scores %v, unboosted %v: want the new one about 1.5x, the undated one unchanged", scores, plainScores)
	}
	dated, _ := order(Limits{RecencyBoost: 0.5}, SortDate)
	if diff := cmp.Diff([]string{"a-old", "b-new", "c-undated"}, dated); diff != "" {
		t.Errorf("date sort (-want +got):\n%s", diff)
	}
}

// TestPhraseAsBleve: a phrase over title and body, which the words'
// searcher checks on the positions it reads (rank.WordsQuery.Phrase),
// matches exactly the articles Bleve's phrase query matches. On
// Reuters-21578: phrases of two to four words cut from every 40th
// article's title and body as written (stop words, possessives,
// abbreviations, numbers), and a few chosen ones.
func TestPhraseAsBleve(t *testing.T) {
	svc := reutersTestService(t)
	f, err := os.Open("../../shared/data/reuters21578.jsonl")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	phrases := []string{"interest rates", "bank of england", "federal reserve", "the bank", "rates rates", "u.s. treasury", "of the", "it's", "1.5 billion dlrs"}
	dec := json.NewDecoder(f)
	for n := 0; ; n++ {
		var a indexer.Article
		if err := dec.Decode(&a); err != nil {
			break
		}
		if n%40 != 0 {
			continue
		}
		for _, text := range []string{a.Title, a.Body} {
			ws := strings.Fields(text)
			if len(ws) < 6 {
				continue
			}
			start, size := (n/40)%(len(ws)-4), 2+(n/40)%3
			p := strings.ToLower(strings.Join(ws[start:start+size], " "))
			phrases = append(phrases, strings.NewReplacer(`"`, "", `\`, "", "(", "", ")", "", ":", "", "*", "", "~", "", "^", "").Replace(p))
		}
	}
	an := querylang.MappingAnalyze(svc.idx.Mapping())
	checked := 0
	for _, p := range phrases {
		node, err := querylang.ParseQuery(`"`+p+`"`, querylang.QueryOptions{})
		if err != nil {
			continue // a cut that is not a valid phrase
		}
		hits := func(opts querylang.TranslateOptions) (uint64, []string) {
			bq, err := querylang.ToBleve(node, opts)
			if err != nil {
				t.Fatalf("%q: %v", p, err)
			}
			req := bleve.NewSearchRequestOptions(bq, 25000, 0, false)
			req.SortBy([]string{"_id"}) // every match, in an order scores do not change
			res, err := svc.idx.Search(req)
			if err != nil {
				t.Fatalf("%q: %v", p, err)
			}
			var out []string
			for _, h := range res.Hits {
				out = append(out, h.ID)
			}
			slices.Sort(out)
			return res.Total, out
		}
		wantN, want := hits(querylang.TranslateOptions{Analyze: an})
		gotN, got := hits(querylang.TranslateOptions{Analyze: an, Stats: svc.stats})
		if wantN != gotN || !slices.Equal(want, got) {
			t.Errorf("%q: bleve's phrase query matches %d, the words' searcher %d (-bleve +words):\n%s", p, wantN, gotN, cmp.Diff(want, got))
		}
		checked++
	}
	if checked < 400 {
		t.Fatalf("checked %d phrases, want at least 400", checked)
	}
}

// TestTopKSameTop checks that scoring only the page exactly
// (rank.WordsQuery.TopK) keeps the page: for several page sizes the TopK
// best, scores and order as with every score exact, on Reuters-21578, and
// the same through Search with an offset. It also checks that documents
// were in fact scored without their positions.
func TestTopKSameTop(t *testing.T) {
	svc := reutersTestService(t)
	an := querylang.MappingAnalyze(svc.idx.Mapping())
	type hit struct {
		id    string
		score float64
	}
	run := func(q string, topK int) (map[string]float64, []hit) {
		t.Helper()
		node, err := querylang.ParseQuery(q, querylang.QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bq, err := querylang.ToBleve(node, querylang.TranslateOptions{Analyze: an, Stats: svc.stats, Params: &svc.lim.Ranking})
		if err != nil {
			t.Fatal(err)
		}
		wq, ok := bq.(*rank.WordsQuery)
		if !ok {
			t.Fatalf("%q translates to %T, not a words query", q, bq)
		}
		wq.TopK = topK
		req := bleve.NewSearchRequestOptions(bq, 25000, 0, false)
		req.SortBy([]string{"-_score", "_id"})
		res, err := svc.idx.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		all := map[string]float64{}
		var order []hit
		for _, h := range res.Hits {
			all[h.ID] = h.Score
			order = append(order, hit{h.ID, h.Score})
		}
		if res.Total != uint64(len(res.Hits)) {
			t.Fatalf("%q: %d matches, %d read", q, res.Total, len(res.Hits))
		}
		return all, order
	}
	pruned := 0
	for _, q := range []string{"interest rates", "oil prices", "bank of england", "trade deficit", "tokyo stock exchange",
		"crude oil prices", "earnings per share", "oil OR coffee OR sugar", "federal OR reserve OR rates", "dollar yen"} {
		exactScores, exact := run(q, 0)
		for _, k := range []int{1, 3, 10, 25} {
			scores, order := run(q, k)
			if len(scores) != len(exactScores) {
				t.Fatalf("%q, top %d: %d matches, exactly %d", q, k, len(scores), len(exactScores))
			}
			n := min(k, len(exact))
			if diff := cmp.Diff(exact[:n], order[:n], cmp.AllowUnexported(hit{})); diff != "" {
				t.Errorf("%q: the best %d differ (-exact +top %d):\n%s", q, n, k, diff)
			}
			for id, s := range scores {
				if s > exactScores[id] {
					t.Errorf("%q, top %d: %s scored %v, above its exact %v", q, k, id, s, exactScores[id])
				}
				if s < exactScores[id] {
					pruned++
				}
			}
		}
		// Through the service, a page after an offset.
		res, err := svc.Search(context.Background(), Request{Query: q, Size: 3, From: 22})
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range res.Hits {
			if want := exact[22+i]; h.ID != want.id || h.Score != want.score {
				t.Errorf("%q: hit %d is %s (%v), exactly %s (%v)", q, 22+i, h.ID, h.Score, want.id, want.score)
			}
		}
	}
	if pruned == 0 {
		t.Error("no document was scored without its positions")
	}
}
