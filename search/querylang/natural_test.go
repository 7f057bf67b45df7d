package querylang

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNaturalQuery(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // the words the parsed query searches for
	}{
		{"plain", "heat transfer in slabs", []string{"heat", "transfer", "in", "slabs"}},
		{"syntax is text", `what is the "lift" (cl) of -wing +tail?`, []string{"what", "is", "the", `"lift"`, "(cl)", "of", "-wing", "+tail?"}},
		{"fields are text", "title:rice published:2019 body:", []string{"title:rice", "published:2019", "body:"}},
		{"operators are words", "war AND peace OR NOT love", []string{"war", "AND", "peace", "OR", "NOT", "love"}},
		{"prefix and fuzzy marks are text", "elect* climte~2 a\\b", []string{"elect*", "climte~2", `a\b`}},
		{"ranges are text", "[2019 TO 2020] {a}", []string{"[2019", "TO", "2020]", "{a}"}},
		{"control characters split", "a\x00b\tc\x7fd", []string{"a", "b", "c", "d"}},
		{"invalid UTF-8 splits", "a\xffb", []string{"a", "b"}},
		{"empty", "  \n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := naturalWords(NaturalQuery(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("words of %q (-want +got):\n%s", NaturalQuery(tt.in), diff)
			}
		})
	}
}

// naturalWords parses q as natural mode does and returns its words; an
// error if the tree holds anything but words.
func naturalWords(q string) ([]string, error) {
	n, err := ParseQuery(q, QueryOptions{DefaultOperator: "or", MaxLength: 1 << 20, MaxClauses: 1 << 20})
	if err != nil {
		return nil, err
	}
	var out []string
	var walk func(Node) error
	walk = func(n Node) error {
		switch n := n.(type) {
		case MatchAll:
			return nil
		case *Term:
			if n.Field != "" || n.Prefix || n.Fuzziness != 0 {
				return errors.New("term with syntax: " + n.String())
			}
			out = append(out, n.Text)
		case *Or:
			for _, c := range n.Clauses {
				if err := walk(c); err != nil {
					return err
				}
			}
		default:
			return errors.New("not a word: " + n.String())
		}
		return nil
	}
	return out, walk(n)
}

// FuzzNaturalQuery: whatever the text, natural mode parses to exactly its
// words, so no question is ever a syntax error.
func FuzzNaturalQuery(f *testing.F) {
	for _, s := range []string{"", "a", `"unclosed (paren title: -x +y NOT AND OR`, "published:[2019 TO *]", "a~ b* \\", "a\x00b", "\xff", "–dash “quotes”"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := naturalWords(NaturalQuery(s))
		if err != nil {
			t.Fatalf("NaturalQuery(%q) = %q: %v", s, NaturalQuery(s), err)
		}
		want := strings.FieldsFunc(strings.ToValidUTF8(s, " "), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("words of %q (-want +got):\n%s", s, diff)
		}
	})
}
