package indexer

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// EntityFinder finds the canonical people, organisations and places an
// article names. *EntityExtractor is the production implementation.
type EntityFinder interface {
	Extract(title, body string) (persons, orgs, places []string)
}

// IngestOptions tune the ingest pipeline. Zero values take the defaults.
type IngestOptions struct {
	BatchDocs  int // flush a Bleve batch at this many documents (default 1000)
	BatchBytes int // ... or at this many bytes of text, whichever first (default 8 MB)
	Workers    int // goroutines that enrich articles (default GOMAXPROCS)
}

func (o *IngestOptions) setDefaults() {
	if o.BatchDocs <= 0 {
		o.BatchDocs = 1000
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 8 << 20
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
}

// Summary is what an ingest did.
type Summary struct {
	Indexed int           // articles written to the index
	Skipped int           // records reported and left out
	Elapsed time.Duration // wall time
}

// DocsPerSecond is the ingest rate.
func (s Summary) DocsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Indexed) / s.Elapsed.Seconds()
}

// Ingester writes articles into one index. It is the index's only writer:
// reading, parsing and entity extraction run on all cores, and the results
// are written in batches of about BatchDocs documents.
type Ingester struct {
	idx      bleve.Index
	opts     IngestOptions
	logger   *slog.Logger
	aliases  *Aliases
	entities EntityFinder

	// OnSkip is called, from one goroutine at a time, for every record
	// that is skipped. Nil ignores them.
	OnSkip func(Record)
	// OnProgress is called after each batch is written with the running
	// count of indexed articles. Nil ignores it.
	OnProgress func(indexed int)
}

// NewIngester returns an Ingester writing into idx. aliases canonicalise
// outlet names; entities may be nil to leave entity fields as given.
func NewIngester(idx bleve.Index, opts IngestOptions, logger *slog.Logger, aliases *Aliases, entities EntityFinder) *Ingester {
	opts.setDefaults()
	return &Ingester{idx: idx, opts: opts, logger: logger, aliases: aliases, entities: entities}
}

// Source produces records for the ingester; emit's error must stop it.
type Source func(ctx context.Context, emit func(Record) error) error

// PathSource reads files and folders. Files that cannot be read are
// reported through onFileError and the rest go on.
func PathSource(paths []string, onFileError func(path string, err error)) Source {
	return func(ctx context.Context, emit func(Record) error) error {
		return ParsePaths(ctx, paths, emit, onFileError)
	}
}

// Ingest runs src through the pipeline into the index. It returns when
// every record has been written or skipped, or at the first write error or
// cancellation; batches already written stay written.
func (in *Ingester) Ingest(parent context.Context, src Source) (Summary, error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(parent)
	defer cancel()

	records := make(chan Record, 4*in.opts.Workers)
	ready := make(chan Record, 4*in.opts.Workers)
	var srcErr error
	go func() {
		defer close(records)
		srcErr = src(ctx, func(r Record) error {
			select {
			case records <- r:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	var wg sync.WaitGroup
	for range in.opts.Workers {
		wg.Go(func() {
			for r := range records {
				if r.Err == nil {
					r.Err = in.prepare(&r.Article)
				}
				select {
				case ready <- r:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(ready) }()

	sum, err := in.write(ctx, ready)
	cancel()
	for range ready { // drain so the workers and the source stop
	}
	sum.Elapsed = time.Since(start)
	switch {
	case err != nil:
		return sum, err
	case parent.Err() != nil:
		return sum, parent.Err()
	case srcErr != nil:
		return sum, fmt.Errorf("read input: %w", srcErr)
	}
	return sum, nil
}

// prepare canonicalises and enriches one article; it runs on a worker.
func (in *Ingester) prepare(a *Article) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if a.Source != "" {
		a.Source, _ = in.aliases.Canonical(KindSource, a.Source)
	}
	if in.entities != nil && len(a.Persons)+len(a.Organizations)+len(a.Places) == 0 {
		a.Persons, a.Organizations, a.Places = in.entities.Extract(a.Title, a.Body)
	} else {
		a.Persons = in.canonicalAll(KindPerson, a.Persons)
		a.Organizations = in.canonicalAll(KindOrganization, a.Organizations)
		a.Places = in.canonicalAll(KindPlace, a.Places)
	}
	a.EnsureID()
	return nil
}

func (in *Ingester) canonicalAll(kind string, names []string) []string {
	out := names[:0]
	seen := map[string]bool{}
	for _, n := range names {
		c, _ := in.aliases.Canonical(kind, n)
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

func (in *Ingester) write(ctx context.Context, ready <-chan Record) (Summary, error) {
	var sum Summary
	batch := in.idx.NewBatch()
	pending, bytes := 0, 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		if err := in.idx.Batch(batch); err != nil {
			return fmt.Errorf("write batch: %w", err)
		}
		sum.Indexed += pending
		batch.Reset()
		pending, bytes = 0, 0
		if in.OnProgress != nil {
			in.OnProgress(sum.Indexed)
		}
		return nil
	}
	for r := range ready {
		if r.Err != nil {
			sum.Skipped++
			if in.OnSkip != nil {
				in.OnSkip(r)
			}
			continue
		}
		if err := batch.Index(r.Article.ID, indexDocument(&r.Article)); err != nil {
			sum.Skipped++
			if in.OnSkip != nil {
				r.Err = fmt.Errorf("map article: %w", err)
				in.OnSkip(r)
			}
			continue
		}
		pending++
		bytes += len(r.Article.Title) + len(r.Article.Body)
		if pending >= in.opts.BatchDocs || bytes >= in.opts.BatchBytes {
			if err := ctx.Err(); err != nil {
				return sum, err
			}
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	return sum, flush()
}
