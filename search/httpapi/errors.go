package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"newsdex/indexer"
	"newsdex/search"
)

// apiError is the body of every error response.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// errNotReady means the index is not open yet.
var errNotReady = errors.New("the index is not open yet")

// errTooLarge means the request body exceeded the limit.
var errTooLarge = errors.New("request body too large")

// errNotImplemented means the searcher in use lacks the methods an
// optional feature needs (the entity endpoints): 501, not a failure.
var errNotImplemented = errors.New("entity corrections are not available on this server")

// errKeyScope means a public key limited to part of the archive asked for
// something that covers all of it.
var errKeyScope = errors.New("this key is limited to part of the archive; the entity list covers all of it")

// writeError is the one place an error becomes an HTTP status. Client
// mistakes carry their message; anything else is logged with the request
// id and answered with a generic message, so no internals leak.
func (s *Server) writeError(c *gin.Context, err error) {
	status, code, msg := http.StatusInternalServerError, "internal", "internal error; the request id is in the X-Request-Id header"
	var qe *search.QueryError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &qe):
		status, code, msg = http.StatusBadRequest, "bad_query", qe.Error()
	case errors.Is(err, search.ErrInvalidRequest):
		status, code, msg = http.StatusBadRequest, "bad_request", err.Error()
	case errors.Is(err, search.ErrNotFound):
		status, code, msg = http.StatusNotFound, "not_found", err.Error()
	case errors.Is(err, errNoSources):
		status, code, msg = http.StatusNotFound, "not_found", err.Error()
	case errors.As(err, &mbe) || errors.Is(err, errTooLarge):
		status, code, msg = http.StatusRequestEntityTooLarge, "too_large", "request body too large"
	case errors.Is(err, errNotImplemented):
		status, code, msg = http.StatusNotImplemented, "not_implemented", errNotImplemented.Error()
	case errors.Is(err, errors.ErrUnsupported):
		// A backend without the feature (the opensearch backend's message
		// names it and the backend).
		status, code, msg = http.StatusNotImplemented, "not_implemented", err.Error()
	case errors.Is(err, errKeyScope):
		status, code, msg = http.StatusForbidden, "forbidden", errKeyScope.Error()
	case errors.Is(err, indexer.ErrNoSpace):
		// Only writes meet a full disk, and they need an admin key: the
		// message names the index directory as `newsdex index` does.
		status, code, msg = http.StatusInsufficientStorage, "insufficient_storage", noSpaceMessage(err)
		s.metrics.noSpace.Inc()
	case errors.Is(err, indexer.ErrWritesStopped):
		status, code, msg = http.StatusServiceUnavailable, "writes_stopped", writesStoppedMessage(err)
	case errors.Is(err, errNotReady):
		// The cause, if any, is logged below, not shown: it may name files.
		status, code, msg = http.StatusServiceUnavailable, "not_ready", errNotReady.Error()
		c.Header("Retry-After", "1")
	case errors.Is(err, context.DeadlineExceeded):
		status, code, msg = http.StatusServiceUnavailable, "timeout", "the search took too long; narrow the query"
	case errors.Is(err, context.Canceled):
		status, code, msg = 499, "canceled", "request canceled"
	}
	// A 501 says all there is to say; there is nothing hidden to log.
	if status >= 500 && status != http.StatusNotImplemented {
		s.logger.LogAttrs(c.Request.Context(), slog.LevelError, "request failed",
			slog.String("request_id", c.GetString(requestIDKey)), slog.String("error", err.Error()))
	}
	var body apiError
	body.Error.Code, body.Error.Message = code, msg
	c.AbortWithStatusJSON(status, body)
}

// partialWrite is a write that failed after committing some articles.
type partialWrite struct {
	committed int
	err       error
}

func (e *partialWrite) Error() string {
	return fmt.Sprintf("%v (%d articles committed)", e.err, e.committed)
}
func (e *partialWrite) Unwrap() error { return e.err }

// noSpaceMessage tells the client what a full disk did to its write,
// where, and what to do. Ids are stable, so sending the same request
// again duplicates nothing.
func noSpaceMessage(err error) string {
	where := ""
	if nse, ok := errors.AsType[*indexer.NoSpaceError](err); ok {
		where = " at " + nse.Dir
	}
	if pw, ok := errors.AsType[*partialWrite](err); ok {
		return fmt.Sprintf("no space left on device%s: %d articles were committed; free space and send the same request again", where, pw.committed)
	}
	return fmt.Sprintf("no space left on device%s: the change was not made; free space and send the same request again", where)
}

// writesStoppedMessage says which of Bleve's background goroutines
// stopped, without its panic text (which names files).
func writesStoppedMessage(err error) string {
	source := "background writer"
	if se, ok := errors.AsType[*indexer.StoppedError](err); ok {
		source = se.Source
	}
	return fmt.Sprintf("writes to the index have stopped: Bleve's %s stopped after a panic; restart newsdex to write again (searches go on)", source)
}

func badRequest(msg string) error {
	return &paramError{msg}
}

// paramError is a bad query parameter.
type paramError struct{ msg string }

func (e *paramError) Error() string { return "invalid request: " + e.msg }
func (e *paramError) Unwrap() error { return search.ErrInvalidRequest }
