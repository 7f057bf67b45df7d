// Package fetch brings news into the index from the web: it reads a
// sources file (outlets and their feeds), polls RSS 2.0, Atom 1.0, JSON
// Feed and news sitemaps, fetches each new item's page politely (robots.txt,
// one request at a time per host, a delay between requests) and safely (no
// private or loopback addresses unless allowed, checked at dial time and
// after every redirect; caps on size, time and redirects), extracts the
// article's text and metadata, and hands the articles to the indexer.
//
// Feeds are parsed by github.com/mmcdole/gofeed and articles extracted by
// codeberg.org/readeck/go-readability; only news sitemaps, which gofeed
// does not read, and robots.txt are parsed here.
package fetch
