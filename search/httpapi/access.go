package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"newsdex/indexer"
	"newsdex/search"
)

// Rate is a token bucket: RPS requests a second on average and up to
// Burst at once. RPS 0 means no limit.
type Rate struct {
	RPS   float64
	Burst int
}

// PublicKey is a read key for a site that embeds the search. Requests
// made with it see only the articles its Filter matches, whatever their
// own filters say, and are limited to its Rate.
type PublicKey struct {
	Key    string
	Filter search.Filters // ANDed with every request; zero: the whole archive
	Rate   Rate           // RPS 0: Options.RateLimit
}

// FilterFromConfig turns a public key's filter from the config file
// ({source: [The Telegraph], from_date: [2019-01-01]}) into Filters.
// Names are canonicalised with aliases (which may be nil), as the index
// stores them. Unknown fields are an error: a typo must not silently
// open the whole archive.
func FilterFromConfig(m map[string][]string, aliases *indexer.Aliases) (search.Filters, error) {
	var f search.Filters
	canon := func(kind string, vals []string) ([]string, error) {
		vals = nonEmpty(vals)
		if len(vals) == 0 {
			return nil, errors.New("no values")
		}
		for i, v := range vals {
			if c, ok := aliases.Canonical(kind, v); ok {
				vals[i] = c
			}
		}
		return vals, nil
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var err error
		switch strings.ToLower(k) {
		case search.FacetSource:
			f.Sources, err = canon(indexer.KindSource, m[k])
		case search.FacetPerson:
			f.Persons, err = canon(indexer.KindPerson, m[k])
		case search.FacetOrg:
			f.Orgs, err = canon(indexer.KindOrganization, m[k])
		case search.FacetPlace:
			f.Places, err = canon(indexer.KindPlace, m[k])
		case "from_date", "to_date":
			vals := nonEmpty(m[k])
			if len(vals) != 1 {
				err = fmt.Errorf("want one date, got %d values", len(vals))
				break
			}
			var d time.Time
			d, err = dateParam(url.Values{"d": vals}, "d")
			if strings.ToLower(k) == "from_date" {
				f.FromDate = d
			} else {
				f.ToDate = d
			}
		default:
			err = errors.New("unknown field (want source, person, org, place, from_date or to_date)")
		}
		if err != nil {
			return search.Filters{}, fmt.Errorf("filter %s: %w", k, err)
		}
	}
	if !f.FromDate.IsZero() && !f.ToDate.IsZero() && f.ToDate.Before(f.FromDate) {
		return search.Filters{}, errors.New("filter to_date is before from_date")
	}
	return f, nil
}

// clientKind says what a request's key allows.
type clientKind int

const (
	anonymous clientKind = iota
	publicClient
	adminClient
)

// client is who made a request, as the access middleware found out.
type client struct {
	kind   clientKind
	key    *PublicKey // for public clients
	bucket string     // rate-limit identity: the key, else the address
	rate   Rate
}

type clientCtxKey struct{}

func withClient(ctx context.Context, cl client) context.Context {
	return context.WithValue(ctx, clientCtxKey{}, cl)
}

func clientFrom(ctx context.Context) (client, bool) {
	cl, ok := ctx.Value(clientCtxKey{}).(client)
	return cl, ok
}

// access holds the access-control settings in the form requests check
// them against. Keys are kept as SHA-256 digests and compared in constant
// time, so neither a key's bytes nor its length leak through timing.
type access struct {
	anyOrigin bool
	origins   map[string]bool
	admin     [][32]byte
	public    [][32]byte
	keys      []PublicKey // parallel to public
	rate      Rate
	limits    *limiters
}

func newAccess(opts Options, now func() time.Time) *access {
	a := &access{origins: map[string]bool{}, rate: opts.RateLimit, limits: newLimiters(now)}
	for _, o := range opts.CORSOrigins {
		o = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
		switch o {
		case "":
		case "*":
			a.anyOrigin = true
		default:
			a.origins[o] = true
		}
	}
	for _, k := range opts.AdminKeys {
		if k != "" {
			a.admin = append(a.admin, sha256.Sum256([]byte(k)))
		}
	}
	for _, k := range opts.PublicKeys {
		if k.Key != "" {
			a.public = append(a.public, sha256.Sum256([]byte(k.Key)))
			a.keys = append(a.keys, k)
		}
	}
	return a
}

