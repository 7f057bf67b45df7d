package indexer

import (
	"context"
	"fmt"
	"log/slog"
)

// Sink takes the articles of an ingest in batches, in place of a Bleve
// index, after the same parsing, ids, outlet aliases and entity
// extraction: the OpenSearch bulk writer (search/opensearch) is one, so
// both backends index exactly the same articles.
type Sink interface {
	// Write stores arts. itemErrs, when not nil, has one entry per
	// article: nil when it was written, else why not (such articles are
	// reported as skipped and the ingest goes on). err fails the batch
	// and stops the ingest.
	Write(ctx context.Context, arts []*Article) (itemErrs []error, err error)
}

// NewSinkIngester returns an Ingester that writes into sink instead of a
// Bleve index. Its lanes batch as IngestOptions say.
func NewSinkIngester(sink Sink, opts IngestOptions, logger *slog.Logger, aliases *Aliases, entities EntityFinder) *Ingester {
	in := NewIngester(nil, opts, logger, aliases, entities)
	in.sink = sink
	return in
}

// DocumentFields is what the index holds for an article, field by field
// (the names in document.go): the Bleve document, which other backends
// index under the same names. It computes the near-duplicate signature.
func DocumentFields(a *Article) map[string]any { return indexDocument(a) }

// sinkLane is lane for an Ingester with a Sink.
func (in *Ingester) sinkLane(ctx context.Context, recs <-chan Record, run *ingestRun) error {
	var batch []Record
	bytes := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		arts := make([]*Article, len(batch))
		for i := range batch {
			arts[i] = &batch[i].Article
		}
		itemErrs, err := in.sink.Write(ctx, arts)
		if err != nil {
			return fmt.Errorf("write batch: %w", err)
		}
		written := len(batch)
		for i, e := range itemErrs {
			if e != nil && i < len(batch) {
				r := batch[i]
				r.Err = e
				run.skip(r)
				written--
			}
		}
		run.written(written)
		batch, bytes = batch[:0], 0
		return nil
	}
	var err error
	for r := range recs {
		if err != nil {
			continue
		}
		if err = ctx.Err(); err != nil {
			continue
		}
		in.enrich(&r.Article)
		batch = append(batch, r)
		bytes += len(r.Article.Title) + len(r.Article.Body)
		if len(batch) >= in.opts.BatchDocs || bytes >= in.opts.BatchBytes {
			err = flush()
		}
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return flush()
}
