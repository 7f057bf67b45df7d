package httpapi

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"newsdex/indexer/fetch"
)

// SourcesFunc reports how each source the fetcher follows is doing.
type SourcesFunc func() []fetch.SourceHealth

// errNoSources means the server follows no sources file.
var errNoSources = errors.New("this server follows no sources (config ingest.sources)")

// SetSources enables GET /api/v1/sources and the per-source series of
// /metrics (metrics.go).
func (s *Server) SetSources(f SourcesFunc) { s.sources.Store(&f) }

// sourcesFunc returns the sources' health function, nil if none is set.
func (s *Server) sourcesFunc() SourcesFunc {
	if p := s.sources.Load(); p != nil {
		return *p
	}
	return nil
}

// handleSources lists each source with its last success, last error,
// articles in the last day and in total, and whether it has gone stale.
func (s *Server) handleSources(c *gin.Context) {
	f := s.sourcesFunc()
	if f == nil {
		s.writeError(c, errNoSources)
		return
	}
	c.JSON(http.StatusOK, gin.H{"sources": f()})
}