// restricts reports whether reads need a key.
func (a *access) restricts() bool { return len(a.public) > 0 }

func (a *access) writesEnabled() bool { return len(a.admin) > 0 }

func (a *access) corsEnabled() bool { return a.anyOrigin || len(a.origins) > 0 }

func (a *access) originAllowed(origin string) bool {
	return a.anyOrigin || a.origins[strings.ToLower(origin)]
}

// find returns the index of the key whose digest is d, or -1. It looks at
// every key whatever it finds, so the time taken says nothing about which
// key matched.
func find(keys [][32]byte, d [32]byte) int {
	found := -1
	for i := range keys {
		eq := subtle.ConstantTimeCompare(keys[i][:], d[:])
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	return found
}

// bearer returns the key of an "Authorization: Bearer KEY" header.
func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	const scheme = "bearer "
	if len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
		return strings.TrimSpace(h[len(scheme):])
	}
	return ""
}

// identify finds the request's client. Admin keys count only in the
// Authorization header; public keys also as the key query parameter,
// which lets the widget make simple GETs that need no CORS preflight.
// On API routes the parameter is removed from the URL, so no handler
// sees or echoes it. A key that matches nothing leaves the client
// anonymous, limited by its address.
func (a *access) identify(c *gin.Context, apiRoute bool) client {
	presented, header := bearer(c), true
	if c.Request.URL.RawQuery != "" {
		q := c.Request.URL.Query()
		if q.Has("key") {
			if presented == "" {
				presented, header = q.Get("key"), false
			}
			if apiRoute {
				q.Del("key")
				c.Request.URL.RawQuery = q.Encode()
			}
		}
	}
	if presented != "" {
		d := sha256.Sum256([]byte(presented))
		if header {
			if i := find(a.admin, d); i >= 0 {
				return client{kind: adminClient, bucket: "admin:" + strconv.Itoa(i)}
			}
		}
		if i := find(a.public, d); i >= 0 {
			k := &a.keys[i]
			r := k.Rate
			if r.RPS <= 0 {
				r = a.rate
			}
			return client{kind: publicClient, key: k, bucket: "key:" + strconv.Itoa(i), rate: r}
		}
	}
	return client{kind: anonymous, bucket: "ip:" + c.ClientIP(), rate: a.rate}
}

// isAPIRoute reports whether a route is one of the API's endpoints, which
// need a key when public keys are configured (the write endpoints need an
// admin key on top). Routes added under /api/v1 later are covered
// without being listed; only the API description is open.
func isAPIRoute(route string) bool {
	return strings.HasPrefix(route, "/api/v1/") && route != "/api/v1/openapi.json"
}

// isMonitoring reports routes that are never keyed or limited, so health
// checks and scrapes keep working under load.
func isMonitoring(route string) bool {
	return route == "/healthz" || route == "/readyz" || route == "/metrics"
}

// checkAccess identifies the client, applies its rate limit, then
// requires a key on the API when public keys are configured. Limiting
// comes before the key check, so guessing keys is limited too.
func (s *Server) checkAccess() gin.HandlerFunc {
	return func(c *gin.Context) {
		route := c.FullPath()
		if isMonitoring(route) {
			c.Next()
			return
		}
		api := isAPIRoute(route)
		cl := s.access.identify(c, api)
		c.Request = c.Request.WithContext(withClient(c.Request.Context(), cl))
		if cl.kind != adminClient && cl.rate.RPS > 0 {
			if ok, wait := s.access.limits.take(cl.bucket, cl.rate); !ok {
				secs := int(math.Ceil(wait.Seconds()))
				if secs < 1 {
					secs = 1
				}
				c.Header("Retry-After", strconv.Itoa(secs))
				s.deny(c, http.StatusTooManyRequests, "rate_limited",
					fmt.Sprintf("too many requests; retry in %d s", secs))
				return
			}
		}
		if api && s.access.restricts() && cl.kind == anonymous {
			c.Header("WWW-Authenticate", `Bearer realm="newsdex"`)
			s.deny(c, http.StatusUnauthorized, "unauthorized",
				"this service needs a key: Authorization: Bearer KEY, or the key parameter")
			return
		}
		c.Next()
	}
}

