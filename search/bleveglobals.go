package search

import "github.com/blevesearch/bleve/v2/search/searcher"

// SetClauseLimit sets Bleve's process-wide cap on the clauses of one
// disjunction, which also stops a prefix or fuzzy word's dictionary walk
// as soon as it passes n terms. Limits.MaxTermExpansion counts term
// searchers only after the walk: on 200,000 matching terms the walk alone
// took 250 ms before failing, and 2 ms with this cap at 2000. Date ranges
// and filters stay far below it.
//
// The cap is a package variable of Bleve's, shared by every index in the
// process, so the program's start-up wiring calls this once, before any
// search, with Limits.MaxTermExpansion; n <= 0 removes the cap.
func SetClauseLimit(n int) {
	searcher.DisjunctionMaxClauseCount = max(n, 0)
}
