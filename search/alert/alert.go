// Package alert runs saved searches after new articles arrive and posts
// their new matches to webhooks: batched, retried with backoff, and never
// twice for the same article.
package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"newsdex/search"
)

// Alert is a saved search and where its new matches go.
type Alert struct {
	Name    string
	Query   string
	Filters search.Filters
	Webhook string
}

// Searcher runs searches; *search.Service is one.
type Searcher interface {
	Search(ctx context.Context, req search.Request) (*search.Result, error)
}

// Options tune the alerter. Zero values take the defaults.
type Options struct {
	BatchSize int           // articles per POST (default 50)
	Window    int           // newest matches examined per check (default 500)
	PageSize  int           // search page size, at most the service's max size (default 100)
	Retries   int           // extra attempts per POST (default 3)
	Backoff   time.Duration // before the first retry, doubling (default 2s)
	Timeout   time.Duration // per POST (default 10s)
}

func (o *Options) setDefaults() {
	if o.BatchSize <= 0 {
		o.BatchSize = 50
	}
	if o.Window <= 0 {
		o.Window = 500
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = 2 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
}

// Alerter checks alerts. Its state (the articles each alert has sent) is
// kept in a JSON file so that nothing is sent twice across restarts.
type Alerter struct {
	alerts []Alert
	opts   Options
	logger *slog.Logger
	client *http.Client
	path   string

	mu   sync.Mutex // one Check at a time; guards sent
	sent map[string]map[string]bool
}

// New returns an Alerter whose state lives at statePath ("" keeps it in
// memory). It fails if the state file exists and cannot be read.
func New(alerts []Alert, statePath string, opts Options, logger *slog.Logger) (*Alerter, error) {
	opts.setDefaults()
	a := &Alerter{alerts: alerts, opts: opts, logger: logger, path: statePath,
		client: &http.Client{Timeout: opts.Timeout}, sent: map[string]map[string]bool{}}
	if statePath == "" {
		return a, nil
	}
	b, err := os.ReadFile(statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return a, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read alert state: %w", err)
	}
	var st map[string][]string
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("alert state %s: %w", statePath, err)
	}
	for name, ids := range st {
		m := make(map[string]bool, len(ids))
		for _, id := range ids {
			m[id] = true
		}
		a.sent[name] = m
	}
	return a, nil
}

// Payload is the JSON body POSTed to a webhook.
type Payload struct {
	Alert    string    `json:"alert"`
	Query    string    `json:"q"`
	Articles []Article `json:"articles"`
}

// Article is one new match in a Payload.
type Article struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	URL       string `json:"url,omitempty"`
	Source    string `json:"source,omitempty"`
	Published string `json:"published,omitempty"`
	Snippet   string `json:"snippet,omitempty"`
}

// Check runs every alert and posts its new matches. The first time an
// alert runs, its current matches are taken as already known, so adding
// an alert does not send the whole archive. A webhook that still fails
// after the retries gets the same articles at the next Check; one alert
// failing does not stop the others. The error joins every alert's error.
func (a *Alerter) Check(ctx context.Context, sr Searcher) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for _, al := range a.alerts {
		if err := a.check(ctx, sr, al); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			a.logger.Warn("alert failed", slog.String("alert", al.Name), slog.String("error", err.Error()))
			errs = append(errs, fmt.Errorf("alert %q: %w", al.Name, err))
		}
	}
	if err := a.save(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (a *Alerter) check(ctx context.Context, sr Searcher, al Alert) error {
	sent, known := a.sent[al.Name]
	if !known {
		sent = map[string]bool{}
		a.sent[al.Name] = sent
	}
	var fresh []Article
	req := search.Request{Query: al.Query, Filters: al.Filters, Sort: "-date", Size: a.opts.PageSize}
	for seen := 0; seen < a.opts.Window; {
		res, err := sr.Search(ctx, req)
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		for _, h := range res.Hits {
			if !sent[h.ID] {
				fresh = append(fresh, Article{ID: h.ID, Title: h.Title, URL: h.URL, Source: h.Source, Published: h.Published, Snippet: h.Snippet})
			}
		}
		seen += len(res.Hits)
		if res.NextCursor == "" || len(res.Hits) == 0 {
			break
		}
		req.Cursor = res.NextCursor
	}
	if !known {
		for _, f := range fresh {
			sent[f.ID] = true
		}
		a.logger.Info("alert started", slog.String("alert", al.Name), slog.Int("known_matches", len(fresh)))
		return nil
	}
	for start := 0; start < len(fresh); start += a.opts.BatchSize {
		batch := fresh[start:min(start+a.opts.BatchSize, len(fresh))]
		if err := a.post(ctx, al, batch); err != nil {
			return err
		}
		for _, f := range batch {
			sent[f.ID] = true
		}
		a.logger.Info("alert sent", slog.String("alert", al.Name), slog.Int("articles", len(batch)))
	}
	return nil
}

// post sends one batch, retrying network errors and non-2xx statuses
// with backoff.
func (a *Alerter) post(ctx context.Context, al Alert, batch []Article) error {
	body, err := json.Marshal(Payload{Alert: al.Name, Query: al.Query, Articles: batch})
	if err != nil {
		return err
	}
	backoff := a.opts.Backoff
	for attempt := 0; ; attempt++ {
		err = a.postOnce(ctx, al.Webhook, body)
		if err == nil || attempt >= a.opts.Retries {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

func (a *Alerter) postOnce(ctx context.Context, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "newsdex-alerts/1.0")
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: HTTP status %d", resp.StatusCode)
	}
	return nil
}

// save writes the sent IDs atomically.
func (a *Alerter) save() error {
	if a.path == "" {
		return nil
	}
	st := make(map[string][]string, len(a.sent))
	for name, m := range a.sent {
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		st[name] = ids
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(a.path), ".alert-state-*")
	if err != nil {
		return fmt.Errorf("save alert state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save alert state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save alert state: %w", err)
	}
	if err := os.Rename(tmp.Name(), a.path); err != nil {
		return fmt.Errorf("save alert state: %w", err)
	}
	return nil
}
