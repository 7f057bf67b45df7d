package search

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"newsdex/indexer"
	"newsdex/search/count"
)

// Counting happens in search/count: its column counter hooks Bleve's
// collector and counts facets, days and entities exactly in the search
// pass. What stays here is what needs the Service: warming its caches,
// running a hooked search on its index, and the index version that keys
// its caches.

// Warm does ahead of time what the first searches would otherwise wait
// for (seconds at a million articles, past the search timeout when several
// come at once): it measures the mean lengths of the text fields for BM25
// (FieldStats), resolves the archive's entities and builds the search
// columns of the index's current segments on every core. serve runs it at
// startup.
func (s *Service) Warm(ctx context.Context) error {
	adv, err := s.idx.Advanced()
	if err != nil {
		return nil // an alias of several indexes: nothing is kept per index
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	defer r.Close()
	m := s.idx.Mapping()
	for _, field := range []string{indexer.FieldTitle, indexer.FieldBody} {
		if _, err := s.stats.MeanLength(ctx, r, field, m.AnalyzerNamed(m.AnalyzerNameForPath(field))); err != nil {
			return fmt.Errorf("warm: %w", err)
		}
	}
	// The archive's entities: the first entity facet would otherwise
	// resolve them (a second on Reuters-21578).
	ents, err := s.ents.view(ctx)
	if err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	// The near-duplicate groups, which every search's hits read (dups.go).
	if _, err := s.duplicates(ctx); err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil
	}
	if err := s.columns.Warm(ctx, snap); err != nil {
		return err
	}
	if ents == nil {
		return nil
	}
	return s.columns.WarmEntities(snap, ents)
}

// snapshotVersion names the content of a scorch snapshot: its segments
// and how many of each one's documents are deleted. Any write (a batch, a
// deletion) or merge changes it.
func snapshotVersion(snap *scorch.IndexSnapshot) string {
	var b strings.Builder
	for _, ss := range snap.Segments() {
		var del uint64
		if d := ss.Deleted(); d != nil {
			del = d.GetCardinality()
		}
		b.WriteString(strconv.FormatUint(ss.Id(), 36))
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(ss.Segment().Count(), 36))
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(del, 36))
		b.WriteByte(' ')
	}
	return b.String()
}

// indexVersion is snapshotVersion of the index's current snapshot, or ""
// when the index is not a scorch index (then nothing is cached).
func indexVersion(idx bleve.Index) string {
	adv, err := idx.Advanced()
	if err != nil {
		return ""
	}
	r, err := adv.Reader()
	if err != nil {
		return ""
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return ""
	}
	return snapshotVersion(snap)
}

// runCounted is run with breq's facets counted and its id tie-break read
// by the hook (count.Cache.Take) instead of by Bleve. Should the hook fail, the search
// runs again the plain way, so a result is never wrong, only slower.
// It also returns the hook, for histogram; nil when there was none.
func (s *Service) runCounted(ctx context.Context, breq *bleve.SearchRequest) (*bleve.SearchResult, *count.Counter, error) {
	return s.runHooked(ctx, breq, count.Hooks{})
}

// runHooked is runCounted with the hooks called on the matches
// (count.Hooks). A caller that needs them must check that the returned
// counter counted entities or columns: without (an alias, a failed hook)
// there were no calls.
func (s *Service) runHooked(ctx context.Context, breq *bleve.SearchRequest, h count.Hooks) (*bleve.SearchResult, *count.Counter, error) {
	facets, order := breq.Facets, breq.Sort
	// The hook serves one search of one index: an alias over several
	// indexes (no Advanced index) searches them concurrently, so it is
	// left to Bleve.
	var fc *count.Counter
	if _, err := s.idx.Advanced(); err == nil {
		var ents count.Entities // a nil interface unless needed
		if count.NeedsEntities(breq) {
			v, err := s.ents.view(ctx)
			if err != nil {
				return nil, nil, err
			}
			ents = v
		}
		fc = s.columns.Take(breq, ents, h)
	}
	if fc == nil {
		res, err := s.run(ctx, breq)
		return res, nil, err
	}
	defer func() { breq.Facets, breq.Sort = facets, order }()
	res, err := s.run(fc.Context(ctx), breq)
	if err != nil {
		fc.Close() // a search that failed part-way leaves the counting goroutine waiting
		return nil, nil, err
	}
	if err := fc.Fill(res); err != nil {
		s.logger.Error("search hook failed; searching the plain way", slog.String("error", err.Error()))
		breq.Facets, breq.Sort = facets, order
		res, err := s.run(ctx, breq)
		return res, nil, err
	}
	return res, fc, nil
}
