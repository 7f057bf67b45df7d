// Package querylang is the query language: the lexer and parser
// (ParseQuery), the syntax tree (Node), errors with their byte positions
// (QueryError), the escaping of plain text into a query (NaturalQuery),
// the cost bound checked before a query runs (CheckCost), and the
// translation of a tree into a Bleve query over the newsdex fields
// (ToBleve), which builds the scorers of search/rank. It holds no index
// or service state: tests pin the trees and the translations with golden
// files (go test ./search/querylang -update rewrites them).
package querylang
