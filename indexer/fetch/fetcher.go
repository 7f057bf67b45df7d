package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"newsdex/indexer"
)

// Sink takes the articles a poll produced. *indexer.Writer is one.
type Sink interface {
	Ingest(ctx context.Context, src indexer.Source, onSkip func(indexer.Record)) (indexer.Summary, error)
}

// Fetcher polls the feeds of a source list and indexes new articles.
type Fetcher struct {
	sources *SourceList
	sink    Sink
	state   *State
	opts    Options
	logger  *slog.Logger
	client  *client
	robots  *robotsCache
}

// New returns a Fetcher for sources that writes into sink and remembers
// what it took in state.
func New(sources *SourceList, sink Sink, state *State, opts Options, logger *slog.Logger) *Fetcher {
	opts.setDefaults()
	return &Fetcher{sources: sources, sink: sink, state: state, opts: opts, logger: logger,
		client: newClient(opts), robots: &robotsCache{entries: map[string]robotsEntry{}}}
}

// Report is what one pass did.
type Report struct {
	Feeds    int // feeds polled
	Failed   int // feeds that failed
	Articles int // articles indexed
	Added    int // of which new
	Updated  int // of which taken before, and indexed again because the feed said they changed
	Skipped  int // items whose page gave no article, or which robots.txt kept out and had nothing in the feed
}

// sourceWorkers bounds how many sources are polled at once; requests to
// one host are serialised whatever this is.
const sourceWorkers = 4

// Once polls every feed of every source once, whatever its schedule, and
// saves the state. A feed that fails is recorded and the others go on;
// the error is ctx's, the sink's, or saving the state's.
func (f *Fetcher) Once(ctx context.Context) (Report, error) {
	return f.pass(ctx, func(*FeedState) bool { return true })
}

// Run polls each feed on its source's interval, and a failing feed on a
// slower schedule (doubling up to a day), until ctx ends.
func (f *Fetcher) Run(ctx context.Context) error {
	for {
		now := time.Now()
		if _, err := f.pass(ctx, func(fs *FeedState) bool { return !fs.NextPoll.After(now) }); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			f.logger.Error("fetch pass", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(f.nextWake()):
		}
	}
}

// nextWake is how long until the next feed is due, within [1s, 1m].
func (f *Fetcher) nextWake() time.Duration {
	next := time.Minute
	for _, fs := range f.state.Health() {
		if d := time.Until(fs.NextPoll); d < next {
			next = d
		}
	}
	return max(next, time.Second)
}

