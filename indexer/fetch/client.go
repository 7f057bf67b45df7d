package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned for a connection to an address the
// fetcher may not reach: loopback, private, link-local, multicast and
// other non-public ranges, unless Options.AllowPrivateNetworks is set.
var ErrForbiddenAddress = errors.New("address not allowed")

// ErrTooLarge is returned for a response body over the size cap.
var ErrTooLarge = errors.New("response too large")

// ErrRobots is returned for a URL that robots.txt disallows.
var ErrRobots = errors.New("disallowed by robots.txt")

// Options tune the fetcher. Zero values take the defaults.
type Options struct {
	UserAgent            string        // sent with every request; its first word is matched in robots.txt
	Interval             time.Duration // between polls of a feed (default 30m)
	HostDelay            time.Duration // between requests to one host (default 1s)
	Timeout              time.Duration // for one request, body included (default 20s)
	MaxPageBytes         int64         // cap on a page, decompressed (default 5 MiB)
	MaxFeedBytes         int64         // cap on a feed or sitemap, decompressed (default 10 MiB)
	MaxRedirects         int           // per request (default 5)
	Retries              int           // extra attempts after a network error, 429 or 5xx (default 2)
	RetryBackoff         time.Duration // before the first retry, doubling after (default 2s)
	MaxItemsPerFeed      int           // newest items taken from one feed per poll (default 200)
	AllowPrivateNetworks bool          // allow loopback and private addresses (an intranet; tests)
	StaleAfter           time.Duration // a source without articles for this long is flagged (0: never)
	// StateHorizon is how long an item the feeds no longer list is
	// remembered (default 30 days; at least a day, which the health's
	// articles-in-the-last-day count reads).
	StateHorizon time.Duration
}

func (o *Options) setDefaults() {
	if o.UserAgent == "" {
		o.UserAgent = "newsdex/1.0 (+https://github.com/newsdex/newsdex)"
	}
	if o.Interval <= 0 {
		o.Interval = 30 * time.Minute
	}
	if o.StateHorizon <= 0 {
		o.StateHorizon = 30 * 24 * time.Hour
	}
	o.StateHorizon = max(o.StateHorizon, 24*time.Hour)
	if o.HostDelay < 0 {
		o.HostDelay = 0
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = 5 << 20
	}
	if o.MaxFeedBytes <= 0 {
		o.MaxFeedBytes = 10 << 20
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 5
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 2 * time.Second
	}
	if o.MaxItemsPerFeed <= 0 {
		o.MaxItemsPerFeed = 200
	}
}

// client is an HTTP client that is safe to point at untrusted URLs and
// polite to the hosts it visits.
type client struct {
	http *http.Client
	opts Options
	// dialAllowed, when set, overrides the address policy for one
	// "ip:port"; tests use it to let one loopback server through.
	dialAllowed func(addr string) bool

	mu    sync.Mutex
	hosts map[string]*hostGate
}

// hostGate serialises requests to one host and spaces them out: the
// next request starts at least delay after the previous one ended, so a
// slow host gets more room, not less. Both fields are guarded by sem.
type hostGate struct {
	sem   chan struct{}
	next  time.Time
	delay time.Duration
}

// slowDown raises the gate's delay (to a robots.txt Crawl-delay).
func (g *hostGate) slowDown(ctx context.Context, d time.Duration) {
	select {
	case g.sem <- struct{}{}:
		g.delay = max(g.delay, d)
		<-g.sem
	case <-ctx.Done():
	}
}

func newClient(opts Options) *client {
	c := &client{opts: opts, hosts: map[string]*hostGate{}}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: c.control}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy would dial for us, past the address check
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  opts.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           32,
		IdleConnTimeout:        90 * time.Second,
	}
	c.http = &http.Client{
		Transport: tr,
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > opts.MaxRedirects {
				return fmt.Errorf("more than %d redirects", opts.MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to %q: scheme not allowed", req.URL.Scheme)
			}
			// The target's address is checked when it is dialled.
			return nil
		},
	}
	return c
}

