package indexer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
)

// EntityFinder finds the canonical people, organisations and places an
// article names. *EntityExtractor is the production implementation.
type EntityFinder interface {
	Extract(title, body string) ArticleEntities
}

// IngestOptions tune the ingest pipeline. Zero values take the defaults.
type IngestOptions struct {
	BatchDocs  int // flush a Bleve batch at this many documents (default 1000)
	BatchBytes int // ... or at this many bytes of text, whichever first (default 8 MB)
	// Workers is the number of lanes that enrich articles and write them,
	// each with its own batch (default GOMAXPROCS, at least 2). Bleve
	// accepts concurrent batches, so one lane maps and extracts while
	// another's batch is analysed and persisted.
	Workers int
}

func (o *IngestOptions) setDefaults() {
	if o.BatchDocs <= 0 {
		o.BatchDocs = 1000
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 8 << 20
	}
	if o.Workers <= 0 {
		o.Workers = max(2, runtime.GOMAXPROCS(0))
	}
}

// Summary is what an ingest did.
type Summary struct {
	Indexed int           // articles written to the index
	Skipped int           // records reported and left out
	Elapsed time.Duration // wall time
	// Stamp is the ingest stamp (FieldIngested) every article of this
	// ingest carries.
	Stamp string
}

// DocsPerSecond is the ingest rate.
func (s Summary) DocsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Indexed) / s.Elapsed.Seconds()
}

// Ingester writes articles into one index. It is the index's only writer:
// reading and parsing run in the caller's goroutine, and each article is
// routed by its ID to one of Workers lanes that extract entities and write
// batches of about BatchDocs documents. Routing by ID keeps the input order
// among records with the same ID, so the last one in the input wins as it
// would with a single writer.
type Ingester struct {
	idx      bleve.Index
	opts     IngestOptions
	logger   *slog.Logger
	aliases  *Aliases
	entities EntityFinder
	sink     Sink // in place of idx when set (sink.go)

	// OnSkip is called, from one goroutine at a time, for every record
	// that is skipped. Nil ignores them.
	OnSkip func(Record)
	// OnProgress is called, from one goroutine at a time, after each batch
	// is written with the running count of indexed articles. Nil ignores it.
	OnProgress func(indexed int)

	stampMu   sync.Mutex
	lastStamp time.Time // of the latest ingest; zero until read from the index
	inFlight  []string  // stamps of the ingests running now, oldest first
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

// ingestRun is the state the lanes of one Ingest share.
type ingestRun struct {
	in       *Ingester
	mu       sync.Mutex // guards sum, writeErr and the callbacks
	sum      Summary
	writeErr error
}

func (r *ingestRun) skip(rec Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Skipped++
	if r.in.OnSkip != nil {
		r.in.OnSkip(rec)
	}
}

func (r *ingestRun) written(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Indexed += n
	if r.in.OnProgress != nil {
		r.in.OnProgress(r.sum.Indexed)
	}
}

func (r *ingestRun) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.writeErr == nil {
		r.writeErr = err
	}
}

