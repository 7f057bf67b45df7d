package httpapi

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"newsdex/search"
)

// A saved search as a feed: GET /api/v1/feed?q=…&format=atom|rss|json
// takes the search parameters (and the key's access rules) of
// /api/v1/search and answers the newest matches as Atom 1.0, RSS 2.0 or
// JSON Feed 1.1, so any feed reader can follow a query.

// feedDefaultSize is the number of entries when size is not given.
const feedDefaultSize = 20

// feedEntry is one match, in the terms every feed format shares.
type feedEntry struct {
	ID        string // a stable URI for the entry
	Title     string
	Link      string
	Summary   string
	Source    string
	Published time.Time // zero when the article has no date
	Ingested  time.Time // for an undated article, when it entered the index
	Tags      []string
}

// feedDoc is a feed before it is written in one format.
type feedDoc struct {
	Title   string
	Self    string // this feed's URL
	Home    string // the web page showing the same search
	Updated time.Time
	Entries []feedEntry
}

func (s *Server) handleFeed(c *gin.Context) {
	v := c.Request.URL.Query()
	format := strings.ToLower(strings.TrimSpace(v.Get("format")))
	if format == "" {
		format = "atom"
	}
	if format != "atom" && format != "rss" && format != "json" {
		s.writeError(c, badRequest(fmt.Sprintf("format must be atom, rss or json, got %q", truncate(format, 20))))
		return
	}
	sr, _, req, ok := s.searchInput(c)
	if !ok {
		return
	}
	req.Highlight = false
	req.Cursor, req.Histogram, req.Facets = "", "", nil
	if req.Size == 0 {
		req.Size = feedDefaultSize
	}
	hits, err := newestMatches(c.Request.Context(), sr, req)
	if err != nil {
		s.writeError(c, err)
		return
	}
	doc := newFeedDoc(c.Request, req.Query, hits)
	switch format {
	case "atom":
		writeXML(c, "application/atom+xml; charset=utf-8", atomFeed(doc))
	case "rss":
		writeXML(c, "application/rss+xml; charset=utf-8", rssFeed(doc))
	case "json":
		c.Header("Content-Type", "application/feed+json; charset=utf-8")
		c.Status(http.StatusOK)
		enc := json.NewEncoder(c.Writer)
		enc.SetIndent("", "  ")
		_ = enc.Encode(jsonFeed(doc))
	}
}

// newestMatches returns req's newest matches, at most req.Size: by
// publication date, and for articles without one by when they entered
// the index, so that new undated items (common in fetched pages) are in a
// feed among the dated ones rather than after the whole archive. Two
// searches, each newest first, hold the newest of both kinds; merging
// them needs no field beyond the ingest stamp the index already keeps.
func newestMatches(ctx context.Context, sr Searcher, req search.Request) ([]feedHit, error) {
	req.Sort = search.SortDateDesc
	dated, err := sr.Search(ctx, req)
	if err != nil {
		return nil, err
	}
	req.Sort, req.Undated = search.SortIngestedDesc, true
	undated, err := sr.Search(ctx, req)
	if err != nil {
		return nil, err
	}
	var out []feedHit
	for _, h := range dated.Hits {
		if t, err := time.Parse(time.RFC3339, h.Published); err == nil {
			out = append(out, feedHit{Hit: h, when: t.UTC(), dated: true})
		}
	}
	for _, h := range undated.Hits {
		t, _ := time.Parse(time.RFC3339Nano, h.Ingested) // zero for an article from before ingest stamps
		out = append(out, feedHit{Hit: h, when: t.UTC()})
	}
	slices.SortStableFunc(out, func(a, b feedHit) int { return b.when.Compare(a.when) })
	return out[:min(len(out), req.Size)], nil
}

// feedHit is a match with the time a feed orders it by.
type feedHit struct {
	search.Hit
	when  time.Time // publication date, or for an undated article its ingest time
	dated bool
}

// newFeedDoc turns matches into feed entries. Links are made
// absolute against the request's own address.
func newFeedDoc(r *http.Request, q string, hits []feedHit) feedDoc {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host
	self := *r.URL
	self.Scheme, self.Host = scheme, r.Host
	home := url.Values{}
	if q != "" {
		home.Set("q", q)
	}
	title := "newsdex: all articles"
	if strings.TrimSpace(q) != "" {
		title = "newsdex: " + q
	}
	doc := feedDoc{Title: title, Self: self.String(), Home: base + "/?" + home.Encode()}
	for _, h := range hits {
		e := feedEntry{ID: "urn:newsdex:article:" + h.ID, Title: h.Title, Summary: h.Snippet, Source: h.Source,
			Link: h.URL, Tags: append(append(append([]string{}, h.Persons...), h.Organizations...), h.Places...)}
		if e.Link == "" || !(strings.HasPrefix(e.Link, "http://") || strings.HasPrefix(e.Link, "https://")) {
			e.Link = base + "/api/v1/articles/" + url.PathEscape(h.ID)
		}
		if e.Title == "" {
			e.Title = "(untitled)"
		}
		if h.dated {
			e.Published = h.when
		} else {
			e.Ingested = h.when
		}
		if h.when.After(doc.Updated) {
			doc.Updated = h.when
		}
		doc.Entries = append(doc.Entries, e)
	}
	if doc.Updated.IsZero() {
		doc.Updated = time.Unix(0, 0).UTC()
	}
	return doc
}

