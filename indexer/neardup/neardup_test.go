package neardup

import (
	"strings"
	"testing"
)

const story = `The central bank raised its main interest rate by a quarter point on Tuesday, the third increase this year, citing stubborn inflation in services and rising wages.
Officials said further increases could follow if price pressures did not ease, but added that the economy was slowing and that they would watch the data closely.
Markets had expected the move. The currency rose slightly against the dollar after the announcement and bond yields edged higher in afternoon trading.
The decision was taken by seven votes to two, with the two dissenting members preferring to leave rates unchanged until the effects of earlier rises were clearer.`

func TestSimilarityOfEdits(t *testing.T) {
	paras := strings.Split(story, "\n")
	tests := []struct {
		name    string
		a, b    string
		min     float64
		max     float64
		grouped bool
	}{
		{"identical", story, story, 1, 1, true},
		{"case and punctuation", story, strings.ToUpper(strings.ReplaceAll(story, ",", "")), 1, 1, true},
		{"byline and dateline added", story, "By Ann Lee, Staff Reporter\nLONDON, March 3 (Wire) - " + story, 0.8, 1, true},
		{"last paragraph cut", story, strings.Join(paras[:3], "\n"), 0.55, 0.95, true},
		{"two paragraphs cut", story, strings.Join(paras[1:3], "\n"), 0.3, 0.7, true},
		{"paragraph added", story, story + "\nAnalysts said the bank was likely to pause at its next meeting in June, when new forecasts are due.", 0.6, 1, true},
		{"another story on the same event", story, `Borrowing costs went up again on Tuesday as policymakers lifted the benchmark rate by 25 basis points, the third rise of the year. Two of the nine members voted to hold. Inflation in services remains high, the bank said, and wages are climbing. Traders had priced in the hike; the currency firmed a little.`, 0, 0.1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := Of(tt.a)
			b, _ := Of(tt.b)
			got := Similarity(&a, &b)
			if got < tt.min || got > tt.max {
				t.Errorf("similarity %.2f, want %.2f-%.2f", got, tt.min, tt.max)
			}
			if DefaultOptions().Copies(&a, &b) != tt.grouped {
				t.Errorf("similarity %.2f (containment %.2f): grouped %v, want %v", got, Containment(&a, &b, got), !tt.grouped, tt.grouped)
			}
		})
	}
}

func TestEmptyAndShort(t *testing.T) {
	if _, ok := Of(" -- , "); ok {
		t.Error("a text without words has a signature")
	}
	a, ok := Of("Rates up")
	if !ok {
		t.Fatal("a two-word text has no signature")
	}
	b, _ := Of("rates UP!")
	if Similarity(&a, &b) != 1 {
		t.Error("short texts that differ in case only differ")
	}
}

func TestSignatureRoundTrip(t *testing.T) {
	s, _ := Of(story)
	got, err := Parse(s.String())
	if err != nil || got != s {
		t.Fatalf("Parse(String()) = %v, %v", got == s, err)
	}
	if _, err := Parse("abc"); err == nil {
		t.Error("Parse accepted a short signature")
	}
}

func TestBandsFindCopies(t *testing.T) {
	a, _ := Of(story)
	b, _ := Of("By Ann Lee\n" + story)
	shared := 0
	ab, bb := a.BandHashes(), b.BandHashes()
	for i := range ab {
		if ab[i] == bb[i] {
			shared++
		}
	}
	if shared == 0 {
		t.Error("a copy with a byline shares no band")
	}
}

func FuzzParse(f *testing.F) {
	s, _ := Of(story)
	f.Add(s.String())
	f.Add("")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, in string) {
		sig, err := Parse(in)
		if err != nil {
			return
		}
		if back, err := Parse(sig.String()); err != nil || back != sig {
			t.Fatalf("round trip of %q: %v", in, err)
		}
	})
}

func FuzzOf(f *testing.F) {
	f.Add(story)
	f.Add("")
	f.Add("a b c d e f")
	f.Fuzz(func(t *testing.T, text string) {
		a, ok := Of(text)
		b, _ := Of(text)
		if ok && Similarity(&a, &b) != 1 {
			t.Fatalf("a text differs from itself")
		}
	})
}
