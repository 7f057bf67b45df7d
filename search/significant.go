package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/indexer"
	"newsdex/search/count"
)

// Significant fields.
const (
	FieldTerms = "terms"
)

// SignificantRequest asks which terms or names are distinctive for the
// matches of the embedded Request (the foreground) against a background:
// every article in the filters' scope, or the matches of Background.
type SignificantRequest struct {
	Request
	Field      string // terms, person, org or place
	Size       int    // items; 0 means DefaultAnalysisSize
	Background string // a query; "" means everything in scope
}

// SignificantItem is one distinctive term or name: fg and bg are the
// articles naming it in the foreground and the background, exactly.
type SignificantItem struct {
	Value string  `json:"value"`
	FG    int     `json:"fg"`
	BG    int     `json:"bg"`
	Score float64 `json:"score"`
}

// Significant is the answer to a SignificantRequest, items by score,
// highest first. For terms, Sampled is the number of foreground articles
// whose text was read to find the candidates when there were more
// matches than that (search.significant_sample); the counts of the items
// shown are exact all the same.
type Significant struct {
	Field           string            `json:"field"`
	Method          string            `json:"method"`
	ForegroundTotal uint64            `json:"foreground_total"`
	BackgroundTotal uint64            `json:"background_total"`
	Sampled         int               `json:"sampled,omitempty"`
	Items           []SignificantItem `json:"items"`
	TookMS          float64           `json:"took_ms"`
}

// minSignificantFG is the fewest foreground articles an item needs: a
// value in one article is an accident, not a pattern.
const minSignificantFG = 2

// Significant ranks the terms or names of the foreground by JLH
// (count.JLH). Names are archive entities counted exactly in both sets.
// Terms are words as the index stems them, shown in their most common
// written form; stop words, numbers and one-letter words never appear.
// Errors wrap ErrInvalidRequest for bad input and
// context.DeadlineExceeded past the search timeout.
func (s *Service) Significant(ctx context.Context, sr SignificantRequest) (*Significant, error) {
	start := time.Now()
	size, err := s.analysisSize(sr.Size)
	if err != nil {
		return nil, err
	}
	switch sr.Field {
	case FieldTerms, FacetPerson, FacetOrg, FacetPlace:
	case "":
		return nil, fmt.Errorf("%w: field is required (terms, person, org or place)", ErrInvalidRequest)
	default:
		return nil, fmt.Errorf("%w: unknown field %q (want terms, person, org or place)", ErrInvalidRequest, truncate(sr.Field, 40))
	}
	ctx, cancel := context.WithTimeout(ctx, s.lim.Timeout)
	defer cancel()
	bg := sr.Request
	bg.Query = sr.Background
	var out *Significant
	if sr.Field == FieldTerms {
		out, err = s.significantTerms(ctx, sr.Request, bg, size)
	} else {
		out, err = s.significantNames(ctx, sr.Field, sr.Request, bg, size)
	}
	if err != nil {
		return nil, err
	}
	out.Field, out.Method = sr.Field, count.MethodJLH
	out.TookMS = tookMS(start)
	return out, nil
}

