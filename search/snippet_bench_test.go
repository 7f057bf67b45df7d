package search

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"newsdex/search/querylang"
	"newsdex/search/shape"
)

// BenchmarkSnippetReuters builds snippets as a result page does, on real
// article bodies (the first 1,000 of Reuters-21578) for the peer
// benchmark's queries; one op is one snippet. It complements
// BenchmarkSnippet's synthetic body and is skipped when the shared data
// is absent.
func BenchmarkSnippetReuters(b *testing.B) {
	f, err := os.Open("../../shared/data/reuters21578.jsonl")
	if err != nil {
		b.Skipf("Reuters corpus not available: %v", err)
	}
	defer f.Close()
	var bodies []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() && len(bodies) < 1000 {
		var r struct{ Body string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			b.Fatal(err)
		}
		if r.Body != "" {
			bodies = append(bodies, r.Body)
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	svc := newTestService(b)
	var matchers []*shape.Matcher
	for _, q := range benchQueries(b) {
		node, err := querylang.ParseQuery(q, querylang.QueryOptions{DefaultOperator: "and"})
		if err != nil {
			b.Fatal(err)
		}
		matchers = append(matchers, shape.NewMatcher(svc.analyzer, querylang.Terms(node)))
	}
	total := 0
	for _, body := range bodies {
		total += len(body)
	}
	b.SetBytes(int64(total / len(bodies)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		matchers[i%len(matchers)].Snippet(bodies[i%len(bodies)], "")
		i++
	}
}
