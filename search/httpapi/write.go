package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"newsdex/indexer"
	"newsdex/search"
)

// maxReportedErrors caps the per-record errors in one ingest response;
// the skipped count is always complete.
const maxReportedErrors = 1000

// ingestBody is the name records of a posted body carry, so array
// elements are named body[i].
const ingestBody = "body"

// recordError is one skipped record of an ingest: its line in the body,
// and for a JSON array also its index (from 0).
type recordError struct {
	Line  int    `json:"line"`
	Index *int   `json:"index,omitempty"`
	Error string `json:"error"`
}

// ingestResult is the response to POST /api/v1/articles.
type ingestResult struct {
	Indexed         int           `json:"indexed"`
	Skipped         int           `json:"skipped"`
	Errors          []recordError `json:"errors"`
	ErrorsTruncated bool          `json:"errors_truncated,omitempty"`
}

// handleIngest answers POST /api/v1/articles (admin): JSON Lines, a JSON
// array of article objects, or one object, with the fields of the file
// formats. Bad records are reported with their line and the rest are
// ingested; the articles are searchable when the response is sent. The
// body is read whole first (it is capped by the body limit), so a body
// over the limit, or an array that is not well-formed JSON, writes
// nothing.
func (s *Server) handleIngest(c *gin.Context) {
	w := s.currentWriter()
	if w == nil {
		s.writeError(c, errNotReady)
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.writeError(c, fmt.Errorf("read body: %w", err))
		return
	}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	src, err := ingestSource(body)
	if err != nil {
		s.writeError(c, err)
		return
	}
	res := ingestResult{Errors: []recordError{}}
	sum, err := w.Ingest(c.Request.Context(), src, func(r indexer.Record) {
		if len(res.Errors) == maxReportedErrors {
			res.ErrorsTruncated = true
			return
		}
		re := recordError{Line: r.Line, Error: r.Err.Error()}
		if i, ok := elementIndex(r.File); ok {
			re.Index = &i
		}
		res.Errors = append(res.Errors, re)
	})
	if err != nil {
		s.writeError(c, &partialWrite{committed: sum.Indexed, err: err})
		return
	}
	// Records are skipped from several goroutines' work; report them in
	// input order.
	slices.SortFunc(res.Errors, func(a, b recordError) int {
		if a.Index != nil && b.Index != nil {
			return cmp.Compare(*a.Index, *b.Index)
		}
		return cmp.Compare(a.Line, b.Line)
	})
	res.Indexed, res.Skipped = sum.Indexed, sum.Skipped
	c.JSON(http.StatusOK, res)
}

// ingestSource picks the body's format by its first character: '[' is a
// JSON array, a single JSON object is an array of one, anything else is
// JSON Lines.
func ingestSource(body []byte) (indexer.Source, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, badRequest("empty body: send JSON Lines or a JSON array of articles")
	}
	array := trimmed[0] == '['
	if !array && trimmed[0] == '{' && json.Valid(trimmed) {
		body, array = slices.Concat([]byte("["), body, []byte("]")), true
	}
	if !array {
		return func(ctx context.Context, emit func(indexer.Record) error) error {
			return indexer.Parse(bytes.NewReader(body), ingestBody, indexer.FormatJSONL, emit)
		}, nil
	}
	if !json.Valid(body) {
		err := json.Unmarshal(body, new(any)) // for the error's position
		msg := fmt.Sprint(err)
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			line := 1 + bytes.Count(body[:min(int(se.Offset), len(body))], []byte{'\n'})
			msg = fmt.Sprintf("%s (line %d)", msg, line)
		}
		return nil, badRequest("body is not a well-formed JSON array: " + msg)
	}
	return func(ctx context.Context, emit func(indexer.Record) error) error {
		return indexer.ParseJSONArray(bytes.NewReader(body), ingestBody, emit)
	}, nil
}

// elementIndex reads i from an array record's file name body[i].
func elementIndex(file string) (int, bool) {
	rest, ok := strings.CutPrefix(file, ingestBody+"[")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	return i, err == nil
}

// handleDelete answers DELETE /api/v1/articles/{id} (admin). The article
// is gone from searches when the response is sent.
func (s *Server) handleDelete(c *gin.Context) {
	w := s.currentWriter()
	if w == nil {
		s.writeError(c, errNotReady)
		return
	}
	id := c.Param("id")
	found, err := w.Delete(c.Request.Context(), id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if !found {
		s.writeError(c, fmt.Errorf("article %q: %w", truncate(id, 100), search.ErrNotFound))
		return
	}
	c.JSON(http.StatusOK, gin.H{"deleted": id})
}