// requireAdmin guards the write endpoints. Without admin keys configured
// writes are switched off (403); otherwise they need one (401).
func (s *Server) requireAdmin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.access.writesEnabled() {
			s.deny(c, http.StatusForbidden, "writes_disabled",
				"writes over HTTP are disabled: no admin keys are configured (server.admin_keys)")
			return
		}
		if cl, _ := clientFrom(c.Request.Context()); cl.kind != adminClient {
			c.Header("WWW-Authenticate", `Bearer realm="newsdex"`)
			s.deny(c, http.StatusUnauthorized, "unauthorized", "this endpoint needs an admin key: Authorization: Bearer KEY")
			return
		}
		c.Next()
	}
}

// deny ends a request with an error body of the usual shape.
func (s *Server) deny(c *gin.Context, status int, code, msg string) {
	var body apiError
	body.Error.Code, body.Error.Message = code, msg
	c.AbortWithStatusJSON(status, body)
}

// cors answers preflights and marks responses readable by the allowed
// origins only. Same-origin pages need none of it.
func (s *Server) cors() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		if s.access.corsEnabled() {
			h.Add("Vary", "Origin")
		}
		origin := c.GetHeader("Origin")
		allowed := origin != "" && s.access.originAllowed(origin)
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", "Retry-After, X-Request-Id, X-Total-Count")
			h.Set("Timing-Allow-Origin", origin)
		}
		if c.Request.Method != http.MethodOptions {
			c.Next()
			return
		}
		h.Set("Allow", "GET, POST, DELETE, OPTIONS")
		if allowed && c.GetHeader("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
		}
		c.AbortWithStatus(http.StatusNoContent)
	}
}

// Rate limiter bookkeeping: a limiter idle this long has a full bucket
// again (for any sane rate), so forgetting it changes nothing.
const (
	limiterIdle = 10 * time.Minute
	sweepEvery  = time.Minute
	maxLimiters = 100_000
)

// limiters holds one token bucket per client, and forgets idle ones so
// memory stays bounded however many addresses call.
type limiters struct {
	mu        sync.Mutex
	m         map[string]*bucket
	now       func() time.Time
	lastSweep time.Time
	max       int
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiters(now func() time.Time) *limiters {
	return &limiters{m: map[string]*bucket{}, now: now, lastSweep: now(), max: maxLimiters}
}

// take spends one token of id's bucket. When there is none it reports how
// long until there will be.
func (l *limiters) take(id string, r Rate) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= sweepEvery {
		l.sweep(now)
	}
	b := l.m[id]
	if b == nil {
		if len(l.m) >= l.max {
			l.evict(now)
		}
		burst := r.Burst
		if burst < 1 {
			burst = max(1, int(math.Ceil(r.RPS)))
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(r.RPS), burst)}
		l.m[id] = b
	}
	b.last = now
	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Second
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets limiters idle for limiterIdle.
func (l *limiters) sweep(now time.Time) {
	l.lastSweep = now
	for id, b := range l.m {
		if now.Sub(b.last) >= limiterIdle {
			delete(l.m, id)
		}
	}
}

// evict makes room when the table is full: first the limiters whose
// bucket is full (forgetting them is lossless), then the least recently
// used down to seven eighths of the cap.
func (l *limiters) evict(now time.Time) {
	for id, b := range l.m {
		if b.lim.TokensAt(now) >= float64(b.lim.Burst()) {
			delete(l.m, id)
		}
	}
	if len(l.m) < l.max {
		return
	}
	ids := make([]string, 0, len(l.m))
	for id := range l.m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return l.m[ids[i]].last.Before(l.m[ids[j]].last) })
	for _, id := range ids[:len(ids)-l.max*7/8] {
		delete(l.m, id)
	}
}

// errNoClient means a search reached the keyed searcher without the
// access middleware having run: a wiring mistake, refused rather than
// answered unfiltered.
var errNoClient = errors.New("request reached the searcher without access control")

// guarded applies the request's key to every search: a public key's
// filter becomes the request's Restrict, articles outside it are not
// found, and bodies are left out unless the operator allows them. It is
// installed only when public keys are configured.
type guarded struct {
	inner    Searcher
	fullText bool // Options.PublicFullText
}

var (
	_ Searcher      = guarded{}
	_ kwicSearcher  = guarded{}
	_ exporter      = guarded{}
	_ timeliner     = guarded{}
	_ networker     = guarded{}
	_ significanter = guarded{}
	_ copier        = guarded{}
	_ EntityEditor  = guarded{}
	_ limited       = guarded{}
)

