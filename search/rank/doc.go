// Package rank owns how matches are scored: BM25F over the text fields
// with word proximity (WordsQuery), the true mean field lengths it
// normalises by (FieldStats), pseudo-relevance feedback for natural
// questions (FeedbackQuery) and the recency boost (WithRecency). Each is a
// Bleve query or a wrapper of one; rank knows nothing of the query
// language, which builds these queries (search/querylang), nor of the
// service that runs them.
package rank
