// Package ostest connects tests to the local OpenSearch cluster that
// .ci/opensearch-cluster starts: it reads the cluster's URLs from the
// environment, kills and restarts nodes through that script for failover
// tests, and waits for a cluster health status over plain net/http, so a
// test needs no client library to wait.
//
// A developer runs, from the module root,
//
//	export NEWSDEX_OPENSEARCH_URLS=$(.ci/opensearch-cluster start 3 | paste -sd,)
//	go test ./...
//	.ci/opensearch-cluster stop
//
// Without NEWSDEX_OPENSEARCH_URLS the tests that call URLs skip, unless
// NEWSDEX_REQUIRE_OPENSEARCH=1 (as .ci/run sets), where they fail instead:
// in CI a missing cluster must not pass as skipped tests.
//
// Node I is the I-th URL, 0-based, as the script prints them: Kill(t, 1)
// kills the node that answers at URLs(t)[1].
package ostest
