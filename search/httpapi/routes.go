package httpapi

import (
	"github.com/gin-gonic/gin"
)

// addRoutes is the whole API on one screen.
func (s *Server) addRoutes(r *gin.Engine) {
	r.Use(s.recoverPanics(), s.requestID(), s.logRequests(), s.metrics.middleware(), s.limitBody(),
		s.securityHeaders(), s.cors(), s.checkAccess()) // access.go, security.go
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
	api.GET("/articles/:id/similar", s.handleSimilar) // similar.go
	api.GET("/facets/:field", s.handleFacetValues)
	api.POST("/articles", s.requireAdmin(), s.handleIngest)       // write.go
	api.DELETE("/articles/:id", s.requireAdmin(), s.handleDelete) // write.go
	api.GET("/admin/backup", s.requireAdmin(), s.handleBackup)    // backup.go
	api.GET("/kwic", s.handleKWIC)
	api.GET("/export", s.handleExport)
	api.GET("/feed", s.handleFeed)       // feed.go: a search as Atom, RSS or JSON Feed
	api.GET("/sources", s.handleSources) // sources.go: the fetcher's feeds and their health

	// Research analytics (analytics.go, issue 13).
	api.GET("/timeline", s.handleTimeline)
	api.GET("/cooccurrence", s.handleCooccurrence)
	api.GET("/significant", s.handleSignificant)
	api.GET("/articles/:id/copies", s.handleCopies)

	// The archive's people, organisations and places, and their
	// corrections (entities.go).
	api.GET("/entities", s.handleEntities)
	api.GET("/entities/export", s.requireAdmin(), s.handleEntityExport)
	api.POST("/entities/merge", s.requireAdmin(), s.handleEntityMerge())
	api.POST("/entities/rename", s.requireAdmin(), s.handleEntityRename())
	api.POST("/entities/retype", s.requireAdmin(), s.handleEntityRetype())
	api.POST("/entities/block", s.requireAdmin(), s.handleEntityBlock())
	api.POST("/entities/unblock", s.requireAdmin(), s.handleEntityUnblock())
	api.POST("/entities/split", s.requireAdmin(), s.handleEntitySplit())

	// The researcher web page and its assets (ui.go).
	page := newUI(s.logger)
	r.GET("/", page.handleIndex)
	r.GET("/ui/*file", page.handleAsset)

	// The drop-in widget for other sites (embed.go).
	r.GET(embedScriptPath, s.handleEmbedScript)
	r.GET(embedPagePath, s.handleEmbedPage)
}
