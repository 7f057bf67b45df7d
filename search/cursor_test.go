package search

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCursorRoundTrip(t *testing.T) {
	after := []string{"2019-01-02T00:00:00Z", "doc-17"}
	c := encodeCursor("fp1", after)
	got, err := decodeCursor(c, "fp1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(after, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeCursorRejects(t *testing.T) {
	tests := []struct{ name, cursor, fp string }{
		{"empty", "", "fp"},
		{"not base64", "***", "fp"},
		{"not json", "bm90IGpzb24", "fp"},
		{"other query", encodeCursor("fp1", []string{"1", "a"}), "fp2"},
		{"wrong arity", encodeCursor("fp", []string{"1"}), "fp"},
		{"too long", string(make([]byte, maxCursorLen+1)), "fp"},
		{"wrong version", "eyJ2Ijo5LCJmIjoiZnAiLCJhIjpbIjEiLCJhIl19", "fp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeCursor(tt.cursor, tt.fp, 2); !errors.Is(err, errInvalidCursor) {
				t.Errorf("err = %v, want errInvalidCursor", err)
			}
		})
	}
}

// FuzzDecodeCursor: any client-supplied cursor is either accepted with the
// right number of values or rejected as an invalid cursor; never a panic.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor("fp", []string{"0.5", "id"}))
	f.Add(encodeCursor("fp", []string{"\u0000", "id"}))
	f.Add("eyJ2IjoxfQ")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		after, err := decodeCursor(s, "fp", 2)
		if err != nil {
			if !errors.Is(err, errInvalidCursor) {
				t.Fatalf("err = %v, not errInvalidCursor", err)
			}
			return
		}
		if len(after) != 2 {
			t.Fatalf("accepted %d values", len(after))
		}
	})
}
