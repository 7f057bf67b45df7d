package indexer

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// benchArticles reads the first NEWSDEX_BENCH_LIMIT (default 2,000)
// articles of NEWSDEX_BENCH_CORPUS (default Reuters-21578) that have a
// title or body.
func benchArticles(b *testing.B) []Article {
	path := os.Getenv("NEWSDEX_BENCH_CORPUS")
	if path == "" {
		path = filepath.Join(sharedData, "reuters21578.jsonl")
	}
	if _, err := os.Stat(path); err != nil {
		b.Skip(err)
	}
	limit := 2000
	if n, err := strconv.Atoi(os.Getenv("NEWSDEX_BENCH_LIMIT")); err == nil && n > 0 {
		limit = n
	}
	var arts []Article
	src := limitSource(PathSource([]string{path}, func(p string, err error) { b.Fatal(p, err) }), limit)
	err := src(context.Background(), func(r Record) error {
		if r.Err == nil && r.Article.Validate() == nil {
			arts = append(arts, r.Article)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return arts
}

// BenchmarkExtractStages measures entity extraction per article of a
// corpus (see benchArticles), whole and by stage: text preparation
// (taggerText), the tagger on the prepared text, and name resolution
// with evidence (resolveMentions) on the tagger's mentions. Each stage
// gets its input prepared before the loop. cpu-ns/article is the
// process's CPU time (garbage collection included), steadier than wall
// time on a loaded machine.
//
//	NEWSDEX_BENCH_CORPUS=/tmp/c20k.jsonl NEWSDEX_BENCH_LIMIT=2000 go test ./indexer -run '^$' -bench ExtractStages -benchmem -count 6
func BenchmarkExtractStages(b *testing.B) {
	ex := newTestExtractor(b)
	arts := benchArticles(b)
	type prepared struct {
		art articleText
		ms  []mention
	}
	prep := make([]prepared, len(arts))
	for i, a := range arts {
		text, masked, shouting := taggerText(a.Title, a.Body)
		var ms []mention
		for _, e := range ex.tagger.Extract(masked) {
			ms = append(ms, mention{typ: e.Type, text: e.Text, start: e.Start, end: e.End})
		}
		prep[i] = prepared{articleText{text: text, masked: masked, shouting: shouting}, ms}
	}
	perArticle := func(b *testing.B, fn func(i int)) {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		cpu0 := cpuTime()
		for b.Loop() {
			for i := range arts {
				fn(i)
			}
		}
		cpu := cpuTime() - cpu0
		runtime.ReadMemStats(&m1)
		n := float64(b.N * len(arts))
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/article")
		b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/article")
		b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/n, "allocs/article")
		b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/n, "B/article")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("all", func(b *testing.B) {
		perArticle(b, func(i int) { ex.Extract(arts[i].Title, arts[i].Body) })
	})
	b.Run("prepare", func(b *testing.B) {
		perArticle(b, func(i int) { taggerText(arts[i].Title, arts[i].Body) })
	})
	b.Run("tag", func(b *testing.B) {
		perArticle(b, func(i int) { ex.tagger.Extract(prep[i].art.masked) })
	})
	b.Run("resolve", func(b *testing.B) {
		var ms []mention
		perArticle(b, func(i int) {
			// resolveMentions may rewrite its mentions in place.
			ms = append(ms[:0], prep[i].ms...)
			resolveMentions(ms, ex.aliases, prep[i].art)
		})
	})
}