func (f *Fetcher) pass(ctx context.Context, due func(*FeedState) bool) (Report, error) {
	var mu sync.Mutex
	var rep Report
	var firstErr error
	sem := make(chan struct{}, sourceWorkers)
	var wg sync.WaitGroup
	for _, src := range f.sources.Sources {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			for _, feedURL := range src.Feeds {
				fs := f.state.feed(feedURL, src.Name)
				if !due(fs) {
					continue
				}
				r, err := f.pollFeed(ctx, src, feedURL, fs)
				mu.Lock()
				rep.Feeds++
				rep.Articles += r.Articles
				rep.Added += r.Added
				rep.Updated += r.Updated
				rep.Skipped += r.Skipped
				if err != nil {
					if errors.Is(err, errSink) && firstErr == nil {
						firstErr = err
					}
					rep.Failed++
				}
				mu.Unlock()
				if ctx.Err() != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if ctx.Err() == nil {
		feeds, items := f.state.Prune(f.sources, time.Now().Add(-f.opts.StateHorizon))
		if feeds+items > 0 {
			f.logger.Info("fetch state pruned", slog.Int("feeds", feeds), slog.Int("items", items))
		}
	}
	if err := f.state.Save(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return rep, firstErr
}

// errSink marks a failure to write to the index, which stops a pass.
var errSink = errors.New("index write")

// pollFeed polls one feed and records the outcome in its state.
func (f *Fetcher) pollFeed(ctx context.Context, src Source, feedURL string, fs *FeedState) (Report, error) {
	start := time.Now()
	rep, err := f.poll(ctx, src, feedURL, fs)
	interval := src.Interval
	if interval <= 0 {
		interval = f.opts.Interval
	}
	f.state.update(fs, func(fs *FeedState) {
		fs.LastPoll = start
		fs.Polls++
		fs.Articles += rep.Articles
		fs.Added += rep.Added
		fs.Updated += rep.Updated
		if rep.Articles > 0 {
			fs.LastArticle = start
		}
		if err != nil {
			fs.LastError = err.Error()
			fs.Failures++
			fs.Failed++
			fs.NextPoll = start.Add(min(interval<<min(fs.Failures, 10), 24*time.Hour))
			return
		}
		fs.LastSuccess, fs.LastError, fs.Failures = start, "", 0
		fs.NextPoll = start.Add(interval)
	})
	log := f.logger.With(slog.String("source", src.Name), slog.String("feed", feedURL))
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("feed failed", slog.String("error", err.Error()))
		}
		return rep, err
	}
	log.Info("feed polled", slog.Int("articles", rep.Articles), slog.Int("skipped", rep.Skipped),
		slog.Duration("took", time.Since(start)))
	return rep, nil
}

func (f *Fetcher) poll(ctx context.Context, src Source, feedURL string, fs *FeedState) (Report, error) {
	var rep Report
	items, err := f.feedItems(ctx, feedURL, fs, 0)
	if err != nil {
		return rep, err
	}
	if len(items) > f.opts.MaxItemsPerFeed {
		items = items[:f.opts.MaxItemsPerFeed]
	}
	var listed time.Time
	f.state.update(fs, func(fs *FeedState) { listed = fs.Listed })
	listedKeys := make([]string, 0, len(items))
	defer func() { f.state.seen(feedURL, listed, listedKeys) }() // also the items taken below
	var arts []indexer.Article
	var keys []string
	var states []ItemState
	var again []bool // whether each article was taken before
	for _, it := range items {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		key := indexer.NormalizeURL(it.URL)
		listedKeys = append(listedKeys, key)
		prev, seen := f.state.item(key)
		if seen && prev.Stamp == it.stamp() {
			continue // taken before, unchanged
		}
		a, err := f.article(ctx, src, it)
		st := ItemState{Stamp: it.stamp(), Source: src.Name, Fetched: time.Now()}
		if err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			rep.Skipped++
			f.logger.Info("item skipped", slog.String("source", src.Name), slog.String("url", it.URL), slog.String("error", err.Error()))
			if errors.Is(err, ErrNoArticle) || errors.Is(err, ErrRobots) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrForbiddenAddress) {
				f.state.setItem(key, st) // do not ask again until the feed says it changed
			}
			continue
		}
		st.ID = a.ID
		again = append(again, seen && prev.ID != "")
		arts = append(arts, a)
		keys = append(keys, key)
		states = append(states, st)
	}
	if len(arts) == 0 {
		return rep, nil
	}
	skipped := map[string]bool{}
	sum, err := f.sink.Ingest(ctx, func(ctx context.Context, emit func(indexer.Record) error) error {
		for _, a := range arts {
			if err := emit(indexer.Record{File: src.Name, Article: a}); err != nil {
				return err
			}
		}
		return nil
	}, func(r indexer.Record) {
		skipped[r.Article.URL] = true
		f.logger.Warn("article skipped", slog.String("url", r.Article.URL), slog.String("error", r.Err.Error()))
	})
	if err != nil {
		return rep, fmt.Errorf("%w: %w", errSink, err)
	}
	for i, k := range keys {
		if skipped[arts[i].URL] {
			continue
		}
		f.state.setItem(k, states[i])
		if again[i] {
			rep.Updated++
		} else {
			rep.Added++
		}
	}
	rep.Articles += sum.Indexed
	rep.Skipped += sum.Skipped
	return rep, nil
}

// maxSitemapDepth bounds how deep sitemap indexes are followed.
const maxSitemapDepth = 1

