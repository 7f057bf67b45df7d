package indexer

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkIngest measures the whole pipeline (read, parse, prepare,
// write) into an on-disk index, as `newsdex index` runs it, on the seed
// corpus and, unless -short or absent, on Reuters-21578. Entity extraction
// is off here: its own benchmark lives with the extractor.
func BenchmarkIngest(b *testing.B) {
	inputs := []struct{ name, path string }{{"seed", "../data/articles.txt"}}
	if reuters := filepath.Join(sharedData, "reuters21578.jsonl"); !testing.Short() {
		if _, err := os.Stat(reuters); err == nil {
			inputs = append(inputs, struct{ name, path string }{"reuters", reuters})
		}
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			st, err := os.Stat(in.path)
			if err != nil {
				b.Fatal(err)
			}
			aliases := testAliases(b)
			batch, _ := strconv.Atoi(os.Getenv("NEWSDEX_BENCH_BATCH"))
			b.ReportAllocs()
			b.SetBytes(st.Size())
			var docs int
			i := 0
			for b.Loop() {
				i++
				idx, _, err := Open(filepath.Join(b.TempDir(), "idx"+strconv.Itoa(i)))
				if err != nil {
					b.Fatal(err)
				}
				ing := NewIngester(idx, IngestOptions{BatchDocs: batch}, slog.New(slog.DiscardHandler), aliases, nil)
				sum, err := ing.Ingest(context.Background(), PathSource([]string{in.path}, func(p string, err error) { b.Fatal(p, err) }))
				if err != nil {
					b.Fatal(err)
				}
				if err := idx.Close(); err != nil {
					b.Fatal(err)
				}
				docs = sum.Indexed
			}
			b.ReportMetric(float64(docs)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
