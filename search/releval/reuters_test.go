package releval

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"newsdex/search"
)

// proxyDir, when set, receives the Reuters topic collection in the generic
// form, so the FTS5 peer can rank the same thing:
//
//	go test ./search/releval -run TestReutersTopics -proxydir /tmp/reuters-topics
//	python3 ../shared/bench/fts5_relevance.py /tmp/reuters-topics
var proxyDir = flag.String("proxydir", "", "write the Reuters topic collection to this directory")

const reutersDir = "../../../shared/data"

// Floors just under the measured figures on the Reuters topic proxy
// (newsdex MAP 0.4285, P@10 0.4533, nDCG@10 0.5661; FTS5 BM25 0.4005,
// 0.4175, 0.5361).
const (
	reutersFloorMAP    = 0.42
	reutersFloorNDCG10 = 0.56
)

// reutersTopics builds the held-out news check: Reuters-21578 with one
// query per TOPICS category, its name from Lewis's category list
// ("Mergers/Acquisitions", "Crude Oil"; commodity codes such as
// "IRON-STEEL" as words), and the stories the editors filed under it as
// the relevant documents. A proxy: categories are not questions.
func reutersTopics(t testing.TB) *Collection {
	t.Helper()
	f, err := os.Open(reutersDir + "/reuters21578.jsonl")
	if err != nil {
		t.Skipf("Reuters-21578 not found beside the repository (%v)", err)
	}
	defer f.Close()
	var docs []Doc
	cats := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r struct {
			ID     string   `json:"id"`
			Title  string   `json:"title"`
			Body   string   `json:"body"`
			Topics []string `json:"reuters_topics"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, Doc{ID: r.ID, Title: r.Title, Body: r.Body})
		cats[r.ID] = r.Topics
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	desc, err := os.ReadFile(reutersDir + "/reuters21578/cat-descriptions_120396.txt")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	named := regexp.MustCompile(`^(.+?)\s*\(([A-Z0-9-]+)\)\s*$`)
	for line := range strings.Lines(string(desc)) {
		if strings.HasPrefix(line, "@heading[Organization") {
			break // the subject codes end here; the rest are not topics
		}
		if m := named.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			names[strings.ToLower(m[2])] = m[1]
		}
	}
	describe := func(code string) string {
		if n, ok := names[code]; ok {
			return n
		}
		return strings.ReplaceAll(code, "-", " ")
	}
	return TopicCollection("reuters21578-topics", docs, cats, describe)
}

func TestReutersTopics(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 21,578 stories and ranks 120 queries")
	}
	c := reutersTopics(t)
	if *proxyDir != "" {
		if err := Write(*proxyDir, c); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Evaluate(context.Background(), newService(t, c, Depth), search.Request{}, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Reuters topics: queries=%d MAP=%.4f P@10=%.4f nDCG@10=%.4f", rep.Judged, rep.Mean.AP, rep.Mean.P10, rep.Mean.NDCG10)
	if rep.Mean.AP < reutersFloorMAP || rep.Mean.NDCG10 < reutersFloorNDCG10 {
		t.Errorf("ranking got worse: MAP %.4f (floor %.2f), nDCG@10 %.4f (floor %.2f)", rep.Mean.AP, reutersFloorMAP, rep.Mean.NDCG10, reutersFloorNDCG10)
	}
}
