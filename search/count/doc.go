// Package count holds the pure computations behind newsdex's research
// analytics (issue 13): the time buckets of a timeline and their shares,
// the statistics that rank distinctive terms and names (JLH, chi-square),
// the accumulation of co-occurrence counts and their GEXF and CSV forms,
// and reproducible random samples. It reads no index: search counts
// matches (its column counter, bound to the archive's entities, stays in
// search/facetcount.go) and hands the numbers here.
package count