// feedItems fetches and parses a feed (conditionally for the top-level
// feed), following a sitemap index's sitemaps one level down.
func (f *Fetcher) feedItems(ctx context.Context, feedURL string, fs *FeedState, depth int) ([]Item, error) {
	h := http.Header{}
	if depth == 0 {
		f.state.update(fs, func(fs *FeedState) {
			if fs.ETag != "" {
				h.Set("If-None-Match", fs.ETag)
			}
			if fs.LastModified != "" {
				h.Set("If-Modified-Since", fs.LastModified)
			}
		})
	}
	u, err := checkURL(feedURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", feedURL, err)
	}
	ok, _, err := f.client.robotsAllowed(ctx, f.robots, u)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w", feedURL, ErrRobots)
	}
	resp, err := f.client.get(ctx, feedURL, h, f.opts.MaxFeedBytes)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusNotModified {
		return nil, nil
	}
	base, _ := url.Parse(resp.FinalURL)
	feed, err := ParseFeed(resp.Body, base)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", feedURL, err)
	}
	if depth == 0 {
		f.state.update(fs, func(fs *FeedState) {
			fs.ETag, fs.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
			fs.Listed = time.Now()
		})
	}
	items := feed.Items
	if depth < maxSitemapDepth {
		for _, sm := range feed.Sitemaps {
			more, err := f.feedItems(ctx, sm, fs, depth+1)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				f.logger.Warn("sitemap failed", slog.String("sitemap", sm), slog.String("error", err.Error()))
				continue
			}
			items = append(items, more...)
		}
	}
	return items, nil
}

// article fetches an item's page and extracts the article. When
// robots.txt keeps the page out, the feed's own title and summary make
// the article if it has them.
func (f *Fetcher) article(ctx context.Context, src Source, it Item) (indexer.Article, error) {
	u, err := checkURL(it.URL)
	if err != nil {
		return indexer.Article{}, err
	}
	ok, delay, err := f.client.robotsAllowed(ctx, f.robots, u)
	if err != nil {
		return indexer.Article{}, err
	}
	if delay > f.opts.HostDelay {
		f.client.gate(strings.ToLower(u.Host)).slowDown(ctx, delay)
	}
	if !ok {
		if it.Title == "" {
			return indexer.Article{}, fmt.Errorf("%s: %w", it.URL, ErrRobots)
		}
		a := indexer.Article{Title: it.Title, Body: it.Summary, Author: it.Author, Source: src.Name,
			URL: it.URL, Published: it.Published, Meta: map[string]string{"fetched": "feed only (robots.txt)"}}
		a.ID = indexer.URLID(a.URL)
		return a, nil
	}
	p, err := f.page(ctx, it.URL)
	if err != nil {
		return indexer.Article{}, err
	}
	a := indexer.Article{Title: p.Title, Body: p.Body, Author: p.Author, Source: src.Name,
		URL: p.Canonical, Published: p.Published}
	if a.Title == "" {
		a.Title = it.Title
	}
	if a.Author == "" {
		a.Author = it.Author
	}
	if a.Published.IsZero() {
		a.Published = it.Published
	}
	a.ID = indexer.URLID(a.URL)
	return a, nil
}

// Page fetches one page, politely (robots.txt, the per-host delay) and
// safely (the address checks and caps), and extracts its article. It is
// for pages known without a feed, such as the URLs of another tool's
// export. Errors wrap ErrRobots, ErrNoArticle, ErrTooLarge or
// ErrForbiddenAddress when those are the cause.
func (f *Fetcher) Page(ctx context.Context, pageURL string) (Page, error) {
	u, err := checkURL(pageURL)
	if err != nil {
		return Page{}, fmt.Errorf("%s: %w", pageURL, err)
	}
	ok, delay, err := f.client.robotsAllowed(ctx, f.robots, u)
	if err != nil {
		return Page{}, err
	}
	if delay > f.opts.HostDelay {
		f.client.gate(strings.ToLower(u.Host)).slowDown(ctx, delay)
	}
	if !ok {
		return Page{}, fmt.Errorf("%s: %w", pageURL, ErrRobots)
	}
	return f.page(ctx, pageURL)
}

// page fetches and extracts a page whose robots.txt has been consulted.
func (f *Fetcher) page(ctx context.Context, pageURL string) (Page, error) {
	resp, err := f.client.get(ctx, pageURL, nil, f.opts.MaxPageBytes)
	if err != nil {
		return Page{}, err
	}
	ct := resp.Header.Get("Content-Type")
	if ct != "" && !strings.Contains(ct, "html") {
		return Page{}, fmt.Errorf("%s: %w (Content-Type %s)", pageURL, ErrNoArticle, ct)
	}
	p, err := Extract(resp.Body, resp.FinalURL, ct)
	if err != nil {
		return Page{}, fmt.Errorf("%s: %w", pageURL, err)
	}
	return p, nil
}

// Health reports how each source is doing (see State.Sources).
func (f *Fetcher) Health() []SourceHealth {
	return f.state.Sources(f.sources, time.Now(), f.opts.StaleAfter)
}
