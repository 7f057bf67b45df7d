package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"newsdex/search/querylang"
	"newsdex/search/shape"
)

// Keyword-in-context limits.
const (
	DefaultKWICWidth = 60   // characters of context each side
	MaxKWICWidth     = 200  //
	DefaultKWICLimit = 500  // lines
	MaxKWICLimit     = 5000 //
	// maxKWICArticles bounds the articles one KWIC request reads, for
	// queries whose matches rarely contain a query term in the text (a
	// field scope such as source:reuters).
	maxKWICArticles = 20000
	// kwicPageSize is smaller than an export's: most requests need only
	// the first few dozen articles to fill their lines.
	kwicPageSize = 100
	// maxKWICReadTime bounds the time spent reading articles (below).
	maxKWICReadTime = time.Second
)

// KWICLine is one occurrence of a query term with the text around it.
// Left, Keyword and Right are plain text (not HTML), with runs of white
// space folded to one space, so lines align in a fixed-width view.
type KWICLine struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Source    string `json:"source"`
	Published string `json:"published"`
	Left      string `json:"left"`
	Keyword   string `json:"keyword"`
	Right     string `json:"right"`
}

// KWICResult is a keyword-in-context concordance of a search.
type KWICResult struct {
	Total     uint64     `json:"total"`     // matching articles
	Articles  int        `json:"articles"`  // articles read to make the lines
	Truncated bool       `json:"truncated"` // more lines may exist: the line limit, article cap or time budget was reached
	TookMS    float64    `json:"took_ms"`
	Lines     []KWICLine `json:"lines"`
}

// KWIC lists every occurrence of the query's terms in the matching
// articles, in the search's order and then in text order, each with width
// characters (runes) of context either side, stopping after limit lines.
// It finds exactly the tokens snippets mark: those the index analyzer
// turns into a query term, or that start with a query prefix. It reads the
// body of each article, or the title when the body has no occurrence. A
// query without positive words (empty, or only NOT clauses) gives no lines.
//
// width and limit of 0 take the defaults. Errors wrap ErrInvalidRequest
// for a bad request, as Search's do.
//
// Reading articles stops after a second (or the search timeout, if
// shorter), with the lines found so far and Truncated set: a query whose
// matches rarely contain its words (fuzzy words, field scopes) would
// otherwise read up to maxKWICArticles articles, many seconds on a large
// archive. A second reads a few thousand articles.
func (s *Service) KWIC(ctx context.Context, req Request, width, limit int) (*KWICResult, error) {
	return s.kwic(ctx, req, width, limit, min(s.lim.Timeout, maxKWICReadTime))
}

// kwic is KWIC with the time budget for reading articles as a parameter.
func (s *Service) kwic(ctx context.Context, req Request, width, limit int, budget time.Duration) (*KWICResult, error) {
	start := time.Now()
	if width == 0 {
		width = DefaultKWICWidth
	}
	if limit == 0 {
		limit = DefaultKWICLimit
	}
	if width < 1 || width > MaxKWICWidth {
		return nil, fmt.Errorf("%w: width must be between 1 and %d, got %d", ErrInvalidRequest, MaxKWICWidth, width)
	}
	if limit < 1 || limit > MaxKWICLimit {
		return nil, fmt.Errorf("%w: limit must be between 1 and %d, got %d", ErrInvalidRequest, MaxKWICLimit, limit)
	}
	node, err := querylang.ParseQuery(req.Query, querylang.QueryOptions{
		DefaultOperator: s.lim.DefaultOperator,
		MaxLength:       s.lim.MaxQueryLength,
		MaxClauses:      s.lim.MaxClauses,
		MaxDepth:        s.lim.MaxDepth,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	m := s.concordanceMatcher(node)
	out := &KWICResult{Lines: []KWICLine{}}
	req.FullText, req.Highlight = true, false
	total, err := s.walk(ctx, req, kwicPageSize, func(total uint64, h Hit) error {
		if m.Empty() {
			return errStopExport // no terms: every article would give nothing
		}
		if out.Articles >= maxKWICArticles || (out.Articles > 0 && time.Since(start) > budget) {
			out.Truncated = true
			return errStopExport
		}
		out.Articles++
		text := h.Body
		spans := m.Matches(text)
		if len(spans) == 0 {
			text = h.Title
			spans = m.Matches(text)
		}
		for _, sp := range spans {
			if len(out.Lines) == limit {
				out.Truncated = true
				return errStopExport
			}
			out.Lines = append(out.Lines, KWICLine{
				ID: h.ID, Title: h.Title, Source: h.Source, Published: h.Published,
				Left:    shape.LeftContext(text[:sp.Start], width),
				Keyword: shape.CollapseSpace(text[sp.Start:sp.End]),
				Right:   shape.RightContext(text[sp.End:], width),
			})
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopExport) {
		return nil, err
	}
	out.Total = total
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// concordanceMatcher matches the query's words outside phrases one by
// one, and each phrase (or proximity) as a whole, so that a phrase's
// concordance line has the whole phrase as its keyword.
func (s *Service) concordanceMatcher(node querylang.Node) *shape.Matcher {
	m := shape.NewMatcher(s.analyzer, querylang.WordTerms(node)).WithExact(s.exact).WithStems(s.stems)
	for _, ph := range querylang.Phrases(node) {
		an := s.analyzer
		if ph.Exact && s.exact != nil {
			an = s.exact
		}
		words, terms := querylang.PhraseWords(an, ph.Text)
		p := shape.Phrase{Slop: ph.Slop}
		for k, w := range words {
			p.Slots = append(p.Slots, shape.PhraseSlot{
				Rel: w.Pos - words[0].Pos, Term: terms[k], Exact: ph.Exact && s.exact != nil, Prefix: w.Prefix,
			})
		}
		m.AddPhrase(p)
	}
	return m
}