// scope returns the public key of the request, nil for an admin.
func (g guarded) scope(ctx context.Context) (*PublicKey, error) {
	cl, ok := clientFrom(ctx)
	switch {
	case !ok || cl.kind == anonymous:
		return nil, errNoClient
	case cl.kind == adminClient:
		return nil, nil
	}
	return cl.key, nil
}

// restrict applies key k to req.
// restrictTo narrows req to what the caller's key may see.
func (g guarded) restrictTo(ctx context.Context, req *search.Request) error {
	k, err := g.scope(ctx)
	if err != nil {
		return err
	}
	return g.restrict(k, req)
}

func (g guarded) restrict(k *PublicKey, req *search.Request) error {
	if k == nil {
		return nil
	}
	req.Restrict = k.Filter
	if req.FullText && !g.fullText {
		return fmt.Errorf("%w: full text is not available with a public key", search.ErrInvalidRequest)
	}
	return nil
}

func (g guarded) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	if err := g.restrictTo(ctx, &req); err != nil {
		return nil, err
	}
	return g.inner.Search(ctx, req)
}

func (g guarded) FacetValues(ctx context.Context, facet, prefix string, req search.Request, size int) ([]search.FacetValue, error) {
	if err := g.restrictTo(ctx, &req); err != nil {
		return nil, err
	}
	return g.inner.FacetValues(ctx, facet, prefix, req, size)
}

func (g guarded) Article(ctx context.Context, id string) (*indexer.Article, error) {
	k, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	a, err := g.inner.Article(ctx, id)
	if err != nil || k == nil {
		return a, err
	}
	if !matches(a, k.Filter) {
		// The same answer as for an absent article: a key must not learn
		// what lies outside its part of the archive.
		return nil, fmt.Errorf("article %q: %w", id, search.ErrNotFound)
	}
	if !g.fullText {
		cp := *a
		cp.Body = ""
		a = &cp
	}
	return a, nil
}

func (g guarded) Stats(ctx context.Context) (search.Stats, error) { return g.inner.Stats(ctx) }

func (g guarded) KWIC(ctx context.Context, req search.Request, width, limit int) (*search.KWICResult, error) {
	ks, ok := g.inner.(kwicSearcher)
	if !ok {
		return nil, errUnsupported
	}
	if err := g.restrictTo(ctx, &req); err != nil {
		return nil, err
	}
	return ks.KWIC(ctx, req, width, limit)
}

func (g guarded) Export(ctx context.Context, req search.Request, emit func(total uint64, h search.Hit) error) (uint64, error) {
	ex, ok := g.inner.(exporter)
	if !ok {
		return 0, errUnsupported
	}
	if err := g.restrictTo(ctx, &req); err != nil {
		return 0, err
	}
	return ex.Export(ctx, req, emit)
}

func (g guarded) Timeline(ctx context.Context, tr search.TimelineRequest) (*search.Timeline, error) {
	a, ok := g.inner.(timeliner)
	if !ok {
		return nil, errUnsupported
	}
	if err := g.restrictTo(ctx, &tr.Request); err != nil {
		return nil, err
	}
	return a.Timeline(ctx, tr)
}

func (g guarded) Cooccurrence(ctx context.Context, cr search.CooccurrenceRequest) (*search.Network, error) {
	a, ok := g.inner.(networker)
	if !ok {
		return nil, errUnsupported
	}
	if err := g.restrictTo(ctx, &cr.Request); err != nil {
		return nil, err
	}
	return a.Cooccurrence(ctx, cr)
}

func (g guarded) Significant(ctx context.Context, sr search.SignificantRequest) (*search.Significant, error) {
	a, ok := g.inner.(significanter)
	if !ok {
		return nil, errUnsupported
	}
	if err := g.restrictTo(ctx, &sr.Request); err != nil {
		return nil, err
	}
	return a.Significant(ctx, sr)
}

func (g guarded) Copies(ctx context.Context, req search.Request, id string) (*search.Copies, error) {
	a, ok := g.inner.(copier)
	if !ok {
		return nil, errUnsupported
	}
	if err := g.restrictTo(ctx, &req); err != nil {
		return nil, err
	}
	return a.Copies(ctx, req, id)
}

