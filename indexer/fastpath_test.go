package indexer

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The string helpers of entity extraction were rewritten to work without
// allocating; these tests hold each one to the plain version it replaced.

// nameKeySlow is NameKey as first written: a rune loop into a Builder.
func nameKeySlow(name string) string {
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case r == '-' || r == '_' || unicode.IsSpace(r):
			space = b.Len() > 0
		case r == '.' || r == '\'' || r == '’':
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// titleWordSlow is the old titleWord: the folded word itself.
func titleWordSlow(w string) string {
	k := nameKeySlow(w)
	for _, p := range []string{"then ", "ex ", "former "} {
		k = strings.TrimPrefix(k, p)
	}
	return k
}

var fastpathSeeds = []string{
	"", " ", "Kim Jong-un", "KIM JONG UN", "U.S.", "Jo’s", "  Standard \t& Poor's\n", "then-Ambassador",
	"ex-President", "Former Minister", "Ünited Ärab", "İstanbul", "a\u00a0b", "a\u0085b", "\xff\xfe", "São Paulo",
	"O'Neil", "x_y", "-lead", "trail-", "ΑΘΗΝΑ", "Straße", "ǅemal", "a\u2003b\u3000c", "\r\n",
}

func checkFastpaths(t *testing.T, s string) {
	t.Helper()
	if got, want := NameKey(s), nameKeySlow(s); got != want {
		t.Errorf("NameKey(%q) = %q, want %q", s, got, want)
	}
	if got, want := countFields(s), len(strings.Fields(s)); got != want {
		t.Errorf("countFields(%q) = %d, want %d", s, got, want)
	}
	if got, want := isTidy(s), strings.Join(strings.Fields(s), " ") == s; got != want {
		t.Errorf("isTidy(%q) = %t, want %t", s, got, want)
	}
	if got, want := trimNonLetters(s), strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }); got != want {
		t.Errorf("trimNonLetters(%q) = %q, want %q", s, got, want)
	}
	if got, want := hasDigit(s), strings.ContainsAny(s, "0123456789"); got != want {
		t.Errorf("hasDigit(%q) = %t, want %t", s, got, want)
	}
	k := titleWordSlow(s)
	title, modifier, honorific := titleWord(s)
	if title != isTitle(k) || modifier != isTitleModifier(k) || honorific != isHonorific(k) {
		t.Errorf("titleWord(%q) = %t %t %t, want those of %q", s, title, modifier, honorific, k)
	}
}

func TestFastpaths(t *testing.T) {
	for _, s := range fastpathSeeds {
		checkFastpaths(t, s)
	}
	for _, w := range []string{"Mr", "then-President", "ex-Governor", "former Prime", "PRIME", "Dr."} {
		checkFastpaths(t, w)
	}
}

func FuzzFastpaths(f *testing.F) {
	for _, s := range fastpathSeeds {
		f.Add(s)
	}
	f.Fuzz(checkFastpaths)
}

// containsWord reports whether text has w as a whole word, exactly as
// given: how the evidence searched for each name before markWords.
func containsWord(text, w string) bool {
	for at := 0; ; {
		k := strings.Index(text[at:], w)
		if k < 0 {
			return false
		}
		k += at
		before, _ := utf8.DecodeLastRuneInString(text[:k])
		after, _ := utf8.DecodeRuneInString(text[k+len(w):])
		if (k == 0 || !unicode.IsLetter(before)) && (k+len(w) == len(text) || !unicode.IsLetter(after)) {
			return true
		}
		at = k + len(w)
	}
}

// checkMarkWords holds markWords to containsWord for the words of
// letters in w, the only keys evidence gives it.
func checkMarkWords(t *testing.T, text, w string) {
	t.Helper()
	keys := map[string]bool{}
	for _, f := range strings.FieldsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) {
		keys[f] = false
	}
	markWords(text, keys)
	for k, got := range keys {
		if want := containsWord(text, k); got != want {
			t.Errorf("markWords(%q) marks %q %t, containsWord says %t", text, k, got, want)
		}
	}
}

var markWordsSeeds = [][2]string{
	{"The company said the Company", "company"},
	{"aaa a", "aa a"},
	{"Fed's fed-up fed", "fed"},
	{"\xe2\x82abc \xc3\xc3\xa9x", "abc éx x"},
	{"münchen München", "münchen ünchen"},
	{"x\u0301y", "x y"},
	{"", "a"},
}

func TestMarkWords(t *testing.T) {
	for _, c := range markWordsSeeds {
		checkMarkWords(t, c[0], c[1])
	}
}

func FuzzMarkWords(f *testing.F) {
	for _, c := range markWordsSeeds {
		f.Add(c[0], c[1])
	}
	f.Fuzz(checkMarkWords)
}