// Ingest runs src through the pipeline into the index. It returns when
// every record has been written or skipped, or at the first write error or
// cancellation; batches already written stay written (each is durable
// when Bleve's Batch returns).
func (in *Ingester) Ingest(parent context.Context, src Source) (Summary, error) {
	start := time.Now()
	stamp, err := in.nextStamp(parent)
	if err != nil {
		return Summary{}, err
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	run := &ingestRun{in: in}
	run.sum.Stamp = stamp
	defer in.landed(stamp)

	lanes := make([]chan Record, in.opts.Workers)
	var wg sync.WaitGroup
	for i := range lanes {
		lanes[i] = make(chan Record, 16)
		wg.Go(func() {
			if err := in.lane(ctx, lanes[i], run); err != nil {
				run.fail(err)
				cancel()
			}
		})
	}
	srcErr := src(ctx, func(r Record) error {
		if r.Err == nil {
			r.Err = in.identify(&r.Article)
		}
		if r.Err != nil {
			run.skip(r)
			return nil
		}
		r.Article.Ingested = stamp
		select {
		case lanes[laneOf(r.Article.ID, len(lanes))] <- r:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	for _, l := range lanes {
		close(l)
	}
	wg.Wait()
	sum := run.sum
	sum.Elapsed = time.Since(start)
	switch {
	case run.writeErr != nil && !errors.Is(run.writeErr, context.Canceled):
		return sum, run.writeErr
	case parent.Err() != nil:
		return sum, parent.Err()
	case srcErr != nil:
		return sum, fmt.Errorf("read input: %w", srcErr)
	}
	return sum, nil
}

// nextStamp is the stamp of a new ingest: the time, or just after the
// index's latest stamp when the clock says otherwise, so that stamps only
// grow and "everything after stamp S" never misses a later write.
func (in *Ingester) nextStamp(ctx context.Context) (string, error) {
	in.stampMu.Lock()
	defer in.stampMu.Unlock()
	s, err := in.tick(ctx)
	if err == nil {
		in.inFlight = append(in.inFlight, s)
	}
	return s, err
}

// tick advances the stamp clock; stampMu is held.
func (in *Ingester) tick(ctx context.Context) (string, error) {
	// A sink ingester (OpenSearch) has no Bleve index to read stamps from;
	// alerts, their only reader, need the Bleve backend.
	if in.lastStamp.IsZero() && in.idx != nil {
		last, err := LatestIngest(ctx, in.idx)
		if err != nil {
			return "", err
		}
		in.lastStamp = last
	}
	now := time.Now().UTC()
	if !now.After(in.lastStamp) {
		now = in.lastStamp.Add(time.Nanosecond)
	}
	in.lastStamp = now
	return now.Format(IngestStampLayout), nil
}

// landed marks the ingest with stamp as ended.
func (in *Ingester) landed(stamp string) {
	in.stampMu.Lock()
	defer in.stampMu.Unlock()
	in.inFlight = slices.DeleteFunc(in.inFlight, func(s string) bool { return s == stamp })
}

// Settled returns a stamp up to which every ingest has ended: a reader
// that looks only at stamps up to it never sees an ingest half written,
// and every later ingest gets a greater stamp.
func (in *Ingester) Settled(ctx context.Context) (string, error) {
	in.stampMu.Lock()
	defer in.stampMu.Unlock()
	if len(in.inFlight) > 0 {
		t, err := time.Parse(IngestStampLayout, in.inFlight[0])
		if err != nil {
			return "", err
		}
		return t.Add(-time.Nanosecond).Format(IngestStampLayout), nil
	}
	return in.tick(ctx)
}

// LatestIngest returns the newest ingest stamp in idx, zero if no article
// has one (an empty index, or one built before FieldIngested).
func LatestIngest(ctx context.Context, idx bleve.Index) (time.Time, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)
	req.SortByCustom(search.SortOrder{&search.SortField{Field: FieldIngested, Type: search.SortFieldAsString,
		Desc: true, Missing: search.SortFieldMissingLast}})
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the latest ingest stamp: %w", err)
	}
	if len(res.Hits) == 0 || len(res.Hits[0].Sort) == 0 {
		return time.Time{}, nil
	}
	t, err := time.Parse(IngestStampLayout, res.Hits[0].Sort[0])
	if err != nil {
		return time.Time{}, nil // the missing-value marker: no stamps yet
	}
	return t, nil
}

// laneOf routes an ID to a lane (FNV-1a), the same lane every time.
func laneOf(id string, n int) int {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return int(h % uint32(n))
}

// identify checks an article and settles its ID, which depends on the
// canonical outlet name; it runs before routing, in the reading goroutine,
// and is cheap.
func (in *Ingester) identify(a *Article) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if a.Source != "" {
		a.Source, _ = in.aliases.Canonical(KindSource, a.Source)
	}
	a.EnsureID()
	return nil
}

// enrich extracts or canonicalises entities; it runs on a lane.
func (in *Ingester) enrich(a *Article) {
	if in.entities != nil && len(a.Persons)+len(a.Organizations)+len(a.Places) == 0 {
		e := in.entities.Extract(a.Title, a.Body)
		a.Persons, a.Organizations, a.Places = e.Persons, e.Organizations, e.Places
		a.EntityEvidence = e.Evidence
	} else {
		a.Persons = in.canonicalAll(KindPerson, a.Persons)
		a.Organizations = in.canonicalAll(KindOrganization, a.Organizations)
		a.Places = in.canonicalAll(KindPlace, a.Places)
	}
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

// lane enriches the records routed to it and writes them in its own
// batches. It keeps draining recs after an error so the reader never
// blocks on it.
func (in *Ingester) lane(ctx context.Context, recs <-chan Record, run *ingestRun) error {
	if in.sink != nil {
		return in.sinkLane(ctx, recs, run)
	}
	batch := in.idx.NewBatch()
	m := in.idx.Mapping()
	pairs := newTextPairs(m)
	pending, bytes := 0, 0
	var docsSize uint64 // what Batch.Index would count (the space check)
	flush := func() error {
		if pending == 0 {
			return nil
		}
		if err := writeBatch(in.idx, batch, docsSize); err != nil {
			return fmt.Errorf("write batch: %w", err)
		}
		run.written(pending)
		batch.Reset()
		pending, bytes, docsSize = 0, 0, 0
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
		n, e := batchIndex(batch, m, pairs, r.Article.ID, indexDocument(&r.Article))
		if e != nil {
			r.Err = fmt.Errorf("map article: %w", e)
			run.skip(r)
			continue
		}
		docsSize += n
		pending++
		bytes += len(r.Article.Title) + len(r.Article.Body)
		if pending >= in.opts.BatchDocs || bytes >= in.opts.BatchBytes {
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
