package httpapi

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"newsdex/search"
	"newsdex/search/shape"
)

// Download formats of the export and KWIC endpoints.
const (
	formatCSV   = "csv"
	formatJSONL = "jsonl"
)

// exporter is what the export endpoint needs beyond Searcher;
// *search.Service has it.
type exporter interface {
	Export(ctx context.Context, req search.Request, emit func(total uint64, h search.Hit) error) (uint64, error)
}

var _ exporter = (*search.Service)(nil)

// exportRow is one line of a JSON Lines export. Exactly one of Snippet
// and Body is set, as the text parameter says.
type exportRow struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Source        string   `json:"source"`
	Published     string   `json:"published"`
	URL           string   `json:"url"`
	Persons       []string `json:"persons"`
	Organizations []string `json:"organizations"`
	Places        []string `json:"places"`
	Snippet       *string  `json:"snippet,omitempty"`
	Body          *string  `json:"body,omitempty"`
}

// handleExport answers GET /api/v1/export: every match of the search, not
// a page, streamed as CSV or JSON Lines while the service reads the index
// a page at a time. Errors found before the first row get a normal error
// response; once rows are flowing the status is sent, so a later error is
// logged and the download ends with a marker line instead (a final
// {"error": ...} object, or a CSV line starting "# error:").
func (s *Server) handleExport(c *gin.Context) {
	sr, v, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	ex, ok := sr.(exporter)
	if !ok {
		s.writeError(c, errUnsupported)
		return
	}
	format := v.Get("format")
	if format != formatCSV && format != formatJSONL {
		s.writeError(c, badRequest("format must be csv or jsonl, got "+strconv.Quote(truncate(format, 20))))
		return
	}
	text := v.Get("text")
	switch text {
	case "":
		text = "snippet"
	case "snippet":
	case "full":
		// The body replaces the snippet, so skip finding the best passage.
		req.FullText, req.Highlight = true, false
	default:
		s.writeError(c, badRequest("text must be snippet or full, got "+strconv.Quote(truncate(text, 20))))
		return
	}
	raw, err := boolParam(v, "raw")
	if err != nil {
		s.writeError(c, err)
		return
	}
	cols := []string{"id", "title", "source", "published", "url", "persons", "organizations", "places", text}
	if text == "full" {
		cols[len(cols)-1] = "body"
	}

	w := newRowWriter(c.Writer, format, cols, raw)
	started := false
	rows := 0
	_, err = ex.Export(c.Request.Context(), req, func(total uint64, h search.Hit) error {
		if !started {
			started = true
			startDownload(c, "newsdex-export", format)
			c.Header("X-Total-Count", strconv.FormatUint(total, 10))
			c.Status(http.StatusOK)
		}
		row := exportRow{ID: h.ID, Title: h.Title, Source: h.Source, Published: h.Published, URL: h.URL,
			Persons: h.Persons, Organizations: h.Organizations, Places: h.Places}
		var last string
		if req.FullText {
			last, row.Body = h.Body, &h.Body
		} else {
			last = search.SnippetText(h.Snippet)
			row.Snippet = &last
		}
		rows++
		return w.write([]string{h.ID, h.Title, h.Source, h.Published, h.URL,
			strings.Join(h.Persons, "; "), strings.Join(h.Organizations, "; "), strings.Join(h.Places, "; "), last}, row)
	})
	if err == nil && !started { // no matches: still a well-formed file
		startDownload(c, "newsdex-export", format)
		c.Header("X-Total-Count", "0")
		c.Status(http.StatusOK)
	}
	if err != nil && !started {
		s.writeError(c, err)
		return
	}
	if err != nil {
		s.logStreamError(c, "export", fmt.Errorf("after %d rows: %w", rows, err))
		if !errors.Is(err, errClientGone) && !errors.Is(err, context.Canceled) {
			w.fail(streamErrorMessage(c, err))
		}
		return
	}
	if err := w.flush(); err != nil {
		s.logStreamError(c, "export", err)
	}
}

