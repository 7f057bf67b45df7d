package shape

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// LeftContext is the last width runes of before, each run of white space
// folded to one space. A space next to the keyword is kept, so that
// left+keyword+right reads as the text does.
func LeftContext(before string, width int) string {
	out := make([]rune, 0, width)
	for i := len(before); i > 0 && len(out) < width; {
		r, size := utf8.DecodeLastRuneInString(before[:i])
		i -= size
		if unicode.IsSpace(r) {
			if len(out) > 0 && out[len(out)-1] == ' ' {
				continue
			}
			r = ' '
		}
		out = append(out, r)
	}
	slices.Reverse(out)
	return string(out)
}

// RightContext is the first width runes of after, white space folded.
func RightContext(after string, width int) string {
	out := make([]rune, 0, width)
	for i := 0; i < len(after) && len(out) < width; {
		r, size := utf8.DecodeRuneInString(after[i:])
		i += size
		if unicode.IsSpace(r) {
			if len(out) > 0 && out[len(out)-1] == ' ' {
				continue
			}
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
