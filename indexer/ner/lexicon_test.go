package ner

import "testing"

func TestLexiconMatch(t *testing.T) {
	lex := newLexicon([]LexiconEntry{
		{Name: "Germany", Kind: LexCountry},
		{Name: "Washington D.C.", Kind: LexCapital},
		{Name: "New Hampshire", Kind: LexRegion},
		{Name: "German", Kind: LexLanguage},
		{Name: "Georgia", Kind: LexCountry},
		{Name: "Georgia", Kind: LexRegion},
	})
	bit := func(k LexKind, pos int) uint32 { return 1 << (4*uint(k) + uint(pos)) }
	tests := []struct {
		words []string
		want  []uint32
	}{
		{[]string{"GERMANY", "beat", "Georgia"}, []uint32{bit(LexCountry, posU), 0, bit(LexCountry, posU) | bit(LexRegion, posU)}},
		{[]string{"in", "Washington", "D.C.", "and", "New", "Hampshire"}, []uint32{0, bit(LexCapital, posB), bit(LexCapital, posL), 0, bit(LexRegion, posB), bit(LexRegion, posL)}},
		{[]string{"New", "York"}, []uint32{0, 0}},
		{[]string{"german", "Germans"}, []uint32{0, 0}}, // lower case does not start a match; no stemming
	}
	for _, tt := range tests {
		s := sentence{words: tt.words}
		s.fillHashes()
		got := make([]uint32, len(tt.words))
		lex.match(s.words, s.lowerH[1:], s.flags, got)
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%v: token %q bits %#x, want %#x", tt.words, tt.words[i], got[i], tt.want[i])
			}
		}
	}
	if newLexicon(nil) != nil {
		t.Error("newLexicon(nil) is not nil")
	}
}
