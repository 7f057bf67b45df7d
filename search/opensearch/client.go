package opensearch

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	osgo "github.com/opensearch-project/opensearch-go/v4"
)

// Options say which cluster and index to use.
type Options struct {
	URLs     []string // nodes; requests go round them
	Index    string   // index name
	Shards   int      // primary shards of a new index (default 1)
	Replicas int      // replicas of each (a new index only)
	Username string   // basic auth, with Password
	Password string
	CACert   []byte // PEM CA for https nodes
	// MaxRetries is how many other nodes a failed request tries (default
	// 3): a node that is down costs a retry, not an error.
	MaxRetries int
}

// Client talks to one index on the cluster through the official client,
// which balances requests over the nodes, marks a node that fails dead
// for a while and retries the request on another.
type Client struct {
	os    *osgo.Client
	index string
	opts  Options

	requests atomic.Int64 // logical requests
	attempts *countingTransport
	resent   atomic.Int64 // searches sent again after a server-side failure
}

// ErrCluster wraps an error answer from the cluster.
var ErrCluster = errors.New("opensearch")

// NewClient returns a client for opts; it does not contact the cluster.
func NewClient(opts Options) (*Client, error) {
	if len(opts.URLs) == 0 {
		return nil, errors.New("opensearch: no node URLs")
	}
	if opts.Index == "" {
		return nil, errors.New("opensearch: no index name")
	}
	if opts.Shards <= 0 {
		opts.Shards = 1
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 3
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 32
	// A node that is gone without refusing connections (a lost host)
	// costs a short wait before the request moves to another node.
	base.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	if len(opts.CACert) > 0 {
		// The official client sets the CA pool on an *http.Transport it
		// is given, but ours is wrapped to count attempts.
		pool, err := caPool(opts.CACert)
		if err != nil {
			return nil, err
		}
		if base.TLSClientConfig == nil {
			base.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		base.TLSClientConfig.RootCAs = pool
	}
	ct := &countingTransport{next: base}
	cfg := osgo.Config{
		Addresses:  opts.URLs,
		Username:   opts.Username,
		Password:   opts.Password,
		Transport:  ct,
		MaxRetries: opts.MaxRetries,
		// A node that cannot be reached in dialTimeout is retried
		// elsewhere. No per-attempt timeout: each request's context
		// bounds it (do), so that a search gives up at its own deadline
		// and a read of the whole archive, which takes minutes at
		// millions of articles, is neither cut off nor sent again.
		EnableRetryOnTimeout: true,
		RetryOnStatus:        []int{502, 503, 504},
		RetryBackoff:         func(attempt int) time.Duration { return time.Duration(attempt) * 50 * time.Millisecond },
		// No sniffing: the loopback cluster's publish addresses are the
		// URLs given, and a real one may sit behind a proxy.
		DiscoverNodesOnStart: new(false),
	}
	c, err := osgo.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("opensearch client: %w", err)
	}
	return &Client{os: c, index: opts.Index, opts: opts, attempts: ct}, nil
}

// Index is the index name.
func (c *Client) Index() string { return c.index }

// Retried is how many HTTP attempts were repeats of a request that had
// failed on another node (or the same one), by the client or, for
// searches a node's loss failed mid-way, by the service: what a
// failover costs.
func (c *Client) Retried() int64 {
	return max(0, c.attempts.n.Load()-c.requests.Load()) + c.resent.Load()
}

// Close releases the client's background work.
func (c *Client) Close() error { return c.os.Close() }

// countingTransport counts HTTP attempts.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != "/" { // the client's own health checks are not requests
		t.n.Add(1)
	}
	return t.next.RoundTrip(r)
}

// request is one call: method, path under the cluster, query, JSON body.
type request struct {
	path   string
	query  url.Values
	body   []byte
	ndjson bool
}

// GetRequest implements osgo.Request.
func (r request) GetRequest(method string) (*http.Request, error) {
	u := &url.URL{Path: r.path}
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if r.body != nil {
		if r.ndjson {
			req.Header.Set("Content-Type", "application/x-ndjson")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	return req, nil
}

// clusterError is an error answer: its status and the cluster's reason.
type clusterError struct {
	Status int
	Type   string
	Reason string
}

func (e *clusterError) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("opensearch: %d %s: %s", e.Status, e.Type, e.Reason)
	}
	return fmt.Sprintf("opensearch: %d %s", e.Status, e.Reason)
}

