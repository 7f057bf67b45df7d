package shape

import (
	"strings"
	"testing"
)

func TestContextWindows(t *testing.T) {
	tests := []struct {
		name, text  string
		width       int
		left, right string
	}{
		{"short", "ab", 5, "ab", "ab"},
		{"runes not bytes", "αβγδε", 3, "γδε", "αβγ"},
		{"folds white space", "a \n\t b  c", 4, " b c", "a b "},
		{"long run of spaces", "x" + strings.Repeat(" ", 500) + "y", 3, "x y", "x y"},
		{"empty", "", 3, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LeftContext(tt.text, tt.width); got != tt.left {
				t.Errorf("LeftContext = %q, want %q", got, tt.left)
			}
			if got := RightContext(tt.text, tt.width); got != tt.right {
				t.Errorf("RightContext = %q, want %q", got, tt.right)
			}
		})
	}
}
