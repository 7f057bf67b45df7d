package indexer

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
)

// errEnough stops a source at NEWSDEX_BENCH_LIMIT records.
var errEnough = errors.New("enough records")

// BenchmarkIngestVsLean measures CPU seconds per article of the production
// ingest (entity extraction on, as `newsdex index` runs by default) against
// a plain Bleve index of the same articles with a lean mapping: title and
// body with term vectors (body stored), outlet keyword with doc values, the
// same English analyzer, the same two writers with batches of 1,000. That
// lean index is the baseline of issue 15, goal 1 (newsdex at most 1.2x).
//
// The corpus is NEWSDEX_BENCH_CORPUS (any JSON Lines file, e.g. the 100k
// synthetic corpus of ../shared/bench/gen-corpus.py), default Reuters;
// NEWSDEX_BENCH_LIMIT takes its first N records. Both cases parse the input
// the same way; the CPU figure is the process's user+sys time over the
// loop, so run with -benchtime 1x and compare within one run.
//
//	NEWSDEX_BENCH_CORPUS=/tmp/c100k.jsonl go test ./indexer -run '^$' -bench IngestVsLean -benchtime 1x -timeout 60m
func BenchmarkIngestVsLean(b *testing.B) {
	path := os.Getenv("NEWSDEX_BENCH_CORPUS")
	if path == "" {
		if testing.Short() {
			b.Skip("-short")
		}
		path = filepath.Join(sharedData, "reuters21578.jsonl")
	}
	if _, err := os.Stat(path); err != nil {
		b.Skip(err)
	}
	limit, _ := strconv.Atoi(os.Getenv("NEWSDEX_BENCH_LIMIT"))
	src := PathSource([]string{path}, func(p string, err error) { b.Fatal(p, err) })
	if limit > 0 {
		src = limitSource(src, limit)
	}
	aliases := testAliases(b)
	ex := newTestExtractor(b) // loading the model is not part of the ingest
	cases := []struct {
		name string
		run  func(b *testing.B, dir string) int
	}{
		{"lean", func(b *testing.B, dir string) int { return ingestLean(b, dir, src) }},
		{"newsdex", func(b *testing.B, dir string) int {
			idx, _, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			ing := NewIngester(idx, IngestOptions{}, slog.New(slog.DiscardHandler), aliases, ex)
			sum, err := ing.Ingest(context.Background(), src)
			if err != nil {
				b.Fatal(err)
			}
			if err := idx.Close(); err != nil {
				b.Fatal(err)
			}
			return sum.Indexed
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var docs int
			var size int64
			cpu0 := cpuTime()
			i := 0
			for b.Loop() {
				i++
				dir := filepath.Join(b.TempDir(), "idx"+strconv.Itoa(i))
				docs = c.run(b, dir)
				size = dirSize(dir)
			}
			cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
			b.ReportMetric(float64(docs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(cpu, "cpu-s/op")
			b.ReportMetric(cpu*1e6/float64(docs), "cpu-µs/doc")
			b.ReportMetric(float64(size)/1e6, "index-MB")
		})
	}
}

// limitSource passes on the first n records of src.
func limitSource(src Source, n int) Source {
	return func(ctx context.Context, emit func(Record) error) error {
		seen := 0
		err := src(ctx, func(r Record) error {
			if seen >= n {
				return errEnough
			}
			seen++
			return emit(r)
		})
		if errors.Is(err, errEnough) {
			return nil
		}
		return err
	}
}

// ingestLean writes src into a new Bleve index with the lean mapping.
func ingestLean(b *testing.B, dir string, src Source) int {
	im := NewMapping() // for its analyzers; the document mapping is replaced
	doc := bleve.NewDocumentStaticMapping()
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = AnalyzerText
		f.Store = store
		f.IncludeTermVectors = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	outlet := bleve.NewKeywordFieldMapping()
	outlet.Store, outlet.IncludeInAll, outlet.DocValues = false, false, true
	doc.AddFieldMappingsAt(FieldTitle, text(false))
	doc.AddFieldMappingsAt(FieldBody, text(true))
	doc.AddFieldMappingsAt(FieldSource, outlet)
	im.AddDocumentMapping(DocType, doc)
	im.DefaultType = DocType
	idx, err := bleve.NewUsing(dir, im, scorch.Name, scorch.Name, nil)
	if err != nil {
		b.Fatal(err)
	}
	lanes := make([]chan Article, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for i := range lanes {
		lanes[i] = make(chan Article, 16)
		wg.Go(func() {
			batch := idx.NewBatch()
			flush := func() {
				if batch.Size() == 0 {
					return
				}
				if err := idx.Batch(batch); err != nil {
					b.Error(err)
				}
				mu.Lock()
				n += batch.Size()
				mu.Unlock()
				batch.Reset()
			}
			for a := range lanes[i] {
				d := map[string]any{FieldTitle: a.Title, FieldBody: a.Body}
				if a.Source != "" {
					d[FieldSource] = a.Source
				}
				if err := batch.Index(a.ID, d); err != nil {
					b.Error(err)
				}
				if batch.Size() >= 1000 {
					flush()
				}
			}
			flush()
		})
	}
	err = src(context.Background(), func(r Record) error {
		if r.Err != nil || r.Article.Validate() != nil {
			return nil
		}
		r.Article.EnsureID()
		lanes[laneOf(r.Article.ID, len(lanes))] <- r.Article
		return nil
	})
	for _, l := range lanes {
		close(l)
	}
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		b.Fatal(err)
	}
	return n
}

// cpuTime is the process's user+sys CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
