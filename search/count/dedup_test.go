package count

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDedup(t *testing.T) {
	// Two groups: a (a0 earliest, a1, a2) and b (b0, b1); u is unique.
	groups := map[string]struct {
		g    string
		rank int
	}{"a0": {"a", 0}, "a1": {"a", 1}, "a2": {"a", 2}, "b0": {"b", 0}, "b1": {"b", 1}}
	of := func(id string) (string, int, bool) {
		m, ok := groups[id]
		return m.g, m.rank, ok
	}
	tests := []struct {
		name    string
		matches []string
		want    []string
	}{
		{"no matches", nil, nil},
		{"unique only", []string{"u"}, nil},
		{"whole groups: all but the earliest", []string{"a0", "a1", "a2", "b0", "b1", "u"}, []string{"a1", "a2", "b1"}},
		{"earliest copy does not match", []string{"a1", "a2", "b1"}, []string{"a2"}},
		{"order does not matter", []string{"a2", "u", "a1"}, []string{"a2"}},
		{"one copy per group", []string{"a2", "b1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Dedup(tt.matches, of)); diff != "" {
				t.Errorf("Dedup(%v) (-want +got):\n%s", tt.matches, diff)
			}
		})
	}
}
