// Package httpapi is newsdex's HTTP layer: the only package that imports
// gin. It turns requests into search.Requests, calls a Searcher and writes
// JSON; it declares the small interface it needs so tests can fake it.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"newsdex/indexer"
	"newsdex/search"
)

// Searcher is what the HTTP layer needs from the search service.
// *search.Service satisfies it.
type Searcher interface {
	Search(ctx context.Context, req search.Request) (*search.Result, error)
	Article(ctx context.Context, id string) (*indexer.Article, error)
	FacetValues(ctx context.Context, facet, prefix string, req search.Request, size int) ([]search.FacetValue, error)
	Stats(ctx context.Context) (search.Stats, error)
}

var (
	_ Searcher     = (*search.Service)(nil)
	_ EntityEditor = (*search.Service)(nil)
)

// EntityEditor is what the entity endpoints need: the archive's people,
// organisations and places, and the corrections an editor makes to them.
// The Server asks the current Searcher for it by type assertion, so
// Searcher and its fakes stay small; a searcher without it gets 501.
// Unknown entities are errors wrapping search.ErrNotFound; a bad type,
// an empty name or merging an entity into itself wrap
// search.ErrInvalidRequest.
type EntityEditor interface {
	// Entities lists entities of type typ ("" for all) whose name or an
	// alias starts with prefix (case-insensitive), most articles first.
	Entities(ctx context.Context, typ, prefix string, size int) ([]search.Entity, error)
	MergeEntities(ctx context.Context, typ string, names []string, into string) (search.Entity, error)
	RenameEntity(ctx context.Context, typ, name, to string) (search.Entity, error)
	RetypeEntity(ctx context.Context, typ, name, to string) (search.Entity, error)
	BlockEntity(ctx context.Context, typ, name string) (search.Entity, error)
	UnblockEntity(ctx context.Context, typ, name string) (search.Entity, error)
	SplitEntity(ctx context.Context, typ, name string) (search.Entity, error)
	// ExportEntities returns the alias table, as YAML.
	ExportEntities(ctx context.Context) ([]byte, error)
}

// Writer is what the write endpoints need: one writer per index, taking
// concurrent requests in turn. *indexer.Writer satisfies it.
type Writer interface {
	Ingest(ctx context.Context, src indexer.Source, onSkip func(indexer.Record)) (indexer.Summary, error)
	Delete(ctx context.Context, id string) (bool, error)
}

var _ Writer = (*indexer.Writer)(nil)

// Options configure the handler. The zero value is a local research
// tool: no cross-origin access, no keys, no rate limit, writes disabled.
type Options struct {
	MaxBodyBytes int64 // request bodies above this get 413

	// Access control (access.go).
	CORSOrigins    []string    // browser origins allowed to call the API; "*" allows any
	AdminKeys      []string    // bearer keys for POST and DELETE /api/v1/articles; none: writes are 403
	PublicKeys     []PublicKey // read keys; when any is set, the API's read endpoints need a key
	RateLimit      Rate        // per client (key, else IP); RPS 0 is off
	PublicFullText bool        // whether public keys get article bodies
	TrustedProxies []string    // addresses or CIDRs whose X-Forwarded-For is believed; none by default

	// MaxBackups is how many live backups may stream at once (default 1);
	// more are answered 429 with Retry-After.
	MaxBackups int
}

// Server is the HTTP handler. It answers /healthz at once and everything
// else with 503 until SetSearcher gives it an open index.
type Server struct {
	logger     *slog.Logger
	opts       Options
	searcher   atomic.Pointer[Searcher]
	writer     atomic.Pointer[Writer]
	backuper   atomic.Pointer[Backuper]    // backup.go
	backups    chan struct{}               // a token per backup streaming
	lastBackup atomic.Int64                // how long the last backup took, ns
	sources    atomic.Pointer[SourcesFunc] // sources.go
	access     *access
	embed      *embedAssets
	metrics    *metrics
	engine     *gin.Engine
}

// New returns the HTTP handler for the whole service.
func New(logger *slog.Logger, opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 10 << 20
	}
	if opts.MaxBackups <= 0 {
		opts.MaxBackups = 1
	}
	s := &Server{logger: logger, opts: opts, backups: make(chan struct{}, opts.MaxBackups)}
	s.metrics = newMetrics(prometheus.NewRegistry(), s.docCount, s.diskFull, s.mergeWaiting, s.sourcesFunc)
	gin.SetMode(gin.ReleaseMode)
	s.engine = gin.New()
	s.engine.HandleMethodNotAllowed = true
	s.engine.ContextWithFallback = true
	// Client addresses (for rate limits) come from the connection unless
	// the operator names the proxies in front.
	if err := s.engine.SetTrustedProxies(opts.TrustedProxies); err != nil {
		logger.Error("trusted proxies ignored", slog.String("error", err.Error()))
		_ = s.engine.SetTrustedProxies(nil)
	}
	s.access = newAccess(opts, time.Now)
	s.embed = newEmbedAssets()
	s.addRoutes(s.engine)
	return s
}

// SetSearcher makes the service ready; until then /readyz is 503. With
// public keys configured, every search goes through the keys' filters.
func (s *Server) SetSearcher(sr Searcher) {
	if s.access.restricts() {
		sr = guarded{inner: sr, fullText: s.opts.PublicFullText}
	}
	s.searcher.Store(&sr)
}

// SetWriter enables the write endpoints (with admin keys configured).
func (s *Server) SetWriter(w Writer) { s.writer.Store(&w) }

// currentWriter returns the writer, or nil when none is set.
func (s *Server) currentWriter() Writer {
	p := s.writer.Load()
	if p == nil {
		return nil
	}
	return *p
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// current returns the searcher, or nil before the index is open.
func (s *Server) current() Searcher {
	p := s.searcher.Load()
	if p == nil {
		return nil
	}
	return *p
}

// diskFull is 1 when the writer says its last write was refused for
// lack of space (*indexer.Writer over a guarded index says so).
func (s *Server) diskFull() float64 {
	w, ok := s.currentWriter().(interface{ DiskFull() bool })
	if ok && w.DiskFull() {
		return 1
	}
	return 0
}

// mergeWaiting is 1 while the writer's index holds a merge back for lack
// of space.
func (s *Server) mergeWaiting() float64 {
	w, ok := s.currentWriter().(interface{ MergeWaiting() bool })
	if ok && w.MergeWaiting() {
		return 1
	}
	return 0
}

func (s *Server) docCount() float64 {
	sr := s.current()
	if sr == nil {
		return 0
	}
	st, err := sr.Stats(context.Background())
	if err != nil {
		return 0
	}
	return float64(st.Articles)
}
