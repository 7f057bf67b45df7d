package ner

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// words renders sentences as "tok tok | tok" for compact expectations.
func words(sents [][]Token) string {
	var parts []string
	for _, s := range sents {
		var ws []string
		for _, t := range s {
			ws = append(ws, t.Text)
		}
		parts = append(parts, strings.Join(ws, " "))
	}
	return strings.Join(parts, " | ")
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"punctuation", `He said: "Go (now)!"`, `He said : " Go ( now ) ! "`},
		{"possessive", "Jo’s case and Kim's letter, the Koreans' view", "Jo ’s case and Kim 's letter , the Koreans ' view"},
		{"negation", "It isn't so", "It is n't so"},
		{"abbreviations", "Mr. Kim met U.S. envoys in St. Louis.", "Mr. Kim met U.S. envoys in St. Louis ."},
		{"initials", "George W. Bush spoke.", "George W. Bush spoke ."},
		{"hyphens kept", "Kim Jong-un and a two-and-a-half year term", "Kim Jong-un and a two-and-a-half year term"},
		{"numbers", "US$71,000 or 5.93 mln on 1996-08-22", "US$71,000 or 5.93 mln on 1996-08-22"},
		{"dashes", "Korea – and this—that -- more", "Korea – and this — that -- more"},
		{"sentences", "It rained. Then it stopped! Was it? Yes.", "It rained . | Then it stopped ! | Was it ? | Yes ."},
		{"no split before lower case", "It cost 5 dlrs. a share", "It cost 5 dlrs . a share"},
		{"abbreviation keeps sentence", "Talks with the U.S. Embassy went on.", "Talks with the U.S. Embassy went on ."},
		{"quote after stop", `He said “yes.” Then left.`, `He said “ yes . ” | Then left .`},
		{"run-together", "with Kim Jong-un.Trump has said", "with Kim Jong-un . | Trump has said"},
		{"missing space after comma", "foreigners,and citizens", "foreigners , and citizens"},
		{"paragraphs", "First line\nwrapped here\n\nSecond para", "First line wrapped here | Second para"},
		{"indented paragraph", "Line one\n    Line two", "Line one | Line two"},
		{"ellipsis", "Wait... what", "Wait ... what"},
		{"brackets", "[South China Morning Post]", "[ South China Morning Post ]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Tokenize(tt.in)
			if diff := cmp.Diff(tt.want, words(got)); diff != "" {
				t.Errorf("Tokenize(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			checkTokens(t, tt.in, got)
		})
	}
}

func TestTokenizeLongSentence(t *testing.T) {
	text := strings.Repeat("word ", 3*maxSentence)
	sents := Tokenize(text)
	if len(sents) != 3 {
		t.Errorf("got %d sentences, want 3 of at most %d tokens", len(sents), maxSentence)
	}
	checkTokens(t, text, sents)
}

// checkTokens asserts the invariants every tokenisation must keep.
func checkTokens(t *testing.T, text string, sents [][]Token) {
	t.Helper()
	last := 0
	for _, s := range sents {
		if len(s) == 0 || len(s) > maxSentence {
			t.Fatalf("sentence of %d tokens", len(s))
		}
		for _, tok := range s {
			if tok.Start < last || tok.End <= tok.Start || tok.End > len(text) {
				t.Fatalf("token %+v out of order or bounds (last end %d, len %d)", tok, last, len(text))
			}
			if text[tok.Start:tok.End] != tok.Text {
				t.Fatalf("token %+v text differs from input %q", tok, text[tok.Start:tok.End])
			}
			if strings.IndexFunc(tok.Text, unicode.IsSpace) >= 0 {
				t.Fatalf("token %q holds a space", tok.Text)
			}
			last = tok.End
		}
	}
}

func FuzzTokenize(f *testing.F) {
	f.Add("North Korea’s acting ambassador to Italy, Jo Song Gil, is in hiding.")
	f.Add("Kim Jong-un.Trump has said… “Yes.” (U.S.)")
	f.Add("a\n\n b\n    c\u00a0d\u2028e")
	f.Add("'s n't '' -- —")
	f.Add("\xff\xfe.\xc3")
	f.Fuzz(func(t *testing.T, text string) {
		sents := Tokenize(text)
		checkTokens(t, text, sents)
		// Every non-space character is in some token.
		covered := make([]bool, len(text))
		for _, s := range sents {
			for _, tok := range s {
				for i := tok.Start; i < tok.End; i++ {
					covered[i] = true
				}
			}
		}
		for i := 0; i < len(text); {
			r, n := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsSpace(r) && !covered[i] {
				t.Fatalf("byte %d (%q) of %q is in no token", i, r, text)
			}
			i += n
		}
	})
}
