package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestUIServesPageAndAssets(t *testing.T) {
	h := newTestServer(t, nil) // the page needs no index
	page := get(t, h, "/")
	if page.Code != http.StatusOK || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %q", page.Code, page.Header().Get("Content-Type"))
	}
	if got := page.Header().Get("Content-Security-Policy"); got != uiCSP {
		t.Errorf("page CSP = %q, want %q", got, uiCSP)
	}
	if got := page.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("page Cache-Control = %q, want no-cache", got)
	}
	refs := regexp.MustCompile(`"/ui/(app\.(?:js|css))\?v=([0-9a-f]{16})"`).FindAllStringSubmatch(page.Body.String(), -1)
	if len(refs) != 2 {
		t.Fatalf("page references %q, want app.js and app.css with ?v=hash", refs)
	}
	for _, ref := range refs {
		name, version := ref[1], ref[2]
		t.Run(name, func(t *testing.T) {
			want, err := uiFiles.ReadFile("ui/" + name)
			if err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				name, target, ifNoneMatch, acceptEncoding string
				wantCode                                  int
				wantCache, wantEncoding                   string
			}{
				{"versioned", "/ui/" + name + "?v=" + version, "", "", http.StatusOK, "public, max-age=31536000, immutable", ""},
				{"unversioned", "/ui/" + name, "", "", http.StatusOK, "no-cache", ""},
				{"stale version", "/ui/" + name + "?v=0000000000000000", "", "", http.StatusOK, "no-cache", ""},
				{"gzip", "/ui/" + name + "?v=" + version, "", "gzip, deflate, br", http.StatusOK, "public, max-age=31536000, immutable", "gzip"},
				{"gzip refused", "/ui/" + name, "", "gzip;q=0, br", http.StatusOK, "no-cache", ""},
				{"revalidated", "/ui/" + name, `"` + version + `"`, "", http.StatusNotModified, "no-cache", ""},
				{"revalidated gzip", "/ui/" + name, `"` + version + `-gz"`, "gzip", http.StatusNotModified, "no-cache", ""},
				{"changed", "/ui/" + name, `"0000000000000000"`, "", http.StatusOK, "no-cache", ""},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					req := httptest.NewRequest(http.MethodGet, tt.target, nil)
					if tt.ifNoneMatch != "" {
						req.Header.Set("If-None-Match", tt.ifNoneMatch)
					}
					if tt.acceptEncoding != "" {
						req.Header.Set("Accept-Encoding", tt.acceptEncoding)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != tt.wantCode {
						t.Fatalf("status %d, want %d", rec.Code, tt.wantCode)
					}
					if got := rec.Header().Get("Cache-Control"); got != tt.wantCache {
						t.Errorf("Cache-Control = %q, want %q", got, tt.wantCache)
					}
					if got := rec.Header().Get("Content-Encoding"); got != tt.wantEncoding {
						t.Errorf("Content-Encoding = %q, want %q", got, tt.wantEncoding)
					}
					if rec.Code != http.StatusOK {
						return
					}
					body := rec.Body.Bytes()
					if tt.wantEncoding == "gzip" {
						zr, err := gzip.NewReader(bytes.NewReader(body))
						if err != nil {
							t.Fatal(err)
						}
						if body, err = io.ReadAll(zr); err != nil {
							t.Fatal(err)
						}
					}
					if !bytes.Equal(body, want) {
						t.Errorf("body differs from the embedded %s", name)
					}
				})
			}
		})
	}
	if rec := get(t, h, "/ui/secret.txt"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown asset: %d, want 404", rec.Code)
	}
	if rec := get(t, h, "/ui/../openapi.json"); rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "openapi") {
		t.Error("path traversal reached another file")
	}
}

// TestUISourceFollowsTheSafetyRules checks the page's source for what the
// CSP and the escaping rule forbid, so a change that would break them
// fails here before it fails in a browser.
func TestUISourceFollowsTheSafetyRules(t *testing.T) {
	js, err := uiFiles.ReadFile("ui/app.js")
	if err != nil {
		t.Fatal(err)
	}
	page, err := uiFiles.ReadFile("ui/index.html")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  []byte
		bad  *regexp.Regexp
	}{
		{"no HTML parsing of strings in app.js", js, regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser`)},
		{"no eval in app.js", js, regexp.MustCompile(`\beval\(|new Function\(|setTimeout\(\s*['"]`)},
		{"no inline script in index.html", page, regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)},
		{"no inline handlers in index.html", page, regexp.MustCompile(`\son[a-z]+\s*=`)},
		{"no inline styles in index.html", page, regexp.MustCompile(`\sstyle\s*=|<style`)},
		{"nothing from other hosts", page, regexp.MustCompile(`(?:src|href)="(?:https?:)?//`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m := tt.bad.Find(tt.src); m != nil {
				t.Errorf("found %q", m)
			}
		})
	}
	// The one absolute URL in app.js is the SVG namespace, never fetched.
	for _, u := range regexp.MustCompile(`https?://[^'"\s]+`).FindAll(js, -1) {
		if string(u) != "http://www.w3.org/2000/svg" {
			t.Errorf("app.js refers to another host: %s", u)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"br", false},
		{"x-gzip", false},
		{"gzip;q=bad", false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
