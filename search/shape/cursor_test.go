package shape

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCursorRoundTrip(t *testing.T) {
	after := []string{"2019-01-02T00:00:00Z", "doc-17"}
	c := EncodeCursor("fp1", after)
	got, err := DecodeCursor(c, "fp1", 2)
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
		{"other query", EncodeCursor("fp1", []string{"1", "a"}), "fp2"},
		{"wrong arity", EncodeCursor("fp", []string{"1"}), "fp"},
		{"too long", string(make([]byte, maxCursorLen+1)), "fp"},
		{"wrong version", "eyJ2Ijo5LCJmIjoiZnAiLCJhIjpbIjEiLCJhIl19", "fp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeCursor(tt.cursor, tt.fp, 2); !errors.Is(err, ErrInvalidCursor) {
				t.Errorf("err = %v, want ErrInvalidCursor", err)
			}
		})
	}
}

// FuzzDecodeCursor: any client-supplied cursor is either accepted with the
// right number of values or rejected as an invalid cursor; never a panic.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(EncodeCursor("fp", []string{"0.5", "id"}))
	f.Add(EncodeCursor("fp", []string{"\u0000", "id"}))
	f.Add("eyJ2IjoxfQ")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		after, err := DecodeCursor(s, "fp", 2)
		if err != nil {
			if !errors.Is(err, ErrInvalidCursor) {
				t.Fatalf("err = %v, not ErrInvalidCursor", err)
			}
			return
		}
		if len(after) != 2 {
			t.Fatalf("accepted %d values", len(after))
		}
	})
}
