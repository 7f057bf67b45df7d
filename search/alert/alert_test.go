package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"newsdex/search"
)

// fakeSearcher answers every search with its hits, newest first, paged
// by a numeric cursor.
type fakeSearcher struct {
	mu   sync.Mutex
	hits []search.Hit
	reqs []search.Request
}

func (f *fakeSearcher) add(ids ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		f.hits = append([]search.Hit{{ID: id, Title: "Article " + id, URL: "https://example.org/" + id}}, f.hits...)
	}
}

func (f *fakeSearcher) Search(_ context.Context, req search.Request) (*search.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	from, _ := strconv.Atoi(req.Cursor)
	end := min(from+req.Size, len(f.hits))
	res := &search.Result{Total: uint64(len(f.hits)), Hits: append([]search.Hit(nil), f.hits[from:end]...)}
	if end < len(f.hits) {
		res.NextCursor = strconv.Itoa(end)
	}
	return res, nil
}

// webhook records payloads; the first failures requests get a 500.
type webhook struct {
	mu       sync.Mutex
	failures int
	calls    int
	got      []Payload
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	if w.failures > 0 {
		w.failures--
		http.Error(rw, "busy", http.StatusInternalServerError)
		return
	}
	var p Payload
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil || r.Header.Get("Content-Type") != "application/json" {
		http.Error(rw, "bad", http.StatusBadRequest)
		return
	}
	w.got = append(w.got, p)
}

func (w *webhook) set(failures int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failures = failures
}

func (w *webhook) stats() (calls, batches int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls, len(w.got)
}

func (w *webhook) ids() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	for _, p := range w.got {
		for _, a := range p.Articles {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

func TestAlerts(t *testing.T) {
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	sr := &fakeSearcher{}
	sr.add("old1", "old2")
	state := filepath.Join(t.TempDir(), "alerts.json")
	opts := Options{BatchSize: 2, PageSize: 2, Backoff: time.Millisecond, Retries: 2}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	al := []Alert{{Name: "strikes", Query: "strike", Filters: search.Filters{Sources: []string{"Harbour Times"}}, Webhook: srv.URL}}
	a, err := New(al, state, opts, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// The first check learns what already matches and sends nothing.
	if err := a.Check(ctx, sr); err != nil {
		t.Fatal(err)
	}
	if calls, _ := hook.stats(); calls != 0 {
		t.Fatalf("first check sent %d requests", calls)
	}
	if r := sr.reqs[0]; r.Query != "strike" || r.Sort != "-date" || len(r.Filters.Sources) != 1 {
		t.Errorf("search = %+v", r)
	}

	// Three new matches: two batches, the first retried after a 500.
	sr.add("n1", "n2", "n3")
	hook.set(1)
	if err := a.Check(ctx, sr); err != nil {
		t.Fatal(err)
	}
	calls, batches := hook.stats()
	if got := fmt.Sprint(hook.ids()); got != "[n3 n2 n1]" || batches != 2 || calls != 3 {
		t.Errorf("sent %s in %d batches, %d calls", got, batches, calls)
	}
	if hook.got[0].Alert != "strikes" || hook.got[0].Query != "strike" || hook.got[0].Articles[0].URL != "https://example.org/n3" {
		t.Errorf("payload = %+v", hook.got[0])
	}

	// Nothing new: nothing sent, also after a restart from the state file.
	a2, err := New(al, state, opts, logger)
	if err != nil {
		t.Fatal(err)
	}
	if err := a2.Check(ctx, sr); err != nil {
		t.Fatal(err)
	}
	if len(hook.ids()) != 3 {
		t.Errorf("sent again: %v", hook.ids())
	}

	// A webhook that keeps failing: an error, and the article is sent at
	// the next check once it recovers, exactly once.
	sr.add("n4")
	hook.set(10)
	if err := a2.Check(ctx, sr); err == nil {
		t.Error("failing webhook: no error")
	}
	hook.set(0)
	if err := a2.Check(ctx, sr); err != nil {
		t.Fatal(err)
	}
	if err := a2.Check(ctx, sr); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(hook.ids()); got != "[n3 n2 n1 n4]" {
		t.Errorf("sent %s", got)
	}
}
