package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// Page is what extraction finds in an article page. Every field is plain
// text; none holds markup.
type Page struct {
	Title     string
	Body      string
	Author    string
	Published time.Time // zero if the page does not say
	Canonical string    // the page's canonical URL, else the URL it was fetched from
}

// ErrNoArticle is returned for a page without article text.
var ErrNoArticle = errors.New("no article text found on the page")

// minBodyChars is the least text taken as an article.
const minBodyChars = 80

// Extract finds the article in an HTML page fetched from pageURL, whose
// Content-Type header is contentType ("" if unknown). The body is the
// article's text without navigation, ads, share buttons, newsletter
// boxes or comments; title, author, date and canonical URL come from the
// page's metadata (meta tags, JSON-LD) where it has them.
func Extract(page []byte, pageURL, contentType string) (Page, error) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return Page{}, fmt.Errorf("page URL %q: %w", pageURL, err)
	}
	r, err := charset.NewReader(bytes.NewReader(page), contentType)
	if err != nil {
		r = bytes.NewReader(page)
	}
	doc, err := html.Parse(r)
	if err != nil {
		return Page{}, fmt.Errorf("parse HTML: %w", err)
	}
	meta := readMeta(doc, base)
	removeClutter(doc)
	p := readability.NewParser()
	p.CharThresholds = minBodyChars
	art, err := p.ParseAndMutate(doc, base)
	if err != nil {
		return Page{}, fmt.Errorf("extract: %w", err)
	}
	out := Page{Title: meta.title, Author: cleanAuthor(art.Byline()), Canonical: meta.canonical}
	if t := oneLine(art.Title()); out.Title == "" {
		// A page title often ends in " | Outlet"; the headline is the
		// <h1> it starts with, if there is one.
		out.Title = t
		if meta.h1 != "" && strings.Contains(t, meta.h1) {
			out.Title = meta.h1
		}
	}
	if out.Author == "" {
		out.Author = meta.author
	}
	if t, err := art.PublishedTime(); err == nil {
		out.Published = t
	} else {
		out.Published = meta.published
	}
	if out.Canonical == "" {
		out.Canonical = base.String()
	}
	if art.Node != nil {
		var b strings.Builder
		if err := art.RenderText(&b); err == nil {
			out.Body = normaliseText(b.String())
		}
	}
	if len([]rune(out.Body)) < minBodyChars {
		return out, ErrNoArticle
	}
	return out, nil
}

type pageMeta struct {
	canonical, title, author string
	h1                       string // the first <h1>
	published                time.Time
}

// readMeta reads <link rel=canonical> and the meta tags news sites use.
func readMeta(doc *html.Node, base *url.URL) pageMeta {
	var m pageMeta
	var ogURL string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "link":
				if hasToken(attr(n, "rel"), "canonical") && m.canonical == "" {
					m.canonical = resolve(base, attr(n, "href"))
				}
			case "meta":
				key := strings.ToLower(attr(n, "property") + attr(n, "name") + attr(n, "itemprop"))
				val := strings.TrimSpace(attr(n, "content"))
				switch key {
				case "og:url":
					ogURL = resolve(base, val)
				case "og:title":
					if m.title == "" {
						m.title = oneLine(val)
					}
				case "author", "article:author", "byl", "dc.creator", "parsely-author", "sailthru.author":
					if m.author == "" && !strings.HasPrefix(val, "http") {
						m.author = cleanAuthor(val)
					}
				case "article:published_time", "datepublished", "date", "pubdate", "dc.date", "dc.date.issued", "parsely-pub-date", "sailthru.date":
					if m.published.IsZero() {
						m.published = parseW3CDate(val)
					}
				}
			case "h1":
				if m.h1 == "" {
					m.h1 = renderText(n)
				}
			case "time":
				if m.published.IsZero() && attr(n, "itemprop") == "datePublished" {
					m.published = parseW3CDate(attr(n, "datetime"))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if m.canonical == "" {
		m.canonical = ogURL
	}
	return m
}

// clutter matches class and id values of page furniture that is not the
// article: readability scores most of it away, and this makes sure.
var clutter = regexp.MustCompile(`(?i)(^|[-_ ])(share|sharing|social|newsletter|subscribe|signup|comments?|related|promo|advert|ads?|sponsor|cookie|paywall|outbrain|taboola|breadcrumbs?)($|[-_ ])`)

// removeClutter deletes elements that are never article text.
func removeClutter(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode {
			switch c.Data {
			case "script", "style", "noscript", "template", "iframe", "nav", "aside", "footer", "form", "button", "svg", "object", "embed":
				n.RemoveChild(c)
				c = next
				continue
			}
			if clutter.MatchString(attr(c, "class")) || clutter.MatchString(attr(c, "id")) ||
				strings.EqualFold(attr(c, "role"), "navigation") || strings.EqualFold(attr(c, "role"), "complementary") {
				n.RemoveChild(c)
				c = next
				continue
			}
			removeClutter(c)
		}
		c = next
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func hasToken(list, tok string) bool {
	for f := range strings.FieldsSeq(strings.ToLower(list)) {
		if f == tok {
			return true
		}
	}
	return false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cleanAuthor drops the "By " of a byline.
func cleanAuthor(s string) string {
	s = oneLine(s)
	for _, p := range []string{"By ", "by ", "BY "} {
		s = strings.TrimPrefix(s, p)
	}
	return strings.TrimSpace(s)
}

// normaliseText collapses runs of spaces within lines and of blank lines
// between paragraphs.
func normaliseText(s string) string {
	var out []string
	blank := false
	for line := range strings.Lines(s) {
		line = oneLine(line)
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// renderText is the text under n, for textOf.
func renderText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return oneLine(b.String())
}