func (e *clusterError) Unwrap() error { return ErrCluster }

// dialTimeout bounds connecting to one node.
const dialTimeout = 3 * time.Second

// defaultTimeout bounds a request whose context has no deadline.
const defaultTimeout = 30 * time.Second

// do sends one request and decodes a success into out (when not nil).
// An error answer becomes a *clusterError.
func (c *Client) do(ctx context.Context, method string, r request, out any) (int, error) {
	c.requests.Add(1)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	resp, err := c.os.Do(ctx, method, r, nil)
	if err != nil && resp == nil {
		return 0, fmt.Errorf("opensearch %s %s: %w", method, r.path, err)
	}
	defer resp.Body.Close()
	b, rerr := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("opensearch %s %s: %w", method, r.path, err)
	}
	if rerr != nil {
		return resp.StatusCode, fmt.Errorf("opensearch %s %s: read answer: %w", method, r.path, rerr)
	}
	if resp.StatusCode >= 300 {
		ce := &clusterError{Status: resp.StatusCode, Reason: strings.TrimSpace(string(b))}
		var e struct {
			Error struct {
				Type      string `json:"type"`
				Reason    string `json:"reason"`
				RootCause []struct {
					Type   string `json:"type"`
					Reason string `json:"reason"`
				} `json:"root_cause"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Type != "" {
			ce.Type, ce.Reason = e.Error.Type, e.Error.Reason
			if len(e.Error.RootCause) > 0 && e.Error.RootCause[0].Reason != "" {
				ce.Type, ce.Reason = e.Error.RootCause[0].Type, e.Error.RootCause[0].Reason
			}
		}
		if len(ce.Reason) > 500 {
			ce.Reason = ce.Reason[:500] + "…"
		}
		return resp.StatusCode, ce
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("opensearch %s %s: decode answer: %w", method, r.path, err)
		}
	}
	return resp.StatusCode, nil
}

// EnsureIndex creates the index with newsdex's mapping and analysis when
// it does not exist, and reports whether it did. An existing index is
// used as it is (shards and replicas are fixed at creation).
func (c *Client) EnsureIndex(ctx context.Context) (created bool, err error) {
	status, err := c.do(ctx, http.MethodHead, request{path: "/" + c.index}, nil)
	if err == nil && status == http.StatusOK {
		return false, nil
	}
	var ce *clusterError
	if err != nil && !(errors.As(err, &ce) && ce.Status == http.StatusNotFound) {
		return false, fmt.Errorf("look for index %s: %w", c.index, err)
	}
	body, err := indexBody(c.opts.Shards, c.opts.Replicas)
	if err != nil {
		return false, err
	}
	if _, err := c.do(ctx, http.MethodPut, request{path: "/" + c.index, body: body,
		query: url.Values{"wait_for_active_shards": {"1"}}}, nil); err != nil {
		if errors.As(err, &ce) && ce.Type == "resource_already_exists_exception" {
			return false, nil // another process created it meanwhile
		}
		return false, fmt.Errorf("create index %s: %w", c.index, err)
	}
	return true, nil
}

// DeleteIndex removes the index and its companion holding the entity
// corrections (tests, and a reindex from scratch).
func (c *Client) DeleteIndex(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodDelete, request{path: "/" + c.index + "," + c.EntitiesIndex(),
		query: url.Values{"ignore_unavailable": {"true"}}}, nil)
	var ce *clusterError
	if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
		return nil
	}
	return err
}

// Refresh makes every write so far visible to searches.
func (c *Client) Refresh(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodPost, request{path: "/" + c.index + "/_refresh"}, nil)
	return err
}

// Health waits up to timeout for the cluster to reach status (green or
// yellow) and returns the status it has.
func (c *Client) Health(ctx context.Context, status string, timeout time.Duration) (string, error) {
	var h struct {
		Status string `json:"status"`
	}
	q := url.Values{"wait_for_status": {status}, "timeout": {fmt.Sprintf("%dms", timeout.Milliseconds())}}
	_, err := c.do(ctx, http.MethodGet, request{path: "/_cluster/health", query: q}, &h)
	return h.Status, err
}