// control runs after name resolution, on the address actually dialled,
// so neither a redirect nor DNS rebinding can reach a forbidden address.
func (c *client) control(network, address string, _ syscall.RawConn) error {
	if c.opts.AllowPrivateNetworks || (c.dialAllowed != nil && c.dialAllowed(address)) {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if why := forbidden(ap.Addr()); why != "" {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, ap.Addr(), why)
	}
	return nil
}

// nonPublic are ranges outside the public internet that netip's
// predicates do not cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"), // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// forbidden says why an address may not be dialled, or "".
func forbidden(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast():
		return "a multicast address"
	case a.IsUnspecified():
		return "an unspecified address"
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return "a reserved address"
		}
	}
	return ""
}

func (c *client) gate(host string) *hostGate {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.hosts[host]
	if !ok {
		g = &hostGate{sem: make(chan struct{}, 1), delay: c.opts.HostDelay}
		c.hosts[host] = g
	}
	return g
}

// response is a fetched body with what the caller needs of the response.
type response struct {
	Status   int
	Header   http.Header
	Body     []byte
	FinalURL string
}

// get fetches rawURL with at most one request at a time to its host,
// HostDelay after the previous one ended, reading at most maxBytes of (decompressed) body.
// Network errors, 429 and 5xx are retried with backoff. header adds
// request headers (conditional GET). Statuses other than 2xx and 304 are
// returned as errors after the retries.
func (c *client) get(ctx context.Context, rawURL string, header http.Header, maxBytes int64) (*response, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", rawURL, err)
	}
	g := c.gate(strings.ToLower(u.Host))
	backoff := c.opts.RetryBackoff
	for attempt := 0; ; attempt++ {
		resp, retry, err := c.once(ctx, g, u.String(), header, maxBytes)
		if err == nil || !retry || attempt >= c.opts.Retries {
			return resp, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// statusError is an HTTP status the fetcher could not use.
type statusError struct{ code int }

func (e statusError) Error() string { return fmt.Sprintf("HTTP status %d", e.code) }

func (c *client) once(ctx context.Context, g *hostGate, rawURL string, header http.Header, maxBytes int64) (resp *response, retry bool, err error) {
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	defer func() {
		g.next = time.Now().Add(g.delay)
		<-g.sem
	}()
	if wait := time.Until(g.next); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, false, ctx.Err()
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, false, fmt.Errorf("get %s: %w", rawURL, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	// No Accept-Encoding: the transport then asks for gzip itself and
	// decompresses, so the cap below counts decompressed bytes.
	r, err := c.http.Do(req)
	if err != nil {
		return nil, !errors.Is(err, ErrForbiddenAddress) && ctx.Err() == nil && !isRedirectPolicy(err), fmt.Errorf("get %s: %w", rawURL, err)
	}
	defer r.Body.Close()
	if r.StatusCode == http.StatusNotModified {
		return &response{Status: r.StatusCode, Header: r.Header, FinalURL: r.Request.URL.String()}, false, nil
	}
	if r.StatusCode < 200 || r.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
		retry := r.StatusCode == http.StatusTooManyRequests || r.StatusCode >= 500
		return &response{Status: r.StatusCode, Header: r.Header}, retry, fmt.Errorf("get %s: %w", rawURL, statusError{r.StatusCode})
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	if err != nil {
		return nil, ctx.Err() == nil, fmt.Errorf("read %s: %w", rawURL, err)
	}
	if int64(len(body)) > maxBytes {
		return nil, false, fmt.Errorf("get %s: %w: over %d bytes", rawURL, ErrTooLarge, maxBytes)
	}
	return &response{Status: r.StatusCode, Header: r.Header, Body: body, FinalURL: r.Request.URL.String()}, false, nil
}

// isRedirectPolicy reports an error from CheckRedirect, which a retry
// would only repeat.
func isRedirectPolicy(err error) bool {
	s := err.Error()
	return strings.Contains(s, "redirect") || strings.Contains(s, "scheme not allowed")
}
