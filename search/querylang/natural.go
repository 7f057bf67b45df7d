package querylang

import (
	"strings"
	"unicode"
)

// NaturalQuery turns plain text into a query-language string that means
// exactly its words: every character the parser would read as syntax
// (parentheses, quotes, colons, a leading - or +, AND/OR/NOT, * and ~) is
// escaped, and control characters and invalid UTF-8, which the parser
// rejects, become word breaks, so a question such as
// `what is the "lift" (cl) of a-wing?` can never be a syntax error or a
// field, phrase or negation. Parsed with DefaultOperator "or" the words are
// ORed and ranked; that is Request.Mode "natural".
func NaturalQuery(text string) string {
	text = strings.ToValidUTF8(text, " ")
	var b strings.Builder
	for i, w := range strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeEscapedWord(&b, w)
	}
	return b.String()
}
