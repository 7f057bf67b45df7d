package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"newsdex/search"
)

// kwicSearcher is what the keyword-in-context endpoint needs beyond
// Searcher; *search.Service has it. It is asked for by type assertion so
// that Searcher, and every fake of it, stays small.
type kwicSearcher interface {
	KWIC(ctx context.Context, req search.Request, width, limit int) (*search.KWICResult, error)
}

var _ kwicSearcher = (*search.Service)(nil)

// errUnsupported means the searcher in use lacks a method an endpoint
// needs: a wiring mistake, answered as an internal error.
var errUnsupported = errors.New("the searcher does not support this endpoint")

// kwicColumns are the CSV columns of a KWIC export, in order.
var kwicColumns = []string{"id", "title", "source", "published", "left", "keyword", "right"}

// handleKWIC answers GET /api/v1/kwic: the search's parameters plus width
// (context characters each side) and limit (lines), as JSON, or as a CSV
// or JSON Lines download with format=csv|jsonl.
func (s *Server) handleKWIC(c *gin.Context) {
	sr, v, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	ks, ok := sr.(kwicSearcher)
	if !ok {
		s.writeError(c, errUnsupported)
		return
	}
	width, err := intParam(v, "width")
	if err != nil {
		s.writeError(c, err)
		return
	}
	limit, err := intParam(v, "limit")
	if err != nil {
		s.writeError(c, err)
		return
	}
	format := v.Get("format")
	if format != "" && format != "json" && format != formatCSV && format != formatJSONL {
		s.writeError(c, badRequest("format must be json, csv or jsonl, got "+strconv.Quote(truncate(format, 20))))
		return
	}
	raw, err := boolParam(v, "raw")
	if err != nil {
		s.writeError(c, err)
		return
	}
	res, err := ks.KWIC(c.Request.Context(), req, width, limit)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if format == "" || format == "json" {
		c.JSON(http.StatusOK, res)
		return
	}
	w := newRowWriter(c.Writer, format, kwicColumns, raw)
	startDownload(c, "newsdex-kwic", format)
	c.Header("X-Total-Count", strconv.Itoa(len(res.Lines)))
	c.Status(http.StatusOK)
	for _, l := range res.Lines {
		if err := w.write([]string{l.ID, l.Title, l.Source, l.Published, l.Left, l.Keyword, l.Right}, l); err != nil {
			s.logStreamError(c, "kwic", err)
			return
		}
	}
	if err := w.flush(); err != nil {
		s.logStreamError(c, "kwic", err)
	}
}
