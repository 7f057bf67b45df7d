package httpapi

import (
	_ "embed"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"newsdex/search"
)

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) handleHealthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// handleReadyz is 200 only when the index is open and answers a search.
func (s *Server) handleReadyz(c *gin.Context) {
	sr := s.current()
	if sr == nil {
		s.writeError(c, errNotReady)
		return
	}
	st, err := sr.Stats(c.Request.Context())
	if err != nil {
		s.writeError(c, fmt.Errorf("%w: %v", errNotReady, err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "articles": st.Articles})
}

func (s *Server) handleOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDoc)
}

// searchInput reads what every search-shaped endpoint (search, facets,
// kwic, export) starts with: the open searcher, the request's parameters
// and the search they describe. On failure it has written the error
// response and ok is false.
func (s *Server) searchInput(c *gin.Context) (sr Searcher, v url.Values, req search.Request, ok bool) {
	if sr = s.current(); sr == nil {
		s.writeError(c, errNotReady)
		return nil, nil, req, false
	}
	v, err := params(c)
	if err != nil {
		s.writeError(c, err)
		return nil, nil, req, false
	}
	if req, err = searchRequest(v); err != nil {
		s.writeError(c, err)
		return nil, nil, req, false
	}
	return sr, v, req, true
}

func (s *Server) handleSearch(c *gin.Context) {
	sr, _, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	res, err := sr.Search(c.Request.Context(), req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) handleArticle(c *gin.Context) {
	sr := s.current()
	if sr == nil {
		s.writeError(c, errNotReady)
		return
	}
	a, err := sr.Article(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

// handleFacetValues finds facet values by prefix within the matches of q.
func (s *Server) handleFacetValues(c *gin.Context) {
	sr, v, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	size, err := intParam(v, "size")
	if err != nil {
		s.writeError(c, err)
		return
	}
	field := c.Param("field")
	vals, err := sr.FacetValues(c.Request.Context(), field, strings.TrimSpace(v.Get("prefix")), req, size)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"field": field, "values": vals})
}

func (s *Server) handleNoRoute(c *gin.Context) {
	var body apiError
	body.Error.Code, body.Error.Message = "not_found", "no such endpoint"
	c.AbortWithStatusJSON(http.StatusNotFound, body)
}

func (s *Server) handleNoMethod(c *gin.Context) {
	var body apiError
	body.Error.Code, body.Error.Message = "method_not_allowed", "method not allowed on this endpoint"
	c.AbortWithStatusJSON(http.StatusMethodNotAllowed, body)
}
