package ostest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseURLs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ", nil},
		{"http://127.0.0.1:9200", []string{"http://127.0.0.1:9200"}},
		{"http://127.0.0.1:9200/, http://127.0.0.1:9201,", []string{"http://127.0.0.1:9200", "http://127.0.0.1:9201"}},
	}
	for _, tt := range tests {
		if got := parseURLs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseURLs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// fakeTB records what URLs does instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeTB) Helper()                      {}
func (f *fakeTB) Skipf(string, ...any)         { f.skipped = true }
func (f *fakeTB) Fatalf(string, ...any)        { f.failed = true }
func (f *fakeTB) Fatal(...any)                 { f.failed = true }
func (f *fakeTB) Logf(format string, a ...any) {}

func TestURLsWithoutCluster(t *testing.T) {
	t.Setenv(EnvURLs, "")
	t.Setenv(EnvRequire, "")
	f := &fakeTB{TB: t}
	URLs(f)
	if !f.skipped || f.failed {
		t.Errorf("unset, not required: skipped %v, failed %v; want a skip", f.skipped, f.failed)
	}
	t.Setenv(EnvRequire, "1")
	f = &fakeTB{TB: t}
	URLs(f)
	if f.skipped || !f.failed {
		t.Errorf("unset, required: skipped %v, failed %v; want a failure", f.skipped, f.failed)
	}
}

func TestWaitHealth(t *testing.T) {
	// yellow twice, then green; a 500 with no status in between.
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/_cluster/health" {
			http.NotFound(w, r)
			return
		}
		switch n := calls.Add(1); {
		case n == 2:
			w.WriteHeader(http.StatusInternalServerError)
		case n < 4:
			w.WriteHeader(http.StatusRequestTimeout)
			fmt.Fprint(w, `{"status":"yellow","timed_out":true}`)
		default:
			fmt.Fprint(w, `{"status":"green","timed_out":false}`)
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := WaitHealth(ctx, srv.URL, "yellow"); err != nil {
		t.Fatalf("yellow: %v", err)
	}
	if err := WaitHealth(ctx, srv.URL+"/", "green"); err != nil {
		t.Fatalf("green: %v", err)
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("%d requests, want 4 (yellow, 500, yellow, green)", n)
	}
	if err := WaitHealth(ctx, srv.URL, "blue"); err == nil {
		t.Error("status blue: no error")
	}
}

func TestWaitHealthTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"red"}`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	err := WaitHealth(ctx, srv.URL, "yellow")
	if err == nil || !strings.Contains(err.Error(), "last: red") {
		t.Errorf("WaitHealth(red cluster, yellow) = %v, want a deadline error naming red", err)
	}
}

// TestScript runs Kill's and Restart's plumbing against a stand-in for
// .ci/opensearch-cluster in a module of its own.
func TestScript(t *testing.T) {
	root := t.TempDir()
	calls := filepath.Join(root, "calls")
	for name, body := range map[string]string{
		"go.mod":                 "module fake\n",
		".ci/opensearch-cluster": "#!/bin/sh\necho \"$@ $OPENSEARCH_BASE_PORT\" >>" + calls + "\n[ \"$1\" = kill ] || { echo no such node >&2; exit 1; }\n",
	} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sub := filepath.Join(root, "search", "x")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)

	urls := []string{"http://127.0.0.1:19500", "http://127.0.0.1:19501"}
	if err := script(urls, "kill", 1); err != nil {
		t.Fatalf("kill 1: %v", err)
	}
	if err := script(urls, "restart", 1); err == nil || !strings.Contains(err.Error(), "no such node") {
		t.Errorf("restart with a failing script: %v, want its output in the error", err)
	}
	if err := script(urls, "kill", 2); err == nil {
		t.Error("kill 2 of 2 nodes: no error")
	}
	got, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	if want := "kill 1 19500\nrestart 1 19500\n"; string(got) != want {
		t.Errorf("script calls:\n%s\nwant:\n%s", got, want)
	}
}

// TestCluster checks the running cluster that NEWSDEX_OPENSEARCH_URLS
// names: every node answers and the cluster is at least yellow (another
// package's failover test may have a node down meanwhile).
func TestCluster(t *testing.T) {
	urls := URLs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, u := range urls {
		if err := WaitHealth(ctx, u, "yellow"); err != nil {
			t.Error(err)
		}
	}
}

// TestKillRestart kills the last node and brings it back. It disturbs
// every other test using the cluster, so it runs only when
// NEWSDEX_OPENSEARCH_DISRUPT=1, never in .ci/run.
func TestKillRestart(t *testing.T) {
	urls := URLs(t)
	if os.Getenv("NEWSDEX_OPENSEARCH_DISRUPT") != "1" {
		t.Skip("kills a node of the shared cluster: set NEWSDEX_OPENSEARCH_DISRUPT=1")
	}
	if len(urls) < 3 {
		t.Skip("needs 3 nodes, so that 2 keep a quorum")
	}
	Disturb(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	last := len(urls) - 1
	Kill(t, last)
	if _, err := health(ctx, urls[last]+"/_cluster/health"); err == nil {
		t.Errorf("node %d still answers after Kill", last)
	}
	if err := WaitHealth(ctx, urls[0], "yellow"); err != nil {
		t.Fatal(err)
	}
	Restart(t, last)
	if err := WaitHealth(ctx, urls[last], "green"); err != nil {
		t.Fatal(err)
	}
}