// startDownload sets the headers of a file download.
func startDownload(c *gin.Context, base, format string) {
	ct := "text/csv; charset=utf-8"
	if format == formatJSONL {
		ct = "application/x-ndjson; charset=utf-8"
	}
	c.Header("Content-Type", ct)
	c.Header("Content-Disposition", `attachment; filename="`+base+"."+format+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-store")
}

// errClientGone wraps a failed write: the client closed the connection.
var errClientGone = errors.New("client went away")

// rowWriter writes CSV or JSON Lines rows to a response, flushing to the
// network every flushRows rows so a long export arrives as it is made.
// CSV cells a spreadsheet would read as a formula are neutralised unless
// raw is set (see safeCell); JSON Lines rows are always exact.
type rowWriter struct {
	rw     http.ResponseWriter
	format string
	cols   []string
	raw    bool
	buf    *bufio.Writer
	csv    *csv.Writer
	json   *json.Encoder
	rows   int
	header bool // the CSV header is written
}

const flushRows = 256

func newRowWriter(rw http.ResponseWriter, format string, cols []string, raw bool) *rowWriter {
	w := &rowWriter{rw: rw, format: format, cols: cols, raw: raw, buf: bufio.NewWriterSize(rw, 32<<10)}
	if format == formatCSV {
		w.csv = csv.NewWriter(w.buf)
	} else {
		w.json = json.NewEncoder(w.buf)
	}
	return w
}

// write adds one row: fields for CSV (after the header), obj for JSON
// Lines. A write error means the client is gone.
func (w *rowWriter) write(fields []string, obj any) error {
	if w.csv != nil {
		if err := w.writeHeader(); err != nil {
			return err
		}
		if !w.raw {
			for i, f := range fields {
				fields[i] = safeCell(f)
			}
		}
		if err := w.csv.Write(fields); err != nil {
			return fmt.Errorf("%w: %w", errClientGone, err)
		}
	} else if err := w.json.Encode(obj); err != nil {
		var ue *json.UnsupportedValueError
		if errors.As(err, &ue) {
			return fmt.Errorf("encode row: %w", err)
		}
		return fmt.Errorf("%w: %w", errClientGone, err)
	}
	w.rows++
	if w.rows%flushRows == 0 {
		return w.flush()
	}
	return nil
}

// safeCell is shape.SafeCell: every CSV export neutralises formula
// cells unless the request says raw=true.
func safeCell(s string) string { return shape.SafeCell(s) }

func (w *rowWriter) writeHeader() error {
	if w.header {
		return nil
	}
	w.header = true
	if err := w.csv.Write(w.cols); err != nil {
		return fmt.Errorf("%w: %w", errClientGone, err)
	}
	return nil
}

// flush sends everything buffered; an empty CSV still gets its header.
func (w *rowWriter) flush() error {
	if w.csv != nil {
		if err := w.writeHeader(); err != nil {
			return err
		}
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return fmt.Errorf("%w: %w", errClientGone, err)
		}
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("%w: %w", errClientGone, err)
	}
	if f, ok := w.rw.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// fail ends a download that broke after it started with a line a reader
// can recognise: {"error": {...}} in JSON Lines, "# error: ..." in CSV.
func (w *rowWriter) fail(code, msg string) {
	if w.csv != nil {
		w.csv.Flush()
		_, _ = io.WriteString(w.buf, "# error: "+code+": "+strings.ReplaceAll(msg, "\n", " ")+"\n")
	} else {
		var body apiError
		body.Error.Code, body.Error.Message = code, msg
		_ = w.json.Encode(body)
	}
	_ = w.buf.Flush()
	if f, ok := w.rw.(http.Flusher); ok {
		f.Flush()
	}
}

// streamErrorMessage is what a download's error marker says: no internals,
// as in writeError.
func streamErrorMessage(c *gin.Context, err error) (code, msg string) {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout", "the export took too long and is incomplete; narrow the query"
	}
	return "internal", "the export is incomplete; request id " + c.GetString(requestIDKey)
}

// logStreamError logs a failure after a download started; a client that
// went away is routine and logged at info.
func (s *Server) logStreamError(c *gin.Context, what string, err error) {
	level := slog.LevelError
	if errors.Is(err, errClientGone) || errors.Is(err, context.Canceled) {
		level = slog.LevelInfo
	}
	s.logger.LogAttrs(c.Request.Context(), level, what+" stream ended early",
		slog.String("request_id", c.GetString(requestIDKey)), slog.String("error", err.Error()))
}
