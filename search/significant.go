package search

import (
	"context"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"

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
type SignificantItem = count.Item

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

// SignificantCounter is the counting significant terms and names need
// from a backend.
type SignificantCounter interface {
	Sampler
	// TopValues is TimelineCounter's.
	TopValues(ctx context.Context, req Request, facet string, size int) (uint64, []FacetValue, error)
	// NameCounts returns the number of matches of req and, for each of
	// names (entities of the facet's type), the matches naming it.
	NameCounts(ctx context.Context, req Request, facet string, names []string) (uint64, []int, error)
	// Texts calls add with the title and body of each article of ids.
	Texts(ctx context.Context, ids []string, add func(title, body string)) error
	// WithTerm counts, for each index term (as the text analyzer makes
	// them), the matches of req whose title or body holds it.
	WithTerm(ctx context.Context, req Request, terms []string) ([]int, error)
	// Analyzer is the index's text analyzer, which makes those terms.
	Analyzer() analysis.Analyzer
}

// Significant ranks the terms or names of the foreground by JLH
// (RunSignificant).
func (s *Service) Significant(ctx context.Context, sr SignificantRequest) (*Significant, error) {
	return RunSignificant(ctx, s.counting(), s.lim, sr)
}

// RunSignificant is significant terms and names on every backend,
// counted by c, ranked by JLH (count.Rank). Names are archive entities
// counted exactly in both sets. Terms are words as the index stems them,
// shown in their most common written form; stop words, numbers and
// one-letter words never appear. Errors wrap ErrInvalidRequest for bad
// input and context.DeadlineExceeded past lim.Timeout.
func RunSignificant(ctx context.Context, c SignificantCounter, lim Limits, sr SignificantRequest) (*Significant, error) {
	start := time.Now()
	size, err := analysisSize(lim, sr.Size)
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
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	bg := sr.Request
	bg.Query = sr.Background
	var out *Significant
	if sr.Field == FieldTerms {
		out, err = significantTerms(ctx, c, sr.Request, bg, size, lim.SignificantSample)
	} else {
		out, err = significantNames(ctx, c, sr.Field, sr.Request, bg, size)
	}
	if err != nil {
		return nil, err
	}
	out.Field, out.Method = sr.Field, count.MethodJLH
	out.TookMS = tookMS(start)
	return out, nil
}

func significantNames(ctx context.Context, c SignificantCounter, facet string, fg, bg Request, size int) (*Significant, error) {
	fgTotal, fgValues, err := c.TopValues(ctx, fg, facet, -1)
	if err != nil {
		return nil, err
	}
	// Only names in MinFG foreground articles can rank: the background
	// counts those alone.
	var items []SignificantItem
	var names []string
	for _, fv := range fgValues {
		if fv.Count >= count.MinFG {
			items = append(items, SignificantItem{Value: fv.Value, FG: fv.Count})
			names = append(names, fv.Value)
		}
	}
	bgTotal, bgCounts, err := c.NameCounts(ctx, bg, facet, names)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i].BG = bgCounts[i]
	}
	return &Significant{ForegroundTotal: fgTotal, BackgroundTotal: bgTotal,
		Items: count.Rank(items, fgTotal, bgTotal, size)}, nil
}

// significantTerms finds candidate terms in samples (of n articles) of
// the foreground and background texts, then counts the best candidates
// exactly in both.
func significantTerms(ctx context.Context, c SignificantCounter, fg, bg Request, size, n int) (*Significant, error) {
	fgIDs, fgTotal, err := SampleIDs(ctx, c, fg, n, 1, false)
	if err != nil {
		return nil, err
	}
	bgIDs, bgTotal, err := SampleIDs(ctx, c, bg, n, 2, false)
	if err != nil {
		return nil, err
	}
	fgTerms, err := sampleTerms(ctx, c, fgIDs)
	if err != nil {
		return nil, err
	}
	bgTerms, err := sampleTerms(ctx, c, bgIDs)
	if err != nil {
		return nil, err
	}
	// Candidates: the best by JLH on the samples, three times as many as
	// asked for, since sampled counts are rough.
	keep := count.Candidates(fgTerms, bgTerms, 3*size)
	terms := make([]string, len(keep))
	for i, it := range keep {
		terms[i] = it.Value
	}
	fgCounts, err := c.WithTerm(ctx, fg, terms)
	if err != nil {
		return nil, err
	}
	bgCounts, err := c.WithTerm(ctx, bg, terms)
	if err != nil {
		return nil, err
	}
	for i := range keep {
		keep[i].FG, keep[i].BG = fgCounts[i], bgCounts[i]
	}
	items := count.Rank(keep, uint64(fgTotal), uint64(bgTotal), size)
	for i := range items {
		items[i].Value = fgTerms.SurfaceForm(items[i].Value)
	}
	out := &Significant{ForegroundTotal: uint64(fgTotal), BackgroundTotal: uint64(bgTotal), Items: items}
	if len(fgIDs) < fgTotal {
		out.Sampled = len(fgIDs)
	}
	return out, nil
}

// sampleTerms reads the title and body of the articles and counts their
// terms (count.TermCounter).
func sampleTerms(ctx context.Context, c SignificantCounter, ids []string) (*count.TermCounter, error) {
	out := count.NewTermCounter(c.Analyzer())
	if len(ids) == 0 {
		return out, nil
	}
	n := 0
	var ctxErr error
	err := c.Texts(ctx, ids, func(title, body string) {
		if n++; n%64 == 0 && ctxErr == nil {
			ctxErr = ctx.Err()
		}
		if ctxErr == nil {
			out.Add(title, body)
		}
	})
	if err == nil {
		err = ctxErr
	}
	if err != nil {
		return nil, fmt.Errorf("read sample: %w", err)
	}
	return out, nil
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
