// Package httpapi is newsdex's HTTP layer: the only package that imports
// gin. It turns requests into search.Requests, calls a Searcher and writes
// JSON; it declares the small interface it needs so tests can fake it.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"

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

var _ Searcher = (*search.Service)(nil)

// Options configure the handler.
type Options struct {
	MaxBodyBytes int64 // request bodies above this get 413
}

// Server is the HTTP handler. It answers /healthz at once and everything
// else with 503 until SetSearcher gives it an open index.
type Server struct {
	logger   *slog.Logger
	opts     Options
	searcher atomic.Pointer[Searcher]
	metrics  *metrics
	engine   *gin.Engine
}

// New returns the HTTP handler for the whole service.
func New(logger *slog.Logger, opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 10 << 20
	}
	s := &Server{logger: logger, opts: opts}
	s.metrics = newMetrics(prometheus.NewRegistry(), s.docCount)
	gin.SetMode(gin.ReleaseMode)
	s.engine = gin.New()
	s.engine.HandleMethodNotAllowed = true
	s.engine.ContextWithFallback = true
	s.addRoutes(s.engine)
	return s
}

// SetSearcher makes the service ready; until then /readyz is 503.
func (s *Server) SetSearcher(sr Searcher) { s.searcher.Store(&sr) }

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
