package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// embedFiles is the drop-in widget: one script that carries its own
// styles, and a page that shows it for hosts that allow no scripts.
//
//go:embed embed/embed.js embed/embed.css embed/embed.html
var embedFiles embed.FS

const (
	embedScriptPath = "/embed.js"
	embedPagePath   = "/embed"
	// cssPlaceholder is the string literal in embed.js that becomes the
	// stylesheet, so the widget costs one request.
	cssPlaceholder = "'__NEWSDEX_CSS__'"
	// embedPageStyle is the /embed page's only inline style; the page's
	// Content-Security-Policy allows it by hash.
	embedPageStyle = "html,body{margin:0;padding:0;background:transparent}"
)

// embedAssets are the widget's files, prepared once at startup: the
// script with its CSS inlined, gzipped, with an ETag per encoding.
type embedAssets struct {
	js, jsGzip []byte
	etag       string // quoted; the gzip variant is etag with a -gz suffix
	page       *template.Template
	pageCSP    string
	err        error // why the embedded files could not be prepared
}

func newEmbedAssets() *embedAssets {
	e := &embedAssets{}
	sum := sha256.Sum256([]byte(embedPageStyle))
	e.pageCSP = "default-src 'none'; script-src 'self'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors *"
	e.err = e.load()
	return e
}

func (e *embedAssets) load() error {
	js, err := embedFiles.ReadFile("embed/embed.js")
	if err != nil {
		return fmt.Errorf("read embedded widget script: %w", err)
	}
	css, err := embedFiles.ReadFile("embed/embed.css")
	if err != nil {
		return fmt.Errorf("read embedded widget styles: %w", err)
	}
	if bytes.Count(js, []byte(cssPlaceholder)) != 1 {
		return fmt.Errorf("embed.js must hold the placeholder %s once", cssPlaceholder)
	}
	cssJSON, err := json.Marshal(minifyCSS(string(css)))
	if err != nil {
		return fmt.Errorf("encode widget styles: %w", err)
	}
	e.js = bytes.Replace(js, []byte(cssPlaceholder), cssJSON, 1)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("gzip widget: %w", err)
	}
	if _, err := zw.Write(e.js); err != nil {
		return fmt.Errorf("gzip widget: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip widget: %w", err)
	}
	e.jsGzip = buf.Bytes()
	h := sha256.Sum256(e.js)
	e.etag = `"` + hex.EncodeToString(h[:12]) + `"`
	page, err := embedFiles.ReadFile("embed/embed.html")
	if err != nil {
		return fmt.Errorf("read embedded widget page: %w", err)
	}
	e.page, err = template.New("embed").Parse(string(page))
	if err != nil {
		return fmt.Errorf("parse widget page: %w", err)
	}
	return nil
}

var (
	cssComments = regexp.MustCompile(`(?s)/\*.*?\*/`)
	cssSpace    = regexp.MustCompile(`\s+`)
	cssPunct    = regexp.MustCompile(`\s*([{};,>])\s*`)
)

// minifyCSS drops comments and needless whitespace: about a third of the
// stylesheet, which travels inside the script.
func minifyCSS(css string) string {
	css = cssComments.ReplaceAllString(css, "")
	css = cssSpace.ReplaceAllString(css, " ")
	css = cssPunct.ReplaceAllString(css, "$1")
	return strings.TrimSpace(strings.ReplaceAll(css, ";}", "}"))
}

// handleEmbedScript serves the widget: gzipped when the client takes it,
// cacheable for an hour and revalidated by ETag, loadable by any site
// (Cross-Origin-Resource-Policy) and timeable by any (Timing-Allow-Origin).
func (s *Server) handleEmbedScript(c *gin.Context) {
	e := s.embed
	if e.err != nil {
		s.writeError(c, e.err)
		return
	}
	gz := acceptsGzip(c.GetHeader("Accept-Encoding"))
	body, etag := e.js, e.etag
	if gz {
		body, etag = e.jsGzip, strings.TrimSuffix(e.etag, `"`)+`-gz"`
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", etag)
	h.Add("Vary", "Accept-Encoding")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Timing-Allow-Origin", "*")
	if etagMatches(c.GetHeader("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		return
	}
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", body)
}

// etagMatches applies If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for part := range strings.SplitSeq(header, ",") {
		t := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// embedPage is what the /embed page's query string sets.
type embedPage struct {
	Title                   string
	PageStyle               template.CSS
	Target, Theme           string
	Query                   string
	Source, Person, Org     string
	Place, FromDate, ToDate string
	Sort, Size, Facets, Key string
}

// handleEmbedPage serves the widget as a page of its own, for sites that
// can add an <iframe> but no script. Its query string takes the widget's
// options: q, source, person, org, place (repeatable), from_date, to_date,
// sort, size, facets, key, theme, target (default _blank, so links leave
// the frame).
func (s *Server) handleEmbedPage(c *gin.Context) {
	e := s.embed
	if e.err != nil {
		s.writeError(c, e.err)
		return
	}
	q := c.Request.URL.Query()
	one := func(name string, max int) string { return truncate(strings.TrimSpace(q.Get(name)), max) }
	many := func(name string) string { return truncate(strings.Join(nonEmpty(q[name]), "|"), 1000) }
	p := embedPage{
		Title:     "Search",
		PageStyle: template.CSS(embedPageStyle),
		Target:    "_blank",
		Theme:     "light",
		Query:     one("q", 500),
		Source:    many("source"),
		Person:    many("person"),
		Org:       many("org"),
		Place:     many("place"),
		FromDate:  one("from_date", 40),
		ToDate:    one("to_date", 40),
		Sort:      one("sort", 20),
		Facets:    one("facets", 60),
		Key:       one("key", 200),
	}
	if t := q.Get("target"); t == "_top" || t == "_self" || t == "_parent" {
		p.Target = t
	}
	if t := q.Get("theme"); t == "dark" || t == "auto" {
		p.Theme = t
	}
	if n, err := strconv.Atoi(q.Get("size")); err == nil && n > 0 && n <= 50 {
		p.Size = strconv.Itoa(n)
	}
	var buf bytes.Buffer
	if err := e.page.Execute(&buf, p); err != nil {
		s.writeError(c, fmt.Errorf("render widget page: %w", err))
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}
