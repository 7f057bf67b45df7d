package querylang

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseQuery checks that no input panics; that a rejected query gets a
// *QueryError pointing inside the input; and that an accepted one prints a
// canonical form that parses back to itself and translates to a Bleve
// query that marshals. Seeded with the parser table tests; an input the
// fuzzer records under testdata/fuzz/FuzzParseQuery runs with every plain
// go test, and belongs in those tables too. Run it with
// go test ./search -run '^$' -fuzz FuzzParseQuery -fuzztime 60s
func FuzzParseQuery(f *testing.F) {
	for _, c := range validParseCases() {
		f.Add(c.in, c.or)
	}
	for _, c := range invalidParseCases() {
		if len(c.in) <= 512 {
			f.Add(c.in, false)
		}
	}
	f.Fuzz(func(t *testing.T, s string, or bool) {
		checkParseInvariants(t, s, or)
	})
}

func checkParseInvariants(t *testing.T, s string, or bool) {
	t.Helper()
	opts := QueryOptions{}
	if or {
		opts.DefaultOperator = "or"
	}
	n, err := ParseQuery(s, opts)
	if err != nil {
		var qe *QueryError
		if !errors.As(err, &qe) || !errors.Is(err, ErrInvalidQuery) {
			t.Fatalf("ParseQuery(%q) error %v (%T) is not a *QueryError", s, err, err)
		}
		if qe.Pos < 0 || qe.Pos > len(s) {
			t.Fatalf("ParseQuery(%q): Pos %d outside 0..%d (%v)", s, qe.Pos, len(s), err)
		}
		return
	}
	c := n.String()
	// The canonical form can be longer and nest one level deeper than the
	// input ("a OR b c" prints "a OR (b AND c)"), so re-parse with room.
	roomy := QueryOptions{DefaultOperator: opts.DefaultOperator, MaxLength: 1 << 20, MaxDepth: 1 << 10}
	n2, err := ParseQuery(c, roomy)
	if err != nil {
		t.Fatalf("ParseQuery(%q) printed %q, which does not parse: %v", s, c, err)
	}
	if c2 := n2.String(); c2 != c {
		t.Fatalf("ParseQuery(%q) printed %q, which re-prints as %q", s, c, c2)
	}
	q, err := ToBleve(n, TranslateOptions{})
	if err != nil {
		t.Fatalf("ToBleve(%q): %v", c, err)
	}
	if _, err := json.Marshal(q); err != nil {
		t.Fatalf("marshal ToBleve(%q): %v", c, err)
	}
	Terms(n)
}
