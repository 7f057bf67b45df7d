package fetch

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
)

// Item is one entry of a feed or sitemap: a page to fetch, with what the
// feed says about it.
type Item struct {
	URL       string
	Title     string
	Author    string
	Summary   string // plain text
	Published time.Time
	Updated   time.Time
}

// stamp is what changes when the feed says the item changed.
func (it Item) stamp() string {
	t := it.Updated
	if t.IsZero() {
		t = it.Published
	}
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Feed is a parsed feed: its items, and for a sitemap index the sitemaps
// it lists.
type Feed struct {
	Items    []Item
	Sitemaps []string
}

// ErrNotFeed is returned for a document that is neither a feed nor a
// sitemap.
var ErrNotFeed = errors.New("not an RSS, Atom or JSON feed, nor a sitemap")

// ParseFeed parses an RSS 2.0, Atom 1.0 or JSON Feed document (with
// gofeed) or a sitemap or sitemap index (Google News extensions
// included). Relative links are resolved against base; items whose link
// is not http(s) are dropped. Items come newest first when dated.
func ParseFeed(body []byte, base *url.URL) (*Feed, error) {
	var f *Feed
	var err error
	if isSitemap(body) {
		f, err = parseSitemap(body)
	} else {
		f, err = parseSyndication(body)
	}
	if err != nil {
		return nil, err
	}
	kept := f.Items[:0]
	for _, it := range f.Items {
		if u := resolve(base, it.URL); u != "" {
			it.URL = u
			kept = append(kept, it)
		}
	}
	f.Items = kept
	maps := f.Sitemaps[:0]
	for _, s := range f.Sitemaps {
		if u := resolve(base, s); u != "" {
			maps = append(maps, u)
		}
	}
	f.Sitemaps = maps
	slices.SortStableFunc(f.Items, func(a, b Item) int {
		return b.Published.Compare(a.Published)
	})
	return f, nil
}

// resolve returns ref made absolute against base if it is http(s), else "".
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func isSitemap(body []byte) bool {
	head := body[:min(len(body), 2048)]
	return bytes.Contains(head, []byte("<urlset")) || bytes.Contains(head, []byte("<sitemapindex"))
}

func parseSyndication(body []byte) (*Feed, error) {
	p := gofeed.NewParser()
	gf, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, ErrNotFeed
		}
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	f := &Feed{}
	for _, gi := range gf.Items {
		if gi == nil {
			continue
		}
		it := Item{URL: gi.Link, Title: textOf(gi.Title), Summary: textOf(gi.Description)}
		if it.URL == "" && len(gi.Links) > 0 {
			it.URL = gi.Links[0]
		}
		if it.URL == "" && strings.HasPrefix(gi.GUID, "http") {
			it.URL = gi.GUID
		}
		if gi.PublishedParsed != nil {
			it.Published = *gi.PublishedParsed
		}
		if gi.UpdatedParsed != nil {
			it.Updated = *gi.UpdatedParsed
		}
		if it.Published.IsZero() {
			it.Published = it.Updated
		}
		if len(gi.Authors) > 0 && gi.Authors[0] != nil {
			it.Author = strings.TrimSpace(gi.Authors[0].Name)
		}
		f.Items = append(f.Items, it)
	}
	return f, nil
}

// sitemapDoc covers <urlset> and <sitemapindex>; the Google News
// extension's elements match by local name whatever their prefix.
type sitemapDoc struct {
	XMLName xml.Name
	URLs    []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		News    struct {
			Title           string `xml:"title"`
			PublicationDate string `xml:"publication_date"`
		} `xml:"news"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

func parseSitemap(body []byte) (*Feed, error) {
	var d sitemapDoc
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("parse sitemap: %w", err)
	}
	if d.XMLName.Local != "urlset" && d.XMLName.Local != "sitemapindex" {
		return nil, ErrNotFeed
	}
	f := &Feed{}
	for _, u := range d.URLs {
		it := Item{URL: strings.TrimSpace(u.Loc), Title: textOf(u.News.Title)}
		it.Published = parseW3CDate(u.News.PublicationDate)
		it.Updated = parseW3CDate(u.LastMod)
		if it.Published.IsZero() {
			it.Published = it.Updated
		}
		f.Items = append(f.Items, it)
	}
	for _, s := range d.Sitemaps {
		f.Sitemaps = append(f.Sitemaps, strings.TrimSpace(s.Loc))
	}
	return f, nil
}

// parseW3CDate parses the W3C datetime forms sitemaps use; zero if none.
func parseW3CDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", time.DateOnly, "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// textOf turns a feed field that may hold HTML into plain text.
func textOf(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return strings.Join(strings.Fields(s), " ")
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return strings.Join(strings.Fields(b.String()), " ")
}
