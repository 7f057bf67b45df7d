package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"newsdex/search"
	"newsdex/search/count"
)

// The research analytics of issue 13. Each takes the search parameters
// (q, filters, mode) and is asked of the searcher by type assertion, as
// KWIC and export are; with public keys, guarded applies the key's filter.

// timeliner is what the timeline endpoint needs; *search.Service has it.
type timeliner interface {
	Timeline(ctx context.Context, tr search.TimelineRequest) (*search.Timeline, error)
}

var _ timeliner = (*search.Service)(nil)

// analysisFormat reads format: json (default) or one of the others.
func analysisFormat(v url.Values, others ...string) (string, error) {
	f := v.Get("format")
	if f == "" || f == "json" {
		return "json", nil
	}
	for _, o := range others {
		if f == o {
			return f, nil
		}
	}
	want := strings.Join(append([]string{"json"}, others...), ", ")
	return "", badRequest("format must be one of " + want + "; got " + strconv.Quote(truncate(f, 20)))
}

// handleTimeline answers GET /api/v1/timeline: counts over time of up to
// ten queries (repeat q), or of one query split by outlet, with shares of
// all coverage; format=csv downloads it.
func (s *Server) handleTimeline(c *gin.Context) {
	sr, v, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	tl, ok := sr.(timeliner)
	if !ok {
		s.writeError(c, errUnsupported)
		return
	}
	format, err := analysisFormat(v, formatCSV)
	if err != nil {
		s.writeError(c, err)
		return
	}
	cell, err := csvCell(v)
	if err != nil {
		s.writeError(c, err)
		return
	}
	tr := search.TimelineRequest{Request: req, Queries: nonEmpty(v["q"]), Interval: v.Get("interval"), Split: v.Get("split")}
	if len(v["q"]) > search.MaxSeries {
		s.writeError(c, badRequest("at most "+strconv.Itoa(search.MaxSeries)+" queries (q) per timeline"))
		return
	}
	if tr.Size, err = intParam(v, "size"); err != nil {
		s.writeError(c, err)
		return
	}
	res, err := tl.Timeline(c.Request.Context(), tr)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if format == "json" {
		c.JSON(http.StatusOK, res)
		return
	}
	startDownload(c, "newsdex-timeline", formatCSV)
	c.Status(http.StatusOK)
	if err := count.WriteTimelineCSV(c.Writer, res.All, res.Series, cell); err != nil {
		s.logStreamError(c, "timeline", err)
	}
}

// csvCell reads raw=true|false: CSV cells as stored, or formula-safe
// (safeCell), as every CSV export offers.
func csvCell(v url.Values) (func(string) string, error) {
	raw, err := boolParam(v, "raw")
	if err != nil {
		return nil, err
	}
	if raw {
		return func(s string) string { return s }, nil
	}
	return safeCell, nil
}

// networker is what the co-occurrence endpoint needs; *search.Service
// has it.
type networker interface {
	Cooccurrence(ctx context.Context, cr search.CooccurrenceRequest) (*search.Network, error)
}

var _ networker = (*search.Service)(nil)

// handleCooccurrence answers GET /api/v1/cooccurrence: the entities named
// most among the matches and the articles naming each pair together, as
// JSON, GEXF 1.2 (format=gexf) or a CSV edge list (format=csv).
func (s *Server) handleCooccurrence(c *gin.Context) {
	sr, v, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	nw, ok := sr.(networker)
	if !ok {
		s.writeError(c, errUnsupported)
		return
	}
	format, err := analysisFormat(v, "gexf", formatCSV)
	if err != nil {
		s.writeError(c, err)
		return
	}
	cell, err := csvCell(v)
	if err != nil {
		s.writeError(c, err)
		return
	}
	cr := search.CooccurrenceRequest{Request: req}
	for _, t := range v["types"] {
		for _, typ := range strings.Split(t, ",") {
			if typ = strings.TrimSpace(typ); typ != "" {
				cr.Types = append(cr.Types, typ)
			}
		}
	}
	if cr.Size, err = intParam(v, "size"); err != nil {
		s.writeError(c, err)
		return
	}
	res, err := nw.Cooccurrence(c.Request.Context(), cr)
	if err != nil {
		s.writeError(c, err)
		return
	}
	switch format {
	case "gexf":
		c.Header("Content-Type", "application/gexf+xml; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="newsdex-network.gexf"`)
		c.Header("X-Content-Type-Options", "nosniff")
		c.Status(http.StatusOK)
		err = count.WriteGEXF(c.Writer, res.Nodes, res.Edges)
	case formatCSV:
		startDownload(c, "newsdex-network", formatCSV)
		c.Status(http.StatusOK)
		err = count.WriteEdgeCSV(c.Writer, res.Nodes, res.Edges, cell)
	default:
		c.JSON(http.StatusOK, res)
	}
	if err != nil {
		s.logStreamError(c, "cooccurrence", err)
	}
}

// significanter is what the significant endpoint needs; *search.Service
// has it.
type significanter interface {
	Significant(ctx context.Context, sr search.SignificantRequest) (*search.Significant, error)
}

var _ significanter = (*search.Service)(nil)

// handleSignificant answers GET /api/v1/significant: the terms or names
// most distinctive of the matches against a background.
func (s *Server) handleSignificant(c *gin.Context) {
	sr, v, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	sg, ok := sr.(significanter)
	if !ok {
		s.writeError(c, errUnsupported)
		return
	}
	if _, err := analysisFormat(v); err != nil {
		s.writeError(c, err)
		return
	}
	in := search.SignificantRequest{Request: req, Field: v.Get("field"), Background: v.Get("background")}
	var err error
	if in.Size, err = intParam(v, "size"); err != nil {
		s.writeError(c, err)
		return
	}
	res, err := sg.Significant(c.Request.Context(), in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// copier is what the copies endpoint needs; *search.Service has it.
type copier interface {
	Copies(ctx context.Context, req search.Request, id string) (*search.Copies, error)
}

var _ copier = (*search.Service)(nil)

// handleCopies answers GET /api/v1/articles/{id}/copies: the article's
// near-duplicate group, itself included, earliest first.
func (s *Server) handleCopies(c *gin.Context) {
	sr, _, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	cp, ok := sr.(copier)
	if !ok {
		s.writeError(c, errUnsupported)
		return
	}
	res, err := cp.Copies(c.Request.Context(), req, c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
