// Package search turns a user's request into a Bleve search over the
// newsdex index and the results into a response: Service.Search is the
// pipeline, from validation (request.go) to the query, the search with
// its counts and the shaped hits (service.go). The steps live in
// packages of their own, which know nothing of the Service:
//
//	search/querylang  the query language: parser, tree, errors, cost, translation to Bleve
//	search/rank       BM25F with proximity, field statistics, feedback, recency
//	search/shape      snippets, KWIC windows, cursors
//	search/count      counting and analysis: the column counter that counts
//	                  facets, days and entities in the search pass, and the
//	                  analyses' computations (timeline, JLH, co-occurrence,
//	                  samples, dedup)
//
// search keeps what needs the Service's state: the thin glue that runs a
// hooked search on its index (counting.go, analytics.go), the archive's
// entity table the counter maps names with (entities.go), the result
// cache, KWIC and Export, which page through Search, the analyses'
// Service methods (timeline.go, cooccurrence.go, significant.go,
// sample.go), which run searches and hand the counts to search/count, and
// the near-duplicate groups (dups.go, over indexer/neardup). It knows
// nothing of HTTP (that is search/httpapi) and shares only the field
// names with the indexer.
package search
