package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// maxWidgetGzip is the budget for embed.js with its CSS, gzipped.
const maxWidgetGzip = 15 << 10

func TestEmbedScript(t *testing.T) {
	s := newAccessServer(t, Options{})
	gz := request{target: "/embed.js", header: map[string]string{"Accept-Encoding": "gzip, deflate, br"}}.do(t, s)
	if gz.Code != 200 || gz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip request: %d, Content-Encoding %q", gz.Code, gz.Header().Get("Content-Encoding"))
	}
	if n := gz.Body.Len(); n > maxWidgetGzip {
		t.Errorf("embed.js is %d bytes gzipped, over the %d budget", n, maxWidgetGzip)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	js, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	plain := request{target: "/embed.js", header: map[string]string{"Accept-Encoding": "gzip;q=0, identity"}}.do(t, s)
	if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), js) {
		t.Errorf("identity response differs from the gunzipped one (encoding %q)", plain.Header().Get("Content-Encoding"))
	}
	for _, want := range []string{".nd{", "attachShadow", "data-newsdex-search"} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("script lacks %q", want)
		}
	}
	if bytes.Contains(js, []byte("__NEWSDEX_CSS__")) || bytes.Contains(js, []byte("/* newsdex widget styles")) {
		t.Error("CSS placeholder not replaced by the minified stylesheet")
	}
	if bytes.Contains(js, []byte("innerHTML")) || bytes.Contains(js, []byte("insertAdjacentHTML")) {
		t.Error("the widget must build nodes, not parse HTML")
	}
	t.Logf("embed.js: %d bytes, %d gzipped", len(js), gz.Body.Len())

	etag, etagPlain := gz.Header().Get("ETag"), plain.Header().Get("ETag")
	if etag == "" || etagPlain == "" || etag == etagPlain {
		t.Errorf("ETags gzip %q identity %q: want two different ones", etag, etagPlain)
	}
	for k, want := range map[string]string{
		"Content-Type":                 "text/javascript; charset=utf-8",
		"Cache-Control":                "public, max-age=3600",
		"Vary":                         "Accept-Encoding",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"X-Content-Type-Options":       "nosniff",
	} {
		if got := gz.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	tests := []struct {
		name, inm, ae string
		want          int
	}{
		{"same etag", etag, "gzip", 304},
		{"weak form", "W/" + etag, "gzip", 304},
		{"in a list", `"x", ` + etag, "gzip", 304},
		{"identity etag", etagPlain, "", 304},
		{"other etag", `"other"`, "gzip", 200},
		{"gzip etag without gzip", etag, "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := request{target: "/embed.js", header: map[string]string{"If-None-Match": tt.inm, "Accept-Encoding": tt.ae}}.do(t, s)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			if tt.want == 304 && (rec.Body.Len() != 0 || rec.Header().Get("ETag") == "") {
				t.Errorf("304 with %d body bytes, ETag %q", rec.Body.Len(), rec.Header().Get("ETag"))
			}
		})
	}
}

func TestEmbedPage(t *testing.T) {
	s := newAccessServer(t, Options{})
	rec := request{target: "/embed?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&source=Alpha+Times&source=Beta+Post" +
		"&size=5&facets=source&key=pk_x&theme=dark&target=javascript:x&bogus=1"}.do(t, s)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	page := rec.Body.String()
	for _, want := range []string{
		`data-query="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
		`data-source="Alpha Times|Beta Post"`,
		`data-size="5"`, `data-facets="source"`, `data-key="pk_x"`, `data-theme="dark"`,
		`data-target="_blank"`, `<script src="/embed.js" async></script>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "<script>alert") {
		t.Error("query reached the page unescaped")
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors *") || rec.Header().Get("X-Frame-Options") != "" {
		t.Errorf("/embed must be frameable: CSP %q, X-Frame-Options %q", csp, rec.Header().Get("X-Frame-Options"))
	}
	// The page's one inline style is allowed by its hash, and nothing else.
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no inline style")
	}
	sum := sha256.Sum256([]byte(m[1]))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("CSP %q lacks %q", csp, want)
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline script or eval: %q", csp)
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newAccessServer(t, Options{})
	tests := []struct {
		target       string
		wantFraming  string // X-Frame-Options
		wantAncestor string
	}{
		{"/api/v1/search?q=harbour", "DENY", "frame-ancestors 'none'"},
		{"/api/v1/articles/nope", "DENY", "frame-ancestors 'none'"},
		{"/healthz", "DENY", "frame-ancestors 'none'"},
		{"/embed.js", "DENY", "frame-ancestors 'none'"},
		{"/no/such/page", "DENY", "frame-ancestors 'none'"},
		{"/embed", "", "frame-ancestors *"},
		{"/embed?q=x", "", "frame-ancestors *"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := request{target: tt.target}.do(t, s)
			h := rec.Header()
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if got := h.Get("Referrer-Policy"); got != "strict-origin-when-cross-origin" {
				t.Errorf("Referrer-Policy %q", got)
			}
			if got := h.Get("X-Frame-Options"); got != tt.wantFraming {
				t.Errorf("X-Frame-Options %q, want %q", got, tt.wantFraming)
			}
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, tt.wantAncestor) || !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP %q, want %s and script-src 'self'", csp, tt.wantAncestor)
			}
		})
	}
	// Pages that set their own policy keep it, still unframeable.
	rec := request{target: "/"}.do(t, s)
	if csp := rec.Header().Get("Content-Security-Policy"); rec.Code == http.StatusOK && !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("/ CSP %q", csp)
	}
}

func TestMinifyCSS(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/* c */ .a , .b  >  .c {\n  color : red;\n  margin: 0 1px;\n}\n", ".a,.b>.c{color : red;margin: 0 1px}"},
		{"@media (x: y) {\n .a { b: c; }\n}", "@media (x: y){.a{b: c}}"},
		{".a .b{c:d}", ".a .b{c:d}"},
	}
	for _, tt := range tests {
		if got := minifyCSS(tt.in); got != tt.want {
			t.Errorf("minifyCSS(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestOpenAPICoversRoutes checks every API and widget route is in the
// OpenAPI document with its method.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	s := newAccessServer(t, Options{})
	for _, r := range s.engine.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") && !strings.HasPrefix(r.Path, "/embed") {
			continue
		}
		path := regexp.MustCompile(`:(\w+)`).ReplaceAllString(r.Path, "{$1}")
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in openapi.json", r.Method, path)
		}
	}
}