// rankItems scores items, keeps those with a positive score, and returns
// the best size of them.
func rankItems(items []SignificantItem, fgTotal, bgTotal uint64, size int) []SignificantItem {
	out := []SignificantItem{}
	for _, it := range items {
		if it.FG < minSignificantFG {
			continue
		}
		it.Score = count.JLH(it.FG, int(fgTotal), it.BG, int(bgTotal))
		if it.Score > 0 {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b SignificantItem) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out[:min(len(out), size)]
}

func (s *Service) significantNames(ctx context.Context, facet string, fg, bg Request, size int) (*Significant, error) {
	all := map[string]int{facet: 1 << 24}
	fres, _, err := s.tally(ctx, fg, all, false, nil)
	if err != nil {
		return nil, err
	}
	bres, _, err := s.tally(ctx, bg, all, false, nil)
	if err != nil {
		return nil, err
	}
	bgCount := map[string]int{}
	for _, fv := range facetValues(bres.Facets[facet]) {
		bgCount[fv.Value] = fv.Count
	}
	var items []SignificantItem
	for _, fv := range facetValues(fres.Facets[facet]) {
		items = append(items, SignificantItem{Value: fv.Value, FG: fv.Count, BG: bgCount[fv.Value]})
	}
	return &Significant{ForegroundTotal: fres.Total, BackgroundTotal: bres.Total,
		Items: rankItems(items, fres.Total, bres.Total, size)}, nil
}

// termStats are a term's articles in a sample and its written forms.
type termStats struct {
	term  string
	docs  int
	forms map[string]int
	stamp int // the last article counted
}

// significantTerms finds candidate terms in samples of the foreground
// and background texts, then counts the best candidates exactly in both.
func (s *Service) significantTerms(ctx context.Context, fg, bg Request, size int) (*Significant, error) {
	n := s.lim.SignificantSample
	fgIDs, fgTotal, err := s.sampleIDs(ctx, fg, n, 1, false)
	if err != nil {
		return nil, err
	}
	bgIDs, bgTotal, err := s.sampleIDs(ctx, bg, n, 2, false)
	if err != nil {
		return nil, err
	}
	fgTerms, err := s.sampleTerms(ctx, fgIDs)
	if err != nil {
		return nil, err
	}
	bgTerms, err := s.sampleTerms(ctx, bgIDs)
	if err != nil {
		return nil, err
	}
	// Candidates: the best by JLH on the samples, three times as many as
	// asked for, since sampled counts are rough.
	var cands []SignificantItem
	for term, st := range fgTerms {
		b := 0
		if bs := bgTerms[term]; bs != nil {
			b = bs.docs
		}
		cands = append(cands, SignificantItem{Value: term, FG: st.docs, BG: b})
	}
	minFG := minSignificantFG
	if len(fgIDs) < 50 {
		minFG = 1 // a handful of articles: every word is a candidate
	}
	var keep []SignificantItem
	for _, c := range cands {
		if c.FG >= minFG {
			c.Score = count.JLH(c.FG, len(fgIDs), c.BG, max(len(bgIDs), 1))
			keep = append(keep, c)
		}
	}
	slices.SortFunc(keep, func(a, b SignificantItem) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.Value, b.Value)
	})
	keep = keep[:min(len(keep), 3*size)]

	// Exact counts of the candidates, two searches each, on two workers.
	fq, _, err := s.buildQuery(withValidDefaults(fg))
	if err != nil {
		return nil, err
	}
	bq, _, err := s.buildQuery(withValidDefaults(bg))
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range 2 {
		wg.Go(func() {
			for i := range next {
				f, err1 := s.countWithTerm(ctx, fq, keep[i].Value)
				b, err2 := s.countWithTerm(ctx, bq, keep[i].Value)
				mu.Lock()
				if err := cmpErr(err1, err2); err != nil && firstErr == nil {
					firstErr = err
				}
				keep[i].FG, keep[i].BG = f, b
				mu.Unlock()
			}
		})
	}
	for i := range keep {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	items := rankItems(keep, uint64(fgTotal), uint64(bgTotal), size)
	for i := range items {
		items[i].Value = surfaceForm(fgTerms[items[i].Value])
	}
	out := &Significant{ForegroundTotal: uint64(fgTotal), BackgroundTotal: uint64(bgTotal), Items: items}
	if len(fgIDs) < fgTotal {
		out.Sampled = len(fgIDs)
	}
	return out, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// withValidDefaults is req as Validate leaves it, for building its query
// outside Search (Validate already passed in tally).
func withValidDefaults(req Request) Request {
	if req.Sort == "" {
		req.Sort = SortRelevance
	}
	req.Filters.clampDates()
	req.Restrict.clampDates()
	return req
}

// countWithTerm counts the matches of q whose title or body holds the
// index term.
func (s *Service) countWithTerm(ctx context.Context, q query.Query, term string) (int, error) {
	var qs []query.Query
	for _, f := range []string{indexer.FieldTitle, indexer.FieldBody} {
		t := bleve.NewTermQuery(term)
		t.SetField(f)
		qs = append(qs, t)
	}
	var cq query.Query = bleve.NewDisjunctionQuery(qs...)
	if _, all := q.(*query.MatchAllQuery); !all {
		// Everything ANDed with the term is the term alone; walking every
		// document to confirm it costs more than the term's postings.
		cq = bleve.NewConjunctionQuery(q, cq)
	}
	breq := bleve.NewSearchRequestOptions(cq, 0, 0, false)
	breq.Score = bleve.ScoreNone
	res, err := s.run(ctx, breq)
	if err != nil {
		return 0, err
	}
	return int(res.Total), nil
}

// sampleTerms reads the title and body of the articles and counts, per
// index term, the articles holding it and its written forms. Stop words
// (which the analyzer drops), numbers and one-letter words are left out.
func (s *Service) sampleTerms(ctx context.Context, ids []string) (map[string]*termStats, error) {
	out := map[string]*termStats{}
	if len(ids) == 0 {
		return out, nil
	}
	breq := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	breq.Score = bleve.ScoreNone
	breq.Fields = []string{indexer.FieldTitle, indexer.FieldBody}
	res, err := s.run(ctx, breq)
	if err != nil {
		return nil, err
	}
	// Words are cut from the text as written (not with the analyzer's
	// char filter, which folds accents and so moves the offsets, nor its
	// UAX #29 tokenizer, four times slower), then each distinct word is
	// analysed alone to its index term.
	type written struct {
		st *termStats // nil: not a term worth counting
		n  int        // occurrences of this form
	}
	termOf := map[string]*written{} // written word → its term and count
	for i, h := range res.Hits {
		if i%64 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("read sample: %w", ctx.Err())
		}
		stamp := i + 1
		for _, text := range []string{fieldString(h.Fields, indexer.FieldTitle), fieldString(h.Fields, indexer.FieldBody)} {
			eachWord(text, func(form string) {
				w := termOf[form]
				if w == nil {
					var st *termStats
					if wordLike(form) {
						if toks := s.analyzer.Analyze([]byte(form)); len(toks) == 1 && utf8.RuneCount(toks[0].Term) >= 2 {
							term := string(toks[0].Term)
							if st = out[term]; st == nil {
								st = &termStats{term: term, forms: map[string]int{}}

								out[term] = st
							}
						}
					}
					w = &written{st: st}
					termOf[strings.Clone(form)] = w
				}
				st := w.st
				if st == nil {
					return
				}
				w.n++
				if st.stamp != stamp {
					st.stamp = stamp
					st.docs++
				}
			})
		}
	}
	for form, w := range termOf {
		if w.st != nil {
			w.st.forms[form] += w.n
		}
	}
	return out, nil
}

