package tokenize

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// describe prints a token stream for comparison: every field the
// analysis chain reads.
func describe(ts analysis.TokenStream) string {
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "%q %d-%d @%d type %d keyword %v\n", t.Term, t.Start, t.End, t.Position, t.Type, t.KeyWord)
	}
	return b.String()
}

func sameAsBleve(t *testing.T, text string) {
	t.Helper()
	want := describe(unicode.NewUnicodeTokenizer().Tokenize([]byte(text)))
	got := describe(Unicode{}.Tokenize([]byte(text)))
	if got != want {
		t.Errorf("%q:\nbleve:\n%sfast:\n%s", text, want, got)
	}
}

func TestSameAsBleve(t *testing.T) {
	for _, text := range []string{
		"", " ", "a", "_", "__", "_a", "a_", "_1", "1_", "1_a", "a_1", "_._", "a._b", "a_.b",
		"U.S. dollar", "U.S.", "e.g.", "a..b", "a.b.c.", "it's", "its'", "'tis", "rock'n'roll",
		"1,000,000", "1,000,", ",5", "1.5", "1..5", "1.5.6", "3:45", "a:b", "a:1", "1:a", "10;20", "a;b",
		"1'000", "a'1", "1'a", "12abc", "abc12", "ab1.2cd", "a1.b2", "x86_64", "C++ and C#", "AT&T",
		"e-mail", "co-operate", "$1.5 billion", "50%", "1/2", "--", "...", "a\r\nb", "a\nb\tc\vd\fe",
		"\x00a\x7fb", "hello, world. 1999-2000 (q3) #tag @user http://example.com/a_b?x=1&y=2",
		"trailing.", "trailing'", "trailing:", "trailing,", "9.", "9,", "9;", "9'",
		"naïve café", "a\xffb", "ölpreis 1.5",
	} {
		sameAsBleve(t, text)
	}
}

// TestSameAsBleveOnNews compares the two on the titles and bodies of
// Reuters-21578 and the BBC collection.
func TestSameAsBleveOnNews(t *testing.T) {
	n := 0
	check := func(text string) {
		want := describe(unicode.NewUnicodeTokenizer().Tokenize([]byte(text)))
		if got := describe(Unicode{}.Tokenize([]byte(text))); got != want {
			t.Fatalf("differs on %.200q", text)
		}
		n++
	}
	if f, err := os.Open("../../../shared/data/reuters21578.jsonl"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<22)
		for sc.Scan() {
			var a struct{ Title, Body string }
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatal(err)
			}
			check(a.Title)
			check(a.Body)
		}
	}
	files, _ := filepath.Glob("../../../shared/data/bbc/*/*.txt")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		check(string(b))
	}
	if n < 40000 {
		t.Skipf("compared %d texts; the corpora in ../shared/data are not all there", n)
	}
}

func FuzzSameAsBleve(f *testing.F) {
	for _, s := range []string{"U.S. 1,000.5 it's a:b x_1", "a._b", "1_,2", "rock'n'roll"} {
		f.Add(s)
	}
	// Each input also goes in mapped onto the characters the word rules
	// treat differently, so that most runs take the ASCII path.
	const alphabet = "aZ09_.,;:'\" \n\r-\x00"
	f.Fuzz(func(t *testing.T, text string) {
		sameAsBleve(t, text)
		b := []byte(text)
		for i, c := range b {
			b[i] = alphabet[int(c)%len(alphabet)]
		}
		sameAsBleve(t, string(b))
	})
}

func BenchmarkTokenize(b *testing.B) {
	text := []byte(strings.Repeat("The U.S. Federal Reserve raised interest rates by 0.25 pct to 5,000.5 on Tuesday, it's said; officials' e-mail. ", 20))
	for _, c := range []struct {
		name string
		t    analysis.Tokenizer
	}{{"bleve", unicode.NewUnicodeTokenizer()}, {"fast", Unicode{}}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				c.t.Tokenize(text)
			}
		})
	}
}