// Limits passes on the inner searcher's limits, if it tells them.
func (g guarded) Limits() search.Limits {
	if l, ok := g.inner.(limited); ok {
		return l.Limits()
	}
	return search.Limits{}
}

// editor returns the inner searcher's entity editor, or errNotImplemented.
func (g guarded) editor() (EntityEditor, error) {
	ed, ok := g.inner.(EntityEditor)
	if !ok {
		return nil, errNotImplemented
	}
	return ed, nil
}

// Entities lists entities with their counts over the whole archive, so a
// public key limited to part of it must not read it: names and counts
// from outside its part would show. A key over the whole archive may.
func (g guarded) Entities(ctx context.Context, typ, prefix string, size int) ([]search.Entity, error) {
	ed, err := g.editor()
	if err != nil {
		return nil, err
	}
	k, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if k != nil && !wholeArchive(k.Filter) {
		return nil, errKeyScope
	}
	return ed.Entities(ctx, typ, prefix, size)
}

// admin returns the entity editor for a correction, which only an admin
// may make. requireAdmin has refused anyone else before; this is the
// second lock, as a wiring mistake must not open writes.
func (g guarded) admin(ctx context.Context) (EntityEditor, error) {
	ed, err := g.editor()
	if err != nil {
		return nil, err
	}
	if cl, ok := clientFrom(ctx); !ok || cl.kind != adminClient {
		return nil, fmt.Errorf("entity correction: %w", errNoClient)
	}
	return ed, nil
}

func (g guarded) MergeEntities(ctx context.Context, typ string, names []string, into string) (search.Entity, error) {
	ed, err := g.admin(ctx)
	if err != nil {
		return search.Entity{}, err
	}
	return ed.MergeEntities(ctx, typ, names, into)
}

func (g guarded) RenameEntity(ctx context.Context, typ, name, to string) (search.Entity, error) {
	ed, err := g.admin(ctx)
	if err != nil {
		return search.Entity{}, err
	}
	return ed.RenameEntity(ctx, typ, name, to)
}

func (g guarded) RetypeEntity(ctx context.Context, typ, name, to string) (search.Entity, error) {
	ed, err := g.admin(ctx)
	if err != nil {
		return search.Entity{}, err
	}
	return ed.RetypeEntity(ctx, typ, name, to)
}

func (g guarded) BlockEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	ed, err := g.admin(ctx)
	if err != nil {
		return search.Entity{}, err
	}
	return ed.BlockEntity(ctx, typ, name)
}

func (g guarded) UnblockEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	ed, err := g.admin(ctx)
	if err != nil {
		return search.Entity{}, err
	}
	return ed.UnblockEntity(ctx, typ, name)
}

func (g guarded) SplitEntity(ctx context.Context, typ, name string) (search.Entity, error) {
	ed, err := g.admin(ctx)
	if err != nil {
		return search.Entity{}, err
	}
	return ed.SplitEntity(ctx, typ, name)
}

func (g guarded) ExportEntities(ctx context.Context) ([]byte, error) {
	ed, err := g.admin(ctx)
	if err != nil {
		return nil, err
	}
	return ed.ExportEntities(ctx)
}

// wholeArchive reports whether filter f lets everything through.
func wholeArchive(f search.Filters) bool {
	return len(f.Sources)+len(f.Persons)+len(f.Orgs)+len(f.Places) == 0 && f.FromDate.IsZero() && f.ToDate.IsZero()
}

// matches reports whether article a passes filter f, as the search
// service's filter queries decide it: any listed value per field, all
// fields, and a date range that excludes undated articles.
func matches(a *indexer.Article, f search.Filters) bool {
	anyOf := func(want, have []string) bool {
		if len(want) == 0 {
			return true
		}
		for _, h := range have {
			if slices.Contains(want, h) {
				return true
			}
		}
		return false
	}
	if !anyOf(f.Sources, []string{a.Source}) || !anyOf(f.Persons, a.Persons) ||
		!anyOf(f.Orgs, a.Organizations) || !anyOf(f.Places, a.Places) {
		return false
	}
	if f.FromDate.IsZero() && f.ToDate.IsZero() {
		return true
	}
	if a.Published.IsZero() {
		return false
	}
	if !f.FromDate.IsZero() && a.Published.Before(f.FromDate) {
		return false
	}
	if !f.ToDate.IsZero() && !a.Published.Before(f.ToDate.Add(24*time.Hour)) {
		return false
	}
	return true
}