// eachWord calls fn with each word of text: letters, digits and marks,
// with apostrophes inside (Kim's). The string passed shares text's memory.
func eachWord(text string, fn func(string)) {
	start := -1
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
		if !inWord && (r == '\'' || r == '’') && start >= 0 {
			// An apostrophe stays when a letter follows.
			if next, _ := utf8.DecodeRuneInString(text[i+utf8.RuneLen(r):]); unicode.IsLetter(next) {
				inWord = true
			}
		}
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			fn(text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		fn(text[start:])
	}
}

// wordLike reports whether a written form is a word worth showing: two
// letters or more and no digits.
func wordLike(form string) bool {
	letters := 0
	for _, r := range form {
		switch {
		case unicode.IsDigit(r):
			return false
		case unicode.IsLetter(r):
			letters++
		}
	}
	return letters >= 2
}

// surfaceForm is a term's most common written form; at equal counts the
// lower-case one (a word capitalised at a sentence start is the same
// word), then the first in byte order.
func surfaceForm(st *termStats) string {
	best, bestN := "", -1
	for f, n := range st.forms {
		lower := strings.ToLower(f) == f
		switch {
		case n > bestN, n == bestN && lower && strings.ToLower(best) != best, n == bestN && lower == (strings.ToLower(best) == best) && f < best:
			best, bestN = f, n
		}
	}
	// Possessives and the like are analysed away: show the bare word.
	return strings.TrimSuffix(strings.TrimSuffix(best, "'s"), "’s")
}
