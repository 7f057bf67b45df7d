package opensearch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"newsdex/indexer"
	"newsdex/search"
	"newsdex/search/querylang"
	"newsdex/search/shape"
)

// errStop ends a walk early without an error.
var errStop = errors.New("stop walk")

// Export calls emit for every match of req in req's sort order, reading
// search.ExportPageSize hits at a time with search_after (the cursor), so
// memory stays flat whatever the number of matches, as search.Service's
// Export. If the index changes during an export, later pages reflect it.
func (s *Service) Export(ctx context.Context, req search.Request, emit func(total uint64, h search.Hit) error) (uint64, error) {
	return s.walk(ctx, req, search.ExportPageSize, emit)
}

func (s *Service) walk(ctx context.Context, req search.Request, pageSize int, emit func(total uint64, h search.Hit) error) (uint64, error) {
	pager := *s
	pager.lim.MaxSize = max(pager.lim.MaxSize, pageSize)
	pager.lim.MaxOffset = max(pager.lim.MaxOffset, pageSize)
	return search.WalkPages(ctx, req, pageSize, pager.Search, emit)
}

// KWIC is search.Service's keyword-in-context concordance: every
// occurrence of the query's terms in the matching articles, in the
// search's order and then in text order, found in Go with the index's
// own analyzers, so the lines are the same on both backends for the same
// order (sort=date; relevance orders differ).
func (s *Service) KWIC(ctx context.Context, req search.Request, width, limit int) (*search.KWICResult, error) {
	start := time.Now()
	budget := min(s.lim.Timeout, time.Second)
	if width == 0 {
		width = search.DefaultKWICWidth
	}
	if limit == 0 {
		limit = search.DefaultKWICLimit
	}
	if width < 1 || width > search.MaxKWICWidth {
		return nil, fmt.Errorf("%w: width must be between 1 and %d, got %d", search.ErrInvalidRequest, search.MaxKWICWidth, width)
	}
	if limit < 1 || limit > search.MaxKWICLimit {
		return nil, fmt.Errorf("%w: limit must be between 1 and %d, got %d", search.ErrInvalidRequest, search.MaxKWICLimit, limit)
	}
	node, err := querylang.ParseQuery(req.Query, querylang.QueryOptions{
		DefaultOperator: s.lim.DefaultOperator, MaxLength: s.lim.MaxQueryLength, MaxClauses: s.lim.MaxClauses, MaxDepth: s.lim.MaxDepth,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", search.ErrInvalidRequest, err)
	}
	m := s.concordanceMatcher(node)
	out := &search.KWICResult{Lines: []search.KWICLine{}}
	req.FullText, req.Highlight = true, false
	const maxArticles, pageSize = 20000, 100
	total, err := s.walk(ctx, req, pageSize, func(total uint64, h search.Hit) error {
		if m.Empty() {
			return errStop
		}
		if out.Articles >= maxArticles || (out.Articles > 0 && time.Since(start) > budget) {
			out.Truncated = true
			return errStop
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
				return errStop
			}
			out.Lines = append(out.Lines, search.KWICLine{
				ID: h.ID, Title: h.Title, Source: h.Source, Published: h.Published,
				Left:    shape.LeftContext(text[:sp.Start], width),
				Keyword: shape.CollapseSpace(text[sp.Start:sp.End]),
				Right:   shape.RightContext(text[sp.End:], width),
			})
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	out.Total = total
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// concordanceMatcher matches words one by one and each phrase as a whole.
func (s *Service) concordanceMatcher(node querylang.Node) *shape.Matcher {
	m := shape.NewMatcher(s.text, querylang.WordTerms(node)).WithExact(s.exact)
	for _, ph := range querylang.Phrases(node) {
		an := s.text
		if ph.Exact {
			an = s.exact
		}
		words, terms := querylang.PhraseWords(an, ph.Text)
		p := shape.Phrase{Slop: ph.Slop}
		for k, w := range words {
			p.Slots = append(p.Slots, shape.PhraseSlot{Rel: w.Pos - words[0].Pos, Term: terms[k], Exact: ph.Exact, Prefix: w.Prefix})
		}
		m.AddPhrase(p)
	}
	return m
}

// Copies lists the near-duplicate group of article id, earliest first,
// within req's filters and restriction, as search.Service's Copies.
func (s *Service) Copies(ctx context.Context, req search.Request, id string) (*search.Copies, error) {
	ar, err := s.arch.get(ctx)
	if err != nil {
		return nil, err
	}
	members := []string{id}
	if g, ok := ar.group[id]; ok {
		members = ar.members[g]
	}
	req.Query, req.Size, req.Dedup, req.Sample, req.Seed, req.Stratify = "", len(members), false, 0, 0, ""
	req.Sort = search.SortDate
	lim := s.lim
	lim.MaxSize, lim.MaxOffset = max(lim.MaxSize, len(members)), max(lim.MaxOffset, len(members))
	if err := req.Validate(lim); err != nil {
		return nil, err
	}
	q, _, err := s.buildQuery(ctx, req, ar)
	if err != nil {
		return nil, err
	}
	body := obj{"query": obj{"bool": obj{"must": []obj{q}, "filter": []obj{{"ids": obj{"values": members}}}}},
		"size": len(members), "_source": obj{"includes": []string{indexer.FieldTitle, indexer.FieldSource, indexer.FieldPublished}},
		"sort": sortOrder(search.SortDate)}
	var res searchResponse
	if err := s.run(ctx, body, &res); err != nil {
		return nil, err
	}
	out := &search.Copies{Copies: []search.Copy{}}
	found := false
	for _, h := range res.Hits.Hits {
		out.Copies = append(out.Copies, search.Copy{ID: h.ID, Title: h.Source.Title, Source: h.Source.Source, Published: h.Source.Published})
		found = found || h.ID == id
	}
	if !found {
		return nil, fmt.Errorf("article %q: %w", id, search.ErrNotFound)
	}
	order := map[string]int{}
	for i, m := range members {
		order[m] = i
	}
	slices.SortFunc(out.Copies, func(a, b search.Copy) int { return order[a.ID] - order[b.ID] })
	out.Group = out.Copies[0].ID
	return out, nil
}
