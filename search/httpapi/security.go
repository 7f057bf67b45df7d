package httpapi

import (
	"github.com/gin-gonic/gin"
)

// defaultCSP covers every response that sets no policy of its own: the
// service's own scripts, styles and API only, and no framing.
const defaultCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. Pages may set
// a stricter Content-Security-Policy of their own after it; only /embed,
// the widget page made for <iframe>s, may be framed, by any site.
func (s *Server) securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if c.Request.URL.Path == embedPagePath {
			h.Set("Content-Security-Policy", s.embed.pageCSP)
		} else {
			h.Set("Content-Security-Policy", defaultCSP)
			h.Set("X-Frame-Options", "DENY")
		}
		c.Next()
	}
}
