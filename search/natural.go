package search

import "strings"

// NaturalQuery turns plain text into a query-language string that means
// exactly its words: every character the parser would read as syntax
// (parentheses, quotes, colons, a leading - or +, AND/OR/NOT, * and ~) is
// escaped, so a question such as `what is the "lift" (cl) of a-wing?`
// can never be a syntax error or a field, phrase or negation. Parsed with
// DefaultOperator "or" the words are ORed and ranked; that is
// Request.Mode "natural".
func NaturalQuery(text string) string {
	var b strings.Builder
	for i, w := range strings.Fields(text) {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeEscapedWord(&b, w)
	}
	return b.String()
}
