// Package search turns a user's request into a Bleve search over the
// newsdex index and the results into a response. It holds the query
// language (ParseQuery, ToBleve), request validation, snippets and facets;
// it knows nothing of HTTP (that is search/httpapi) and shares only the
// field names with the indexer.
package search
