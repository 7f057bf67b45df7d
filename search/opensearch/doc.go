// Package opensearch is newsdex's second backend: the same articles,
// query language and JSON over an OpenSearch cluster, for archives past
// one machine (issue 18). It owns the index mapping and analysis (made to
// analyse text as the Bleve index does), the bulk writer that the
// indexer's pipeline feeds (indexer.Sink), the translation of the query
// language into OpenSearch's query DSL, and the reads the HTTP API needs.
// The research analyses are package search's own algorithms
// (search.RunTimeline and the others); this package only counts for them,
// exactly, with aggregations (analytics.go).
// The cluster shards, replicates and fails over; the client retries a
// request on another node when one is down.
package opensearch
