// Package search turns a user's request into a Bleve search over the
// newsdex index and the results into a response: Service.Search is the
// pipeline, from validation (request.go) to the query, the search with
// its counts and the shaped hits (service.go). The steps live in
// packages of their own, which know nothing of the Service:
//
//	search/querylang  the query language: parser, tree, errors, cost, translation to Bleve
//	search/rank       BM25F with proximity, field statistics, feedback, recency
//	search/shape      snippets, KWIC windows, cursors
//	search/count      the analyses' pure computations: timeline buckets and
//	                  shares, JLH, co-occurrence pairs, GEXF, seeded samples
//
// search keeps what needs the Service's state: facet and histogram
// counting with its column cache (facetcount.go, histogram.go), the
// archive's entity table it counts with (entities.go), the result cache,
// KWIC and Export, which page through Search, and the research analytics
// that count with the same columns (analytics.go, timeline.go,
// cooccurrence.go, significant.go, sample.go) and the near-duplicate
// groups (dups.go, over indexer/neardup). It knows nothing of HTTP
// (that is search/httpapi) and shares only the field names with the
// indexer.
package search
