// Package count is where newsdex counts and analyses matches: exact
// facet, day and entity counts in the search pass itself, and the
// research analytics built on them (issue 13).
//
// The counting machinery (columns.go, counter.go, histogram.go) hooks
// Bleve's collector and counts each match from per-segment columns of the
// counted fields; it also serves the relevance order's id tie-break. It
// needs the archive's entity table only through the small Entities
// interface, which search's entity view satisfies, so search imports
// count and not the reverse.
//
// The analyses take the counts and compute the answers: timeline buckets
// and shares (timeline.go), JLH and the term statistics of distinctive
// terms (significance.go, terms.go), co-occurrence networks with their
// GEXF and CSV forms (cooccurrence.go, network.go), reproducible and
// stratified samples (sample.go) and, under dedup, the choice of one
// matching article per near-duplicate group (dedup.go).
//
// search.Service runs the searches (it owns the index, the entity table
// and the near-duplicate groups) and hands the matches here.
package count
