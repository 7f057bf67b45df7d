package entity

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzParseCorrections: any input parses or fails cleanly; what parses
// saves and loads back to the same corrections, and resolves without a
// panic.
func FuzzParseCorrections(f *testing.F) {
	f.Add([]byte("organizations:\n  Federal Reserve: [Fed, FED]\nblocked:\n  persons: [Reuter]\n"))
	f.Add([]byte("persons:\n  Kim Jong Un: []\nplaces:\n  Britain: [U.K., United Kingdom]\n"))
	f.Add([]byte("blocked: {persons: [a, b]}"))
	f.Add([]byte("sources: {x: [y]}"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCorrections(b)
		if err != nil {
			return
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		c2, err := ParseCorrections(out)
		if err != nil {
			t.Fatalf("saved corrections do not load: %v\n%s", err, out)
		}
		out2, _ := c2.Marshal()
		if string(out) != string(out2) {
			t.Fatalf("round trip changed them:\n%s\n---\n%s", out, out2)
		}
		a, err := c.Aliases()
		if err != nil {
			t.Fatalf("aliases: %v", err)
		}
		Resolve([]Name{{Person, "Reuter", 3}, {Org, "Fed", 2}, {Place, "U.K.", 1}}, Evidence{}, nil, a)
	})
}

// FuzzKey: a key is folded (no capitals, no dots or hyphens, single
// spaces) and folding it again changes nothing but what only the first
// pass could see (brackets, a leading "the", suffixes, a possessive).
func FuzzKey(f *testing.F) {
	for _, s := range []string{"Texaco Inc", "<National Amusements Inc>", "Poor's Corp", "U.K.", "the The", "'s", "Co"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, _ := Key(s)
		if strings.ContainsAny(k, ".-") || strings.Contains(k, "  ") || strings.TrimSpace(k) != k {
			t.Fatalf("Key(%q) = %q is not folded", s, k)
		}
		for _, r := range k {
			if unicode.IsUpper(r) && unicode.ToLower(r) != r {
				t.Fatalf("Key(%q) = %q has capitals", s, k)
			}
		}
	})
}
