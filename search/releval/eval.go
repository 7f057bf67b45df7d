package releval

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
	"newsdex/search"
)

// NewIndex indexes the collection's documents into a fresh in-memory
// index through the production mapping and ingest pipeline (no entity
// extraction: test collections are judged on text alone). The caller
// closes the index.
func NewIndex(ctx context.Context, c *Collection, logger *slog.Logger) (bleve.Index, error) {
	idx, err := indexer.NewMemIndex()
	if err != nil {
		return nil, fmt.Errorf("create index: %w", err)
	}
	ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, nil, nil)
	var skipped []string
	ing.OnSkip = func(r indexer.Record) { skipped = append(skipped, fmt.Sprintf("%s: %v", r.Article.ID, r.Err)) }
	src := func(ctx context.Context, emit func(indexer.Record) error) error {
		for i, d := range c.Docs {
			rec := indexer.Record{File: "docs.jsonl", Line: i + 1, Article: indexer.Article{ID: d.ID, Title: d.Title, Body: d.Body}}
			if err := emit(rec); err != nil {
				return err
			}
		}
		return nil
	}
	sum, err := ing.Ingest(ctx, src)
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("index %s: %w", c.Name, err)
	}
	if len(skipped) > 0 {
		// An empty document cannot be found; it only lowers recall, as in
		// the peer, so report it and go on.
		logger.Warn("documents skipped", slog.Int("count", len(skipped)), slog.String("first", skipped[0]))
	}
	logger.Debug("indexed collection", slog.String("collection", c.Name), slog.Int("docs", sum.Indexed))
	return idx, nil
}

// Searcher is what the evaluation ranks with: *search.Service.
type Searcher interface {
	Search(ctx context.Context, req search.Request) (*search.Result, error)
	Limits() search.Limits
}

// Rank runs text as a natural-language query (search.ModeNatural, the
// same query building and scoring as the API) and returns up to depth
// hits, paging with the cursor in pages of the service's largest size.
// base supplies any other request settings (filters, sort); its Query,
// Mode, Size, From and Cursor are overwritten.
func Rank(ctx context.Context, s Searcher, base search.Request, text string, depth int) ([]Hit, error) {
	req := base
	req.Query, req.Mode, req.From, req.Cursor = text, search.ModeNatural, 0, ""
	req.Compact = true
	var out []Hit
	for len(out) < depth {
		req.Size = min(s.Limits().MaxSize, depth-len(out))
		res, err := s.Search(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			out = append(out, Hit{ID: h.ID, Score: h.Score})
		}
		if res.NextCursor == "" || len(res.Hits) == 0 {
			break
		}
		req.Cursor = res.NextCursor
	}
	return out, nil
}

// QueryResult is one query's ranking and metrics.
type QueryResult struct {
	Query  Query
	Hits   []Hit
	Scores Scores
}

// Report is an evaluation run over a collection.
type Report struct {
	Collection string
	Judged     int    // queries with at least one relevant document
	Mean       Scores // over the judged queries
	Queries    []QueryResult
}

// Evaluate ranks every judged query of c through s (top Depth) and scores
// it. Queries without relevant documents are skipped, as trec_eval and
// the FTS5 peer do.
func Evaluate(ctx context.Context, s Searcher, base search.Request, c *Collection) (*Report, error) {
	r := &Report{Collection: c.Name}
	var per []Scores
	for _, q := range c.Queries {
		rel := c.Qrels.Relevant(q.ID)
		if len(rel) == 0 {
			continue
		}
		hits, err := Rank(ctx, s, base, q.Text, Depth)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", q.ID, err)
		}
		sc := Score(IDs(hits), rel)
		per = append(per, sc)
		r.Queries = append(r.Queries, QueryResult{Query: q, Hits: hits, Scores: sc})
	}
	r.Judged = len(per)
	r.Mean = Mean(per)
	return r, nil
}
