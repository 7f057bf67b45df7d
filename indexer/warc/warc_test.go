package warc

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v3"

	"newsdex/indexer"
)

// page is an archived news page: navigation, the story, share buttons
// and a footer.
func page(title, date, text string) string {
	meta := ""
	if date != "" {
		meta = `<meta property="article:published_time" content="` + date + `">`
	}
	return `<!DOCTYPE html><html><head><title>` + title + ` | Harbour Times</title>` + meta + `</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>` + title + `</h1><p>` + text + `</p>
<p>Officials said more details would follow later in the week, after talks with the unions and the port authority.</p></article>
<div class="share">Share on Facebook</div><footer>© Harbour Times</footer></body></html>`
}

type rec struct {
	typ    gowarc.RecordType
	uri    string
	date   string
	status string
	ctype  string
	body   string
}

// warcFile writes records as a WARC file (gzipped per record when gz),
// as crawlers do.
func warcFile(t *testing.T, path string, gz bool, recs []rec) {
	t.Helper()
	var out bytes.Buffer
	m := gowarc.NewMarshaler()
	for _, r := range recs {
		b := gowarc.NewRecordBuilder(r.typ, gowarc.WithAddMissingDigest(true), gowarc.WithAddMissingRecordId(true),
			gowarc.WithFixContentLength(true), gowarc.WithAddMissingContentLength(true))
		b.AddWarcHeader(gowarc.WarcTargetURI, r.uri)
		b.AddWarcHeader(gowarc.WarcDate, r.date)
		if r.typ == gowarc.Response {
			b.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=response")
			b.WriteString("HTTP/1.1 " + r.status + "\r\nContent-Type: " + r.ctype + "\r\n\r\n" + r.body)
		} else {
			b.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=request")
			b.WriteString("GET / HTTP/1.1\r\nHost: harbour.example\r\n\r\n")
		}
		wr, _, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		var w bytes.Buffer
		if _, _, err := m.Marshal(&w, wr, 0); err != nil {
			t.Fatal(err)
		}
		if gz {
			zw := gzip.NewWriter(&out)
			zw.Write(w.Bytes())
			zw.Close()
		} else {
			out.Write(w.Bytes())
		}
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

var fixture = []rec{
	{gowarc.Request, "https://harbour.example/news/strike", "2026-11-30T10:00:00Z", "", "", ""},
	{gowarc.Response, "https://harbour.example/news/strike", "2026-11-30T10:00:01Z", "200 OK", "text/html; charset=utf-8",
		page("Strike ends", "2026-11-30T08:15:00Z", "Dock workers in Rotterdam returned to work on Monday after union leaders accepted a pay offer that ends a strike of nearly three weeks.")},
	{gowarc.Response, "https://www.gazette.example/ferry", "2026-11-30T11:30:00Z", "200 OK", "text/html",
		page("Ferry returns", "", "The night ferry to Harwich sailed again on Monday after repairs to its engines kept it in port for most of November, the operator said.")},
	{gowarc.Response, "https://harbour.example/missing", "2026-11-30T10:00:02Z", "404 Not Found", "text/html", "<html><body>Not found</body></html>"},
	{gowarc.Response, "https://harbour.example/logo.png", "2026-11-30T10:00:03Z", "200 OK", "image/png", "\x89PNG..."},
	{gowarc.Response, "https://harbour.example/sport/", "2026-11-30T10:00:04Z", "200 OK", "text/html", `<html><body><nav><a href="/a">A</a></nav></body></html>`},
	{gowarc.Response, "https://harbour.example/news/budget", "2026-11-30T10:00:05Z", "200 OK", "text/html",
		page("Budget approved", "2026-11-29T18:00:00Z", "The city council approved a budget of 2.1 billion euros on Saturday after a debate that lasted into the early hours of the morning.")},
}

func outlets(u string) string {
	if strings.Contains(u, "harbour.example") {
		return "Harbour Times"
	}
	return "gazette.example"
}

func run(t *testing.T, paths ...string) (arts []indexer.Article, skipped []indexer.Record, fileErrs []string) {
	t.Helper()
	src := Source(paths, outlets, func(p string, err error) { fileErrs = append(fileErrs, filepath.Base(p)+": "+err.Error()) })
	err := src(context.Background(), func(r indexer.Record) error {
		if r.Err != nil {
			skipped = append(skipped, r)
		} else {
			arts = append(arts, r.Article)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return arts, skipped, fileErrs
}

func TestWARC(t *testing.T) {
	for _, gz := range []bool{false, true} {
		name := "crawl.warc"
		if gz {
			name += ".gz"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			warcFile(t, filepath.Join(dir, name), gz, fixture)
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a WARC"), 0o644)
			arts, skipped, fileErrs := run(t, dir)
			if len(arts) != 3 || len(skipped) != 1 || len(fileErrs) != 0 {
				t.Fatalf("%d articles, %d skipped, file errors %v; want 3, 1, none", len(arts), len(skipped), fileErrs)
			}
			want := []struct {
				url, title, source string
				date               time.Time
			}{
				{"https://harbour.example/news/strike", "Strike ends", "Harbour Times", time.Date(2026, 11, 30, 8, 15, 0, 0, time.UTC)},
				{"https://www.gazette.example/ferry", "Ferry returns", "gazette.example", time.Date(2026, 11, 30, 11, 30, 0, 0, time.UTC)}, // WARC-Date
				{"https://harbour.example/news/budget", "Budget approved", "Harbour Times", time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)},
			}
			for i, w := range want {
				a := arts[i]
				if a.URL != w.url || a.Title != w.title || a.Source != w.source || !a.Published.Equal(w.date) || a.ID != indexer.URLID(w.url) {
					t.Errorf("article %d = %+v, want %+v", i, a, w)
				}
				if strings.Contains(a.Body, "Share on") || strings.Contains(a.Body, "<") || len(a.Body) < 100 {
					t.Errorf("article %d body %q", i, a.Body)
				}
			}
			if !strings.Contains(skipped[0].Err.Error(), "sport") || !strings.Contains(skipped[0].Err.Error(), "no article text") {
				t.Errorf("skipped: %v", skipped[0].Err)
			}
		})
	}
}

func TestTruncatedWARC(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		p := filepath.Join(dir, "cut.warc")
		if gz {
			p += ".gz"
		}
		warcFile(t, p, gz, fixture)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:len(b)-200], 0o644) // the last record loses its end
		good := filepath.Join(dir, "good.warc")
		warcFile(t, good, false, fixture[:3])
		arts, _, fileErrs := run(t, p, good)
		// Two articles before the damage, two from the good file.
		if len(arts) != 4 || len(fileErrs) != 1 || !strings.Contains(fileErrs[0], "truncated") {
			t.Errorf("gz=%v: %d articles, file errors %q", gz, len(arts), fileErrs)
		}
	}
}
