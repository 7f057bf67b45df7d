package httpapi

import (
	"github.com/gin-gonic/gin"
)

// addRoutes is the whole API on one screen.
func (s *Server) addRoutes(r *gin.Engine) {
	r.Use(s.recoverPanics(), s.requestID(), s.logRequests(), s.metrics.middleware(), s.limitBody())
	r.NoRoute(s.handleNoRoute)
	r.NoMethod(s.handleNoMethod)

	r.GET("/healthz", s.handleHealthz)
	r.GET("/readyz", s.handleReadyz)
	r.GET("/metrics", gin.WrapH(s.metrics.handler()))

	api := r.Group("/api/v1")
	api.GET("/openapi.json", s.handleOpenAPI)
	api.GET("/search", s.handleSearch)
	api.POST("/search", s.handleSearch)
	api.GET("/articles/:id", s.handleArticle)
	api.GET("/facets/:field", s.handleFacetValues)
	api.GET("/kwic", s.handleKWIC)
	api.GET("/export", s.handleExport)

	// The researcher web page and its assets (ui.go).
	page := newUI(s.logger)
	r.GET("/", page.handleIndex)
	r.GET("/ui/*file", page.handleAsset)
}
