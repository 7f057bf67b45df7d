package neardup

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// reutersPath is Reuters-21578 as JSON Lines, outside the repository
// (licensed); the measurement is skipped without it.
const reutersPath = "../../../shared/data/reuters21578.jsonl"

type testArticle struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

func loadReuters(t testing.TB) []testArticle {
	f, err := os.Open(reutersPath)
	if err != nil {
		t.Skipf("Reuters corpus not available: %v", err)
	}
	defer f.Close()
	var out []testArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var a testArticle
		if json.Unmarshal(sc.Bytes(), &a) == nil && a.Body != "" {
			out = append(out, a)
		}
	}
	return out
}

// paragraphs splits a Reuters body at its indented paragraph starts.
func paragraphs(body string) []string {
	var out []string
	for _, p := range strings.Split(body, "\n    ") {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// MakeCopy republishes body as another outlet might: one to three of a
// new byline and dateline, a paragraph cut, a paragraph added from
// another story, and about 2% of the words changed. It returns the copy
// and the edits made.
func makeCopy(r *rand.Rand, body, other string) (string, string) {
	ps := paragraphs(body)
	var edits []string
	for len(edits) == 0 {
		if r.IntN(2) == 0 {
			ps = append([]string{"By Staff Reporter\nLONDON, " + time.Month(1+r.IntN(12)).String() + " 3 -"}, ps...)
			edits = append(edits, "byline")
		}
		if len(ps) > 2 && r.IntN(2) == 0 {
			i := 1 + r.IntN(len(ps)-1)
			ps = append(ps[:i], ps[i+1:]...)
			edits = append(edits, "cut")
		}
		if op := paragraphs(other); len(op) > 0 && r.IntN(3) == 0 {
			ps = append(ps, op[r.IntN(len(op))])
			edits = append(edits, "added")
		}
		if r.IntN(2) == 0 {
			words := strings.Fields(strings.Join(ps, "\n"))
			for i := range words {
				if r.IntN(50) == 0 {
					words[i] = "changed"
				}
			}
			ps = []string{strings.Join(words, " ")}
			edits = append(edits, "words")
		}
	}
	return strings.Join(ps, "\n    "), strings.Join(edits, "+")
}

// TestPrecisionRecall measures the groups on Reuters-21578 plus copies
// made by makeCopy of 1,000 stories of at least 80 words (one to three
// copies each): precision and recall over the pairs of articles that
// involve a made copy, where a true pair is a story and its copy, two
// copies of one story, or a copy and a Reuters repeat of its story.
// Run with -v to see the figures and some of Reuters' own repeats.
func TestPrecisionRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("reads Reuters-21578; skipped with -short")
	}
	arts := loadReuters(t)
	r := rand.New(rand.NewPCG(13, 13))
	truth := make([]int, len(arts)) // story number per article
	for i := range truth {
		truth[i] = i
	}
	type doc struct {
		body  string
		story int
		edit  string
	}
	docs := make([]doc, 0, len(arts)+3000)
	for i, a := range arts {
		docs = append(docs, doc{body: a.Body, story: i})
	}
	var candidates []int
	for i, a := range arts {
		if len(strings.Fields(a.Body)) >= 80 {
			candidates = append(candidates, i)
		}
	}
	r.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	for _, i := range candidates[:1000] {
		for range 1 + r.IntN(3) {
			body, edit := makeCopy(r, arts[i].Body, arts[r.IntN(len(arts))].Body)
			docs = append(docs, doc{body: body, story: i, edit: edit})
		}
	}
	start := time.Now()
	sigs := make([]*Signature, len(docs))
	for i, d := range docs {
		if s, ok := Of(d.body); ok {
			sigs[i] = &s
		}
	}
	sigTime := time.Since(start)
	start = time.Now()
	root := GroupAll(sigs, func(a, b int) bool { return a < b }, DefaultOptions())
	groupTime := time.Since(start)

	// Reuters repeats some stories itself (a corrected or re-filed
	// report): grouping the originals alone finds those native groups,
	// which count as one story. Precision and recall are then over the
	// pairs that involve at least one made copy, so the native pairs
	// neither help nor hurt; they are counted and shown separately.
	native := GroupAll(sigs[:len(arts)], func(a, b int) bool { return a < b }, DefaultOptions())
	story := func(i int) int { return native[docs[i].story] }
	isCopy := func(i int) bool { return i >= len(arts) }
	pairs := func(key func(i int) string) int {
		all, orig := map[string]int{}, map[string]int{}
		for i := range docs {
			all[key(i)]++
			if !isCopy(i) {
				orig[key(i)]++
			}
		}
		p := 0
		for k, c := range all {
			o := orig[k]
			p += c*(c-1)/2 - o*(o-1)/2
		}
		return p
	}
	predicted := pairs(func(i int) string { return fmt.Sprint(root[i]) })
	actual := pairs(func(i int) string { return fmt.Sprint(story(i)) })
	both := pairs(func(i int) string { return fmt.Sprint(root[i], "/", story(i)) })
	precision := float64(both) / float64(max(predicted, 1))
	recall := float64(both) / float64(max(actual, 1))
	nativePairs := 0
	for i := range arts {
		if native[i] != i {
			nativePairs++
		}
	}
	t.Logf("%d articles (%d Reuters, %d copies of 1000 stories): pairs with a copy: %d true, %d predicted, %d correct: precision %.3f, recall %.3f; "+
		"Reuters' own repeats: %d articles grouped with an earlier one; signatures %.1f µs/article, grouping %s",
		len(docs), len(arts), len(docs)-len(arts), actual, predicted, both, precision, recall, nativePairs,
		float64(sigTime.Microseconds())/float64(len(docs)), groupTime.Round(time.Millisecond))

	// Recall per kind of edit, and the grouped Reuters originals.
	byEdit := map[string][2]int{}
	for i, d := range docs {
		if d.edit == "" {
			continue
		}
		c := byEdit[d.edit]
		c[1]++
		if root[i] == root[d.story] {
			c[0]++
		}
		byEdit[d.edit] = c
	}
	for e, c := range byEdit {
		t.Logf("copies with %-20s found with their original: %d of %d", e, c[0], c[1])
	}
	shown := 0
	for i := range arts {
		if native[i] != i && shown < 10 {
			shown++
			t.Logf("Reuters repeat: %s with %s (similarity %.2f): %.60q / %.60q", arts[i].ID, arts[native[i]].ID, Similarity(sigs[i], sigs[native[i]]), arts[i].Title, arts[native[i]].Title)
		}
	}
	if recall < 0.9 {
		t.Errorf("recall %.3f, want >= 0.9", recall)
	}
	if precision < 0.9 {
		t.Errorf("precision %.3f, want >= 0.9", precision)
	}
}
