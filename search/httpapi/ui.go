package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// uiFiles is the researcher web page: plain HTML, CSS and JavaScript with
// no build step and nothing fetched from elsewhere, so it works offline.
//
//go:embed ui/index.html ui/app.js ui/app.css
var uiFiles embed.FS

// uiCSP lets the page load only its own script, style and API: article
// text that slipped past escaping still could not run script.
const uiCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// uiAsset is one embedded file, ready to serve plain or gzipped.
type uiAsset struct {
	name        string
	contentType string
	body, gz    []byte
	etag        string // quoted, of body; the gzip variant adds a suffix
}

// ui serves the page at / and its assets under /ui/. Assets are asked for
// with ?v=<content hash> (index.html is rewritten to say so), which lets
// browsers keep them for a year; index.html itself is revalidated with
// its ETag on every load, so a new binary's page shows at once.
type ui struct {
	logger *slog.Logger
	index  *uiAsset
	assets map[string]*uiAsset // by file name
	err    error               // why the embedded files could not be read
}

func newUI(logger *slog.Logger) *ui {
	u := &ui{logger: logger, assets: map[string]*uiAsset{}}
	u.err = u.load()
	return u
}

func (u *ui) load() error {
	for _, name := range []string{"app.js", "app.css"} {
		b, err := uiFiles.ReadFile("ui/" + name)
		if err != nil {
			return fmt.Errorf("read embedded ui/%s: %w", name, err)
		}
		a, err := newUIAsset(name, b)
		if err != nil {
			return err
		}
		u.assets[name] = a
	}
	page, err := uiFiles.ReadFile("ui/index.html")
	if err != nil {
		return fmt.Errorf("read embedded ui/index.html: %w", err)
	}
	for name, a := range u.assets {
		ref := `"/ui/` + name + `"`
		if !bytes.Contains(page, []byte(ref)) {
			return fmt.Errorf("ui/index.html does not reference %s", ref)
		}
		page = bytes.ReplaceAll(page, []byte(ref), []byte(`"/ui/`+name+`?v=`+a.version()+`"`))
	}
	u.index, err = newUIAsset("index.html", page)
	return err
}

func newUIAsset(name string, body []byte) (*uiAsset, error) {
	sum := sha256.Sum256(body)
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("gzip %s: %w", name, err)
	}
	if _, err := zw.Write(body); err != nil {
		return nil, fmt.Errorf("gzip %s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip %s: %w", name, err)
	}
	ct := map[string]string{
		".html": "text/html; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".css":  "text/css; charset=utf-8",
	}[path.Ext(name)]
	return &uiAsset{name: name, contentType: ct, body: body, gz: gz.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}, nil
}

// version is the asset's content hash, as put in ?v=.
func (a *uiAsset) version() string { return strings.Trim(a.etag, `"`) }

func (u *ui) handleIndex(c *gin.Context) {
	if u.err != nil {
		u.fail(c)
		return
	}
	c.Header("Cache-Control", "no-cache")
	u.serve(c, u.index)
}

func (u *ui) handleAsset(c *gin.Context) {
	if u.err != nil {
		u.fail(c)
		return
	}
	a, ok := u.assets[strings.TrimPrefix(c.Param("file"), "/")]
	if !ok {
		var body apiError
		body.Error.Code, body.Error.Message = "not_found", "no such file"
		c.AbortWithStatusJSON(http.StatusNotFound, body)
		return
	}
	if c.Query("v") == a.version() {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	u.serve(c, a)
}

// serve writes an asset, gzipped when the client takes it, answering a
// matching If-None-Match with 304.
func (u *ui) serve(c *gin.Context, a *uiAsset) {
	h := c.Writer.Header()
	h.Set("Content-Type", a.contentType)
	// securityHeaders (security.go) set the rest; the page's policy is
	// stricter than the default.
	h.Set("Content-Security-Policy", uiCSP)
	h.Add("Vary", "Accept-Encoding")
	body, etag := a.body, a.etag
	if acceptsGzip(c.GetHeader("Accept-Encoding")) {
		body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	// ServeContent handles If-None-Match, HEAD and ranges.
	http.ServeContent(c.Writer, c.Request, a.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				q, err := strconv.ParseFloat(v, 64)
				return err == nil && q > 0
			}
		}
		return true
	}
	return false
}

func (u *ui) fail(c *gin.Context) {
	u.logger.LogAttrs(c.Request.Context(), slog.LevelError, "web page unavailable",
		slog.String("request_id", c.GetString(requestIDKey)), slog.String("error", u.err.Error()))
	var body apiError
	body.Error.Code, body.Error.Message = "internal", "the web page is unavailable; the request id is in the X-Request-Id header"
	c.AbortWithStatusJSON(http.StatusInternalServerError, body)
}
