// Package releval measures ranking quality the way IR test collections
// do: it reads a collection in the generic form (docs.jsonl, queries.tsv,
// TREC qrels), indexes it with the production pipeline, ranks every query
// through search.Service as a natural-language query and computes MAP,
// P@10 and nDCG@10 with binary relevance. "newsdex eval relevance" and the
// ranking regression tests are built on it.
package releval
