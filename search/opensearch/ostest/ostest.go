package ostest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The environment variables this package reads.
const (
	EnvURLs    = "NEWSDEX_OPENSEARCH_URLS"    // comma-separated, node 0 first
	EnvRequire = "NEWSDEX_REQUIRE_OPENSEARCH" // "1": fail rather than skip without a cluster
)

// URLs returns the cluster's node URLs from NEWSDEX_OPENSEARCH_URLS. It
// skips the test when the variable is unset or empty, or fails it when
// NEWSDEX_REQUIRE_OPENSEARCH=1.
func URLs(t testing.TB) []string {
	t.Helper()
	urls := parseURLs(os.Getenv(EnvURLs))
	if len(urls) == 0 {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s=1 but %s is unset: start a cluster with .ci/opensearch-cluster start N", EnvRequire, EnvURLs)
		} else {
			t.Skipf("no OpenSearch cluster: %s is unset", EnvURLs)
		}
	}
	return urls
}

func parseURLs(s string) []string {
	var urls []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, strings.TrimRight(u, "/"))
		}
	}
	return urls
}

// Kill kills node I of the cluster with SIGKILL, through
// .ci/opensearch-cluster kill, and fails the test if it cannot. The node
// stays down until Restart.
func Kill(t testing.TB, node int) {
	t.Helper()
	if err := script(URLs(t), "kill", node); err != nil {
		t.Fatal(err)
	}
}

// Restart starts node I again after a Kill, with its data, and returns
// once it answers HTTP; the cluster may still be yellow then (WaitHealth
// waits for green). It fails the test if the node does not come back.
// A failover test calls it in t.Cleanup so that the tests after it find
// the whole cluster.
func Restart(t testing.TB, node int) {
	t.Helper()
	if err := script(URLs(t), "restart", node); err != nil {
		t.Fatal(err)
	}
}

// script runs .ci/opensearch-cluster CMD I for the cluster whose node 0
// answers at urls[0]: the script finds its state by its base port.
func script(urls []string, cmd string, node int) error {
	if node < 0 || node >= len(urls) {
		return fmt.Errorf("opensearch-cluster %s %d: the cluster has nodes 0 to %d", cmd, node, len(urls)-1)
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	u, err := url.Parse(urls[0])
	if err != nil || u.Port() == "" {
		return fmt.Errorf("opensearch-cluster %s %d: no port in %q", cmd, node, urls[0])
	}
	c := exec.Command(filepath.Join(root, ".ci", "opensearch-cluster"), cmd, strconv.Itoa(node))
	c.Env = append(os.Environ(), "OPENSEARCH_BASE_PORT="+u.Port())
	if out, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("opensearch-cluster %s %d: %w\n%s", cmd, node, err, out)
	}
	return nil
}

// moduleRoot is the nearest directory above the working directory (a
// test's is its package's) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// WaitHealth polls the cluster health at base (a node URL) until its status
// is status or better ("green", "yellow" or "red", as OpenSearch ranks
// them). A node that does not answer yet is polled again. It returns ctx's
// error, with the last status or failure seen, if ctx ends first.
func WaitHealth(ctx context.Context, base, status string) error {
	switch status {
	case "green", "yellow", "red":
	default:
		return fmt.Errorf("wait for health %q: not green, yellow or red", status)
	}
	endpoint := strings.TrimRight(base, "/") + "/_cluster/health?timeout=1s&wait_for_status=" + status
	var last string
	for {
		got, err := health(ctx, endpoint)
		if err == nil && rank(got) >= rank(status) {
			return nil
		}
		last = got
		if err != nil {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s at %s: %w (last: %s)", status, base, ctx.Err(), last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// health asks once; OpenSearch answers 408 with the current status when
// wait_for_status times out, so any answer with a status is one.
func health(ctx context.Context, endpoint string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var h struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Status == "" {
		return "", fmt.Errorf("cluster health: HTTP %d, no status", resp.StatusCode)
	}
	return h.Status, nil
}

func rank(status string) int {
	switch status {
	case "green":
		return 3
	case "yellow":
		return 2
	case "red":
		return 1
	}
	return 0
}
