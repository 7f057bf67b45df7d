package fetch

import (
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseSources(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int // sources
		wantErr string
	}{
		{"ok", "sources:\n  - name: Gazette\n    feeds: [https://example.org/rss.xml]\n    interval: 15m\nhosts:\n  archive.example.org: Gazette\n", 1, ""},
		{"empty file", "", 0, ""},
		{"no name", "sources:\n  - feeds: [https://example.org/a]\n", 0, "name is empty"},
		{"no feeds", "sources:\n  - name: A\n", 0, "no feeds"},
		{"file scheme", "sources:\n  - name: A\n    feeds: [file:///etc/passwd]\n", 0, `scheme "file" not allowed`},
		{"relative", "sources:\n  - name: A\n    feeds: [/rss.xml]\n", 0, "scheme"},
		{"bad interval", "sources:\n  - name: A\n    feeds: [https://a.org/]\n    interval: often\n", 0, "want a duration"},
		{"short interval", "sources:\n  - name: A\n    feeds: [https://a.org/]\n    interval: 5s\n", 0, "shorter than a minute"},
		{"twice", "sources:\n  - name: A\n    feeds: [https://a.org/]\n  - name: a\n    feeds: [https://b.org/]\n", 0, "named twice"},
		{"typo", "sources:\n  - name: A\n    feed: [https://a.org/]\n", 0, "field feed not found"},
		{"not yaml", "sources: [", 0, "parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseSources([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Sources) != tt.want {
				t.Errorf("%d sources, want %d", len(l.Sources), tt.want)
			}
		})
	}
	l, _ := ParseSources([]byte(tests[0].in))
	if l.Sources[0].Interval != 15*time.Minute {
		t.Errorf("interval = %v", l.Sources[0].Interval)
	}
	for in, want := range map[string]string{
		"https://www.example.org/a":     "Gazette",
		"https://archive.example.org/b": "Gazette",
		"https://www.other.net/c":       "other.net",
	} {
		if got := l.Outlet(in); got != want {
			t.Errorf("Outlet(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseSources(f *testing.F) {
	f.Add([]byte("sources:\n  - name: Gazette\n    feeds: [https://example.org/rss.xml]\n    interval: 15m\n"))
	f.Add([]byte("hosts: {a.org: A}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseSources(b)
		if err != nil {
			return
		}
		for _, s := range l.Sources {
			if s.Name == "" || len(s.Feeds) == 0 {
				t.Fatalf("accepted source %+v", s)
			}
			for _, u := range s.Feeds {
				if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
					t.Fatalf("accepted feed %q", u)
				}
			}
		}
	})
}

func TestRobots(t *testing.T) {
	body := `User-agent: *
Disallow: /private/
Allow: /private/press-release$
Disallow: /*.pdf$
Disallow: /search?

User-agent: newsdex
User-agent: other
Disallow: /no-newsdex/
Crawl-delay: 2
`
	tests := []struct {
		agent, path string
		want        bool
	}{
		{"somebot", "/news/a", true},
		{"somebot", "/private/x", false},
		{"somebot", "/private/press-release", true},
		{"somebot", "/private/press-release/2", false},
		{"somebot", "/files/report.pdf", false},
		{"somebot", "/files/report.pdf?x", true},
		{"somebot", "/search?q=x", false},
		{"newsdex", "/private/x", true}, // its own group replaces *
		{"newsdex", "/no-newsdex/a", false},
	}
	for _, tt := range tests {
		r := parseRobots(body, tt.agent)
		if got := r.allowed(tt.path); got != tt.want {
			t.Errorf("%s %s: allowed = %v, want %v", tt.agent, tt.path, got, tt.want)
		}
	}
	if d := parseRobots(body, "newsdex").delay; d != 2*time.Second {
		t.Errorf("crawl-delay = %v", d)
	}
	if !parseRobots("", "newsdex").allowed("/x") || parseRobots("User-agent: *\nDisallow: /\n", "newsdex").allowed("/x") {
		t.Error("empty or full disallow wrong")
	}
}

func FuzzRobots(f *testing.F) {
	b, _ := os.ReadFile("testdata/robots.txt")
	f.Add(string(b), "/private/x")
	f.Add("User-agent: *\nDisallow: /*a*b$\n", "/xaxb")
	f.Fuzz(func(t *testing.T, body, path string) {
		r := parseRobots(body, "newsdex")
		r.allowed(path)
		robotsMatch(path, body)
	})
}

func TestParseFeed(t *testing.T) {
	base, _ := url.Parse("https://example.org/feeds/")
	tests := []struct {
		file      string
		wantItems int
		wantTitle string
		wantURL   string
		wantErr   error
	}{
		{"rss.xml", 2, "Harbour strike ends after pay deal", "https://example.org/news/harbour-strike?utm_source=rss", nil},
		{"atom.xml", 1, "Rail fares to rise in January", "https://example.org/news/rail-fares", nil},
		{"feed.json", 1, "City budget approved", "https://example.org/news/budget", nil},
		{"news-sitemap.xml", 1, "Flood warning for river towns", "https://example.org/news/flood-warning", nil},
		{"article.html", 0, "", "", ErrNotFeed},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := ParseFeed([]byte(strings.ReplaceAll(string(b), "{{BASE}}", "https://example.org")), base)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != tt.wantItems || f.Items[0].Title != tt.wantTitle || f.Items[0].URL != tt.wantURL || f.Items[0].Published.IsZero() {
				t.Errorf("items = %+v", f.Items)
			}
		})
	}
	f, err := ParseFeed([]byte(`<sitemapindex><sitemap><loc>/s1.xml</loc></sitemap><sitemap><loc>javascript:x</loc></sitemap></sitemapindex>`), base)
	if err != nil || len(f.Sitemaps) != 1 || f.Sitemaps[0] != "https://example.org/s1.xml" {
		t.Errorf("sitemap index = %+v, %v", f, err)
	}
	if _, err := ParseFeed([]byte(`<rss version="2.0"><channel><item><title>Half`), base); err == nil {
		t.Error("truncated RSS accepted")
	}
}

func FuzzParseFeed(f *testing.F) {
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json", "news-sitemap.xml"} {
		b, _ := os.ReadFile("testdata/" + name)
		f.Add(b)
	}
	base, _ := url.Parse("https://example.org/")
	f.Fuzz(func(t *testing.T, b []byte) {
		feed, err := ParseFeed(b, base)
		if err != nil {
			return
		}
		for _, it := range feed.Items {
			if !strings.HasPrefix(it.URL, "http://") && !strings.HasPrefix(it.URL, "https://") {
				t.Fatalf("item URL %q", it.URL)
			}
		}
	})
}

func TestExtractNoArticle(t *testing.T) {
	b, _ := os.ReadFile("testdata/nav-only.html")
	if _, err := Extract(b, "https://example.org/sport/", "text/html"); !errors.Is(err, ErrNoArticle) {
		t.Errorf("err = %v, want ErrNoArticle", err)
	}
	if _, err := Extract([]byte("\x00\x01binary"), "https://example.org/x", ""); !errors.Is(err, ErrNoArticle) {
		t.Errorf("binary: err = %v", err)
	}
}

func FuzzExtract(f *testing.F) {
	b, _ := os.ReadFile("testdata/article.html")
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Extract(b, "https://example.org/a", "text/html")
		if err == nil && strings.ContainsAny(p.Title, "\n") {
			t.Fatalf("title %q", p.Title)
		}
	})
}
