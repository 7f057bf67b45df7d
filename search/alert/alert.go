// Package alert runs saved searches over the articles that entered the
// index since it last looked, and posts their matches to webhooks:
// batched, retried with backoff, and never twice for the same article.
//
// Every write stamps its articles with an ingest stamp that only grows
// (indexer.FieldIngested). Each alert keeps how far through the stamps it
// has posted, and reads everything after that, in stamp order, up to a
// stamp at which no write is half done. So no burst of writes, however
// large, is skipped, and a restart resumes where the last run stopped.
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
	"slices"
	"sync"
	"time"

	"newsdex/indexer"
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
	PageSize  int           // search page size, at most the service's max size (default 100)
	Retries   int           // extra attempts per POST (default 3)
	Backoff   time.Duration // before the first retry, doubling (default 2s)
	Timeout   time.Duration // per POST (default 10s)
	Recheck   time.Duration // after a failed check, Run checks again this soon (default 1m)
}

func (o *Options) setDefaults() {
	if o.BatchSize <= 0 {
		o.BatchSize = 50
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
	if o.Recheck <= 0 {
		o.Recheck = time.Minute
	}
}

// Alerter checks alerts. Its state (how far each alert has read, and the
// articles it has sent) is kept in a JSON file so that nothing is sent
// twice and nothing is missed across restarts.
type Alerter struct {
	alerts []Alert
	opts   Options
	logger *slog.Logger
	client *http.Client
	path   string

	mu    sync.Mutex // one Check at a time; guards state
	state map[string]*alertState
}

// alertState is how far one alert has read and posted.
type alertState struct {
	// After is the last article posted, in (stamp, ID) order; an empty
	// AfterID means every article with stamp After is done.
	After   string `json:"after"`
	AfterID string `json:"after_id,omitempty"`
	// Sent holds the articles posted, so that an article written again
	// (a page that was updated) is not sent again.
	Sent []string `json:"sent"`

	sent map[string]bool
}

// stateFile is the alert state file's layout.
type stateFile struct {
	Alerts map[string]*alertState `json:"alerts"`
}

// New returns an Alerter whose state lives at statePath ("" keeps it in
// memory). It fails if the state file exists and cannot be read.
func New(alerts []Alert, statePath string, opts Options, logger *slog.Logger) (*Alerter, error) {
	opts.setDefaults()
	a := &Alerter{alerts: alerts, opts: opts, logger: logger, path: statePath,
		client: &http.Client{Timeout: opts.Timeout}, state: map[string]*alertState{}}
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
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		// The layout before ingest stamps (alert name → sent IDs): its
		// alerts start again from now, as new ones do.
		var old map[string][]string
		if json.Unmarshal(b, &old) != nil {
			return nil, fmt.Errorf("alert state %s: %w", statePath, err)
		}
		st.Alerts = nil
	}
	for name, as := range st.Alerts {
		if as == nil {
			continue
		}
		if _, err := time.Parse(indexer.IngestStampLayout, as.After); err != nil {
			return nil, fmt.Errorf("alert state %s: alert %q: bad stamp %q", statePath, name, as.After)
		}
		as.sent = make(map[string]bool, len(as.Sent))
		for _, id := range as.Sent {
			as.sent[id] = true
		}
		a.state[name] = as
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

// Check runs every alert over the articles written since it last looked,
// up to the ingest stamp upTo (indexer.Ingester.Settled: no write at or
// before it is half done), and posts the matches. The first time an
// alert runs it starts at upTo, so adding an alert does not send the
// whole archive. A webhook that still fails after the retries gets the
// same articles at the next Check; one alert failing does not stop the
// others. The error joins every alert's error.
func (a *Alerter) Check(ctx context.Context, sr Searcher, upTo string) error {
	if _, err := time.Parse(indexer.IngestStampLayout, upTo); err != nil {
		return fmt.Errorf("alerts: bad ingest stamp %q", upTo)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for _, al := range a.alerts {
		if err := a.check(ctx, sr, al, upTo); err != nil {
			if ctx.Err() != nil {
				_ = a.save()
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

func (a *Alerter) check(ctx context.Context, sr Searcher, al Alert, upTo string) error {
	st := a.state[al.Name]
	if st == nil {
		a.state[al.Name] = &alertState{After: upTo, sent: map[string]bool{}}
		a.logger.Info("alert started", slog.String("alert", al.Name), slog.String("from", upTo))
		return nil
	}
	// Read [After, hi]. A range over so many writes that the search
	// expands to too many terms is halved until it does not.
	for hi := upTo; st.After < upTo; {
		err := a.scan(ctx, sr, al, st, hi)
		if errors.Is(err, search.ErrTooManyTerms) {
			mid, ok := midStamp(st.After, hi)
			if !ok {
				return err
			}
			hi = mid
			continue
		}
		if err != nil {
			return err
		}
		st.After, st.AfterID, hi = hi, "", upTo
	}
	return nil
}

// scan posts the matches of al with stamps from st.After to hi, in
// (stamp, ID) order, moving st forward after each batch that went out.
func (a *Alerter) scan(ctx context.Context, sr Searcher, al Alert, st *alertState, hi string) error {
	req := search.Request{Query: al.Query, Filters: al.Filters, Sort: search.SortIngested, Size: a.opts.PageSize,
		IngestedFrom: st.After, IngestedTo: hi}
	var fresh []Article
	var stamps []string
	flush := func(all bool) error {
		for len(fresh) >= a.opts.BatchSize || (all && len(fresh) > 0) {
			n := min(a.opts.BatchSize, len(fresh))
			if err := a.post(ctx, al, fresh[:n]); err != nil {
				return err
			}
			for i, f := range fresh[:n] {
				st.sent[f.ID] = true
				st.After, st.AfterID = stamps[i], f.ID
			}
			a.logger.Info("alert sent", slog.String("alert", al.Name), slog.Int("articles", n))
			fresh, stamps = fresh[n:], stamps[n:]
		}
		return nil
	}
	from, fromID := st.After, st.AfterID
	for {
		res, err := sr.Search(ctx, req)
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		for _, h := range res.Hits {
			stamp, ok := hitStamp(h)
			if !ok || stamp < from || (stamp == from && (fromID == "" || h.ID <= fromID)) {
				continue // posted before (or, an old article without a stamp)
			}
			if st.sent[h.ID] {
				continue // posted before and written again since
			}
			fresh = append(fresh, Article{ID: h.ID, Title: h.Title, URL: h.URL, Source: h.Source, Published: h.Published, Snippet: h.Snippet})
			stamps = append(stamps, stamp)
		}
		if err := flush(false); err != nil {
			return err
		}
		if res.NextCursor == "" || len(res.Hits) == 0 {
			break
		}
		req.Cursor = res.NextCursor
	}
	return flush(true)
}

// hitStamp reads a hit's ingest stamp back into indexer.IngestStampLayout.
func hitStamp(h search.Hit) (string, bool) {
	t, err := time.Parse(time.RFC3339Nano, h.Ingested)
	if err != nil {
		return "", false
	}
	return t.UTC().Format(indexer.IngestStampLayout), true
}

// midStamp is the stamp halfway between lo and hi, if there is one
// strictly between them.
func midStamp(lo, hi string) (string, bool) {
	l, err1 := time.Parse(indexer.IngestStampLayout, lo)
	h, err2 := time.Parse(indexer.IngestStampLayout, hi)
	if err1 != nil || err2 != nil || h.Sub(l) < 2 {
		return "", false
	}
	return l.Add(h.Sub(l) / 2).Format(indexer.IngestStampLayout), true
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
		if err := ctx.Err(); err != nil {
			return err
		}
		// A post under way finishes even if ctx ends (a shutdown), within
		// the client's timeout: cut off after the webhook took it, it would
		// not be recorded as sent and would go out again at the next start.
		err = a.postOnce(context.WithoutCancel(ctx), al.Webhook, body)
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

// save writes the state atomically.
func (a *Alerter) save() error {
	if a.path == "" {
		return nil
	}
	st := stateFile{Alerts: a.state}
	for _, as := range a.state {
		as.Sent = as.Sent[:0]
		for id := range as.sent {
			as.Sent = append(as.Sent, id)
		}
		slices.Sort(as.Sent)
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

// Run checks the alerts at once (articles written while nothing was
// watching, such as by newsdex index, are caught up), then after every
// signal on kick, until ctx ends. Signals that arrive during a check
// make one more check, so a write is never left unread. settled gives
// each check's upper stamp (indexer.Ingester.Settled). Errors are logged.
func (a *Alerter) Run(ctx context.Context, sr Searcher, settled func(context.Context) (string, error), kick <-chan struct{}) {
	for {
		upTo, err := settled(ctx)
		if err == nil {
			err = a.Check(ctx, sr, upTo)
		}
		var again <-chan time.Time // a failed check is tried again without waiting for a write
		if err != nil && ctx.Err() == nil {
			a.logger.Error("alerts", slog.String("error", err.Error()))
			again = time.After(a.opts.Recheck)
		}
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-again:
		}
	}
}