func writeXML(c *gin.Context, contentType string, v any) {
	c.Header("Content-Type", contentType)
	c.Status(http.StatusOK)
	_, _ = c.Writer.WriteString(xml.Header)
	enc := xml.NewEncoder(c.Writer)
	enc.Indent("", "  ")
	_ = enc.Encode(v)
}

// Atom 1.0 (RFC 4287).
type atomXML struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Gen     string      `xml:"generator"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	ID         string         `xml:"id"`
	Link       atomLink       `xml:"link"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Author     *atomPerson    `xml:"author,omitempty"`
	Summary    string         `xml:"summary,omitempty"`
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func atomFeed(d feedDoc) atomXML {
	f := atomXML{Title: d.Title, ID: d.Self, Updated: d.Updated.Format(time.RFC3339),
		Links:  []atomLink{{Rel: "self", Href: d.Self, Type: "application/atom+xml"}, {Rel: "alternate", Href: d.Home, Type: "text/html"}},
		Author: atomPerson{Name: "newsdex"}, Gen: "newsdex"}
	for _, e := range d.Entries {
		ae := atomEntry{Title: e.Title, ID: e.ID, Link: atomLink{Rel: "alternate", Href: e.Link}, Summary: e.Summary}
		ae.Updated = d.Updated.Format(time.RFC3339)
		switch {
		case !e.Published.IsZero():
			ae.Updated = e.Published.Format(time.RFC3339)
			ae.Published = ae.Updated
		case !e.Ingested.IsZero():
			ae.Updated = e.Ingested.Format(time.RFC3339) // no publication date to claim
		}
		if e.Source != "" {
			ae.Author = &atomPerson{Name: e.Source}
		}
		for _, t := range e.Tags {
			ae.Categories = append(ae.Categories, atomCategory{Term: t})
		}
		f.Entries = append(f.Entries, ae)
	}
	return f
}

// RSS 2.0.
type rssXML struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	Self        atomLink  `xml:"atom:link"`
	Generator   string    `xml:"generator"`
	LastBuild   string    `xml:"lastBuildDate,omitempty"`
	Items       []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	GUID        rssGUID  `xml:"guid"`
	PubDate     string   `xml:"pubDate,omitempty"`
	Description string   `xml:"description,omitempty"`
	Categories  []string `xml:"category"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

func rssFeed(d feedDoc) rssXML {
	ch := rssChannel{Title: d.Title, Link: d.Home, Description: "Newest articles matching a newsdex search",
		Self: atomLink{Rel: "self", Href: d.Self, Type: "application/rss+xml"}, Generator: "newsdex"}
	if d.Updated.Unix() > 0 {
		ch.LastBuild = d.Updated.Format(time.RFC1123Z)
	}
	for _, e := range d.Entries {
		it := rssItem{Title: e.Title, Link: e.Link, GUID: rssGUID{IsPermaLink: "false", Value: e.ID}, Description: e.Summary, Categories: e.Tags}
		if e.Source != "" {
			it.Categories = append([]string{e.Source}, it.Categories...)
		}
		if !e.Published.IsZero() {
			it.PubDate = e.Published.Format(time.RFC1123Z)
		}
		ch.Items = append(ch.Items, it)
	}
	return rssXML{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", Channel: ch}
}

// JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
type jsonFeedDoc struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url"`
	FeedURL     string         `json:"feed_url"`
	Items       []jsonFeedItem `json:"items"`
}

type jsonFeedItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url"`
	Title         string           `json:"title"`
	ContentText   string           `json:"content_text"`
	DatePublished string           `json:"date_published,omitempty"`
	DateModified  string           `json:"date_modified,omitempty"` // an undated article's ingest time
	Authors       []jsonFeedAuthor `json:"authors,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
}

type jsonFeedAuthor struct {
	Name string `json:"name"`
}

func jsonFeed(d feedDoc) jsonFeedDoc {
	f := jsonFeedDoc{Version: "https://jsonfeed.org/version/1.1", Title: d.Title, HomePageURL: d.Home, FeedURL: d.Self, Items: []jsonFeedItem{}}
	for _, e := range d.Entries {
		it := jsonFeedItem{ID: e.ID, URL: e.Link, Title: e.Title, ContentText: e.Summary, Tags: e.Tags}
		if !e.Published.IsZero() {
			it.DatePublished = e.Published.Format(time.RFC3339)
		} else if !e.Ingested.IsZero() {
			it.DateModified = e.Ingested.Format(time.RFC3339)
		}
		if e.Source != "" {
			it.Authors = []jsonFeedAuthor{{Name: e.Source}}
		}
		f.Items = append(f.Items, it)
	}
	return f
}
