package indexer

import (
	"strings"
	"testing"
)

// TestTaggerText checks what is blanked out before tagging: the masked
// text keeps every offset, loses the non-prose parts and keeps the prose.
func TestTaggerText(t *testing.T) {
	tests := []struct {
		name        string
		title, body string
		gone, kept  []string
		shouting    bool
	}{
		{"capitals title, mixed body",
			"ACME WIDGET SEES HIGHER CORN SALES", "Acme Widget Corp said corn sales rose.",
			[]string{"ACME WIDGET"}, []string{"Acme Widget Corp said"}, false},
		{"mixed-case title kept",
			"Blair backs Brown", "The prime minister said so.",
			nil, []string{"Blair backs Brown"}, false},
		{"whole article in capitals is tagged as it is",
			"OPEC MEETS IN VIENNA", "OPEC MINISTERS MET IN VIENNA ON MONDAY.",
			nil, []string{"OPEC MEETS", "OPEC MINISTERS"}, true},
		{"earnings table",
			"ACME <ACM> 4TH QTR NET",
			"Shr 34 cts vs 1.19 dlrs\n    Net 807,000 vs 2,858,000\n    Revs 12.1 mln vs 10.3 mln\n    Nine Mths\n    Shr 1.02 dlrs vs 2.30 dlrs\n    NOTE: Results include a gain from the sale of the Ohio unit.\n",
			[]string{"Shr", "Net 807", "Nine Mths", "Revs"}, []string{"NOTE: Results include a gain from the sale of the Ohio unit."}, false},
		{"statistics rows with place names",
			"", "Exports by destination were as follows:\n    Europe 7.8 mln vs 3.4 mln\n    Japan 2.1 mln vs 1.9 mln\n",
			[]string{"Europe 7.8", "Japan 2.1"}, []string{"Exports by destination"}, false},
		{"capitals line inside a mixed-case body",
			"", "Prices at the close were:\n    CORN     1.52   1.50\n    The market was quiet.\n",
			[]string{"CORN"}, []string{"The market was quiet."}, false},
		{"wrapped prose lines stay, numbers or not",
			"", "Texas Widget Holdings Inc's Texas\nWidget Bank said it filed an application with the\nComptroller of the Currency to sell 1,250,000\nshares at 12.50 dlrs each to Lugano, Switzerland.\n",
			nil, []string{"Texas Widget Holdings Inc's Texas", "1,250,000", "Lugano, Switzerland."}, false},
		{"sign-off after table padding",
			"", "Soybean oil prev 3.7, total 55.8 (33.7).        REUTER",
			[]string{"REUTER"}, nil, false},
		{"sign-off on its own line",
			"", "The company said it expects higher sales.\n Reuter\n",
			[]string{"Reuter"}, []string{"higher sales."}, false},
		{"sign-off after a sentence",
			"", "The coins will be sold worldwide, the Treasury said. REUTER",
			[]string{"REUTER"}, []string{"the Treasury said."}, false},
		{"a wrapped name at the end is not a sign-off",
			"", "The unit was sold last year to\nAcme Corp",
			nil, []string{"Acme Corp"}, false},
		{"dateline",
			"", "NEW YORK, March 3 - Acme Widget Corp said it would close a plant.",
			[]string{"NEW YORK", "March 3"}, []string{"Acme Widget Corp said"}, false},
		{"agency dateline",
			"", "LONDON (Reuters) - The Bank of England left rates unchanged.",
			[]string{"LONDON", "(Reuters)"}, []string{"The Bank of England"}, false},
		{"a name before a dash is no dateline",
			"", "US President George Bush - who arrived on Monday - met Mr Blair.",
			nil, []string{"US President George Bush"}, false},
		{"byline",
			"", "By John Smith\nThe Bank of England left rates unchanged.",
			[]string{"John Smith"}, []string{"The Bank of England"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, masked, shouting := taggerText(tt.title, tt.body)
			if len(masked) != len(text) || strings.Count(masked, "\n") != strings.Count(text, "\n") {
				t.Fatalf("masked text has %d bytes and %d lines, want %d and %d",
					len(masked), strings.Count(masked, "\n"), len(text), strings.Count(text, "\n"))
			}
			if shouting != tt.shouting {
				t.Errorf("shouting = %v, want %v", shouting, tt.shouting)
			}
			for _, s := range tt.gone {
				if strings.Contains(masked, s) {
					t.Errorf("%q is still in the masked text %q", s, masked)
				}
			}
			for _, s := range tt.kept {
				if !strings.Contains(masked, s) {
					t.Errorf("%q was blanked out: %q", s, masked)
				}
			}
		})
	}
}

// TestClassifyLine pins the prose test on single lines.
func TestClassifyLine(t *testing.T) {
	for _, tt := range []struct {
		line string
		want lineKind
	}{
		{"Shr 34 cts vs 1.19 dlrs", lineTable},
		{"Net 807,000 vs 2,858,000", lineTable},
		{"Shr loss 51 cts vs loss three cts", lineTable},
		{"Nine Mths", lineTable},
		{"Qtr", lineTable},
		{"Qtly div 10 cts vs 10 cts prior", lineTable},
		{"Avg shrs 4,512,000 vs 4,498,000", lineTable},
		{"Bread wheat prev 1,655.8, Feb 872.0, March 164.6, total", lineTable},
		{"BAHIA COCOA REVIEW", lineCaps},
		{"Arrivals for the week ended February 22 were 155,221 bags", lineProse},
		{"The dry period means the temporao will be late this year.", lineProse},
		{"Acme said.", lineProse},
		{"Texas Widget Holdings Inc's Texas", lineProse},
	} {
		if got := classifyLine(tt.line, false); got != tt.want {
			t.Errorf("classifyLine(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}
