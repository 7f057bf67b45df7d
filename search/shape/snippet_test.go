package shape

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"

	"newsdex/indexer"
)

func TestSnippet(t *testing.T) {
	an := textAnalyzer(t)
	tests := []struct {
		name, body, title string
		terms             []string
		want              string
	}{
		{"stem marks inflected form", "Two defectors crossed the border.", "", []string{"defector"},
			"Two <mark>defectors</mark> crossed the border."},
		{"markup in text is escaped", `An <img src=x onerror=alert(1)> defector & <script>x</script>`, "", []string{"defector"},
			"An &lt;img src=x onerror=alert(1)&gt; <mark>defector</mark> &amp; &lt;script&gt;x&lt;/script&gt;"},
		{"offsets survive folded characters", "North Korea’s acting ambassador — Café owner’s ambassador.", "", []string{"ambassador"},
			"North Korea’s acting <mark>ambassador</mark> — Café owner’s <mark>ambassador</mark>."},
		{"no match gives the opening", "Nothing here matches.", "", []string{"rice"}, "Nothing here matches."},
		{"empty body uses title", "", "Rice for the North", []string{"rice"}, "<mark>Rice</mark> for the North"},
		{"prefix", "Defecting diplomats and defectors.", "", []string{"defect*"},
			"<mark>Defecting</mark> diplomats and <mark>defectors</mark>."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewMatcher(an, tt.terms).Snippet(tt.body, tt.title)
			if got != tt.want {
				t.Errorf("snippet =\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
}

func TestSnippetPicksDensestPassage(t *testing.T) {
	an := textAnalyzer(t)
	body := "rice " + strings.Repeat("filler words here. ", 40) + "rice and cash sent north " + strings.Repeat("more filler. ", 40)
	got := NewMatcher(an, []string{"rice", "cash"}).Snippet(body, "")
	if !strings.Contains(got, "<mark>rice</mark> and <mark>cash</mark>") {
		t.Errorf("snippet %q misses the passage with both terms", got)
	}
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("snippet %q should show it is cut on both sides", got)
	}
}

func BenchmarkSnippet(b *testing.B) {
	an := textAnalyzer(b)
	body := strings.Repeat("The North Korean defector sent rice and cash to her homeland via a broker. ", 40)
	m := NewMatcher(an, []string{"defector", "rice"})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		m.Snippet(body, "")
	}
}

// textAnalyzer is the index's text analyzer, as the service hands it to
// NewMatcher.
func textAnalyzer(t testing.TB) analysis.Analyzer {
	t.Helper()
	an := indexer.NewMapping().AnalyzerNamed(indexer.AnalyzerText)
	if an == nil {
		t.Fatalf("no %s analyzer", indexer.AnalyzerText)
	}
	return an
}

// TestAnalyzeWithOffsetsShortcuts checks that skipping the folding of
// ASCII tokens and caching stems change no token.
func TestAnalyzeWithOffsetsShortcuts(t *testing.T) {
	an := textAnalyzer(t).(*analysis.DefaultAnalyzer)
	texts := []string{
		"Defectors' defector's DEFECTING Café owners’ ambassadors — naïve rates, rated, rating.",
		"The organization's organizations organised organs; immigration immigrants",
		strings.Repeat("Élan élan ELAN running runs ran ", 3),
	}
	shared := NewStems(1000)
	for _, text := range texts {
		stems := &stemLookup{local: map[string]string{}, shared: shared}
		// The plain way: fold every token, then all the filters.
		want := an.Tokenizer.Tokenize([]byte(text))
		for _, tk := range want {
			for _, cf := range an.CharFilters {
				tk.Term = cf.Filter(tk.Term)
			}
		}
		for _, tf := range an.TokenFilters {
			want = tf.Filter(want)
		}
		for pass := range 3 { // the second pass reads the cache, the third the shared one
			if pass == 2 {
				stems.local = map[string]string{}
			}
			got := analyzeWithOffsets(an, text, stems, &scratch{})
			if len(got) != len(want) {
				t.Fatalf("pass %d: %d tokens, want %d", pass, len(got), len(want))
			}
			for i := range got {
				if string(got[i].Term) != string(want[i].Term) || got[i].Position != want[i].Position || got[i].Start != want[i].Start || got[i].End != want[i].End {
					t.Errorf("pass %d token %d: %+v, want %+v", pass, i, got[i], want[i])
				}
			}
		}
	}
	if len(shared.m) == 0 {
		t.Error("nothing was kept in the shared stems")
	}
}

func TestCollapseSpace(t *testing.T) {
	spaceRun := regexp.MustCompile(`\s+`)
	for _, s := range []string{"", " ", "a", " a ", "a  b", "a\t\n b\r\fc", "\va \v", "a\u00a0 b", "  lead", "trail \n", "one space only", "x\n", "\u2003a\u2003"} {
		want := strings.TrimSpace(spaceRun.ReplaceAllString(s, " "))
		if got := CollapseSpace(s); got != want {
			t.Errorf("CollapseSpace(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestDistinctWords(t *testing.T) {
	var d distinctWords
	for _, n := range []int{0, 1, 15, 16, 17, 40, 3} {
		d.reset()
		for i := range 2 * n { // every word twice
			d.add(fmt.Sprint("w", i%max(n, 1)))
		}
		if want := n; d.len() != want {
			t.Errorf("%d words added twice: %d distinct, want %d", n, d.len(), want)
		}
	}
}
