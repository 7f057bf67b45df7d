// Package shape owns how a result is shown: snippets with the query's
// words marked (Matcher), keyword-in-context windows (LeftContext,
// RightContext) and the cursor a page hands to the next (EncodeCursor,
// DecodeCursor). It works on text and strings only; the service decides
// what to shape and when (search: Search, KWIC, Export).
package shape
