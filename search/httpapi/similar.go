package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"newsdex/search"
)

// similarSearcher is what the similar-articles endpoint needs beyond
// Searcher; *search.Service has it (asked for by type assertion, as
// kwicSearcher).
type similarSearcher interface {
	Similar(ctx context.Context, id string, req search.Request) (*search.Result, error)
}

var (
	_ similarSearcher = (*search.Service)(nil)
	_ similarSearcher = guarded{}
)

// handleSimilar answers GET /api/v1/articles/{id}/similar: the articles
// most like one article, with the search's filters and size.
func (s *Server) handleSimilar(c *gin.Context) {
	sr, _, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	ss, ok := sr.(similarSearcher)
	if !ok {
		s.writeError(c, errUnsupported)
		return
	}
	res, err := ss.Similar(c.Request.Context(), c.Param("id"), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// Similar applies the key: the article must be one the key may see (else
// not found, as Article answers), and so must the similar ones.
func (g guarded) Similar(ctx context.Context, id string, req search.Request) (*search.Result, error) {
	ss, ok := g.inner.(similarSearcher)
	if !ok {
		return nil, errUnsupported
	}
	if _, err := g.Article(ctx, id); err != nil {
		return nil, err
	}
	k, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.restrict(k, &req); err != nil {
		return nil, err
	}
	return ss.Similar(ctx, id, req)
}
