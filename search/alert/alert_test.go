package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"newsdex/indexer"
	"newsdex/search"
)

// webhook records payloads; the first failures requests get a 500.
type webhook struct {
	mu        sync.Mutex
	failures  int
	failAfter *int // when set, batches taken before every request fails
	calls     int
	got       []Payload
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	if w.failAfter != nil && len(w.got) >= *w.failAfter {
		http.Error(rw, "down", http.StatusServiceUnavailable)
		return
	}
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

// archive is a real index, ingester and search service, as serve has them.
type archive struct {
	t   *testing.T
	w   *indexer.Writer
	svc *search.Service
	n   int
}

func newArchive(t *testing.T, lim search.Limits) *archive {
	t.Helper()
	idx, err := indexer.NewMemIndex()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	logger := slog.New(slog.DiscardHandler)
	ing := indexer.NewIngester(idx, indexer.IngestOptions{BatchDocs: 97, Workers: 2}, logger, nil, nil)
	svc, err := search.NewService(idx, lim, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &archive{t: t, w: indexer.NewWriter(idx, ing), svc: svc}
}

// write ingests one write of articles with the given IDs and titles
// ("strike at the docks" matches the test alert). Undated, like many
// fetched pages.
func (a *archive) write(ids []string, title string) {
	a.t.Helper()
	var recs []indexer.Record
	for _, id := range ids {
		recs = append(recs, indexer.Record{File: "test", Article: indexer.Article{ID: id, Title: title, Body: title + " " + id, Source: "Harbour Times"}})
	}
	sum, err := a.w.Ingest(context.Background(), func(ctx context.Context, emit func(indexer.Record) error) error {
		for _, r := range recs {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	if err != nil || sum.Indexed != len(ids) {
		a.t.Fatalf("ingest: %d of %d, %v", sum.Indexed, len(ids), err)
	}
}

func (a *archive) settled() string {
	a.t.Helper()
	s, err := a.w.Settled(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	return s
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return out
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

var strikeAlert = Alert{Name: "strikes", Query: "strike", Filters: search.Filters{Sources: []string{"Harbour Times"}}}

func TestAlerts(t *testing.T) {
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	arc := newArchive(t, search.Limits{})
	arc.write([]string{"old1", "old2"}, "strike at the docks")
	state := filepath.Join(t.TempDir(), "alerts.json")
	opts := Options{BatchSize: 2, PageSize: 2, Backoff: time.Millisecond, Retries: 2}
	al := strikeAlert
	al.Webhook = srv.URL
	a, err := New([]Alert{al}, state, opts, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// The first check starts from now and sends nothing.
	if err := a.Check(ctx, arc.svc, arc.settled()); err != nil {
		t.Fatal(err)
	}
	if calls, _ := hook.stats(); calls != 0 {
		t.Fatalf("first check sent %d requests", calls)
	}

	// Three new matches and one that does not match: two batches, the
	// first retried after a 500.
	arc.write([]string{"n1", "n2", "n3"}, "strike at the docks")
	arc.write([]string{"x1"}, "calm at the docks")
	hook.set(1)
	if err := a.Check(ctx, arc.svc, arc.settled()); err != nil {
		t.Fatal(err)
	}
	calls, batches := hook.stats()
	if got := fmt.Sprint(hook.ids()); got != "[n1 n2 n3]" || batches != 2 || calls != 3 {
		t.Errorf("sent %s in %d batches, %d calls", got, batches, calls)
	}
	if p := hook.got[0]; p.Alert != "strikes" || p.Query != "strike" || p.Articles[0].Title != "strike at the docks" || p.Articles[0].Source != "Harbour Times" {
		t.Errorf("payload = %+v", p)
	}

	// Nothing new: nothing sent, also after a restart from the state
	// file; an article written again (an updated page) is not sent again.
	arc.write([]string{"n2"}, "strike at the docks")
	a2, err := New([]Alert{al}, state, opts, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := a2.Check(ctx, arc.svc, arc.settled()); err != nil {
		t.Fatal(err)
	}
	if len(hook.ids()) != 3 {
		t.Errorf("sent again: %v", hook.ids())
	}

	// A webhook that keeps failing: an error, and the article is sent at
	// the next check once it recovers, exactly once.
	arc.write([]string{"n4"}, "strike at the docks")
	hook.set(10)
	if err := a2.Check(ctx, arc.svc, arc.settled()); err == nil {
		t.Error("failing webhook: no error")
	}
	hook.set(0)
	for range 2 {
		if err := a2.Check(ctx, arc.svc, arc.settled()); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(hook.ids()); got != "[n1 n2 n3 n4]" {
		t.Errorf("sent %s", got)
	}
}

// TestAlertsBurst: a burst of writes far larger than the 500 newest
// matches the alerts once looked at is sent whole, each article once,
// and a webhook failing halfway resumes after the last batch it took.
func TestAlertsBurst(t *testing.T) {
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	arc := newArchive(t, search.Limits{})
	al := strikeAlert
	al.Webhook = srv.URL
	state := filepath.Join(t.TempDir(), "alerts.json")
	opts := Options{BatchSize: 100, Backoff: time.Millisecond, Retries: -1}
	a, err := New([]Alert{al}, state, opts, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.Check(ctx, arc.svc, arc.settled()); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := range 3 { // three writes between two checks: 1,500 matches
		batch := ids(fmt.Sprintf("w%d-", i), 500)
		arc.write(batch, "strike at the docks")
		arc.write(ids(fmt.Sprintf("calm%d-", i), 50), "calm at the docks")
		for _, id := range batch {
			want[id] = true
		}
	}
	// The webhook takes 7 batches, then fails: the check stops there.
	hook.set(0)
	failAfter := 7
	hook.mu.Lock()
	hook.failAfter = &failAfter
	hook.mu.Unlock()
	if err := a.Check(ctx, arc.svc, arc.settled()); err == nil {
		t.Fatal("failing webhook: no error")
	}
	if n := len(hook.ids()); n != 700 {
		t.Fatalf("sent %d before the failure, want 700", n)
	}
	hook.mu.Lock()
	hook.failAfter = nil
	hook.mu.Unlock()
	// A restart resumes from the state file.
	a2, err := New([]Alert{al}, state, opts, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := a2.Check(ctx, arc.svc, arc.settled()); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, id := range hook.ids() {
		got[id]++
	}
	for id, n := range got {
		if n != 1 || !want[id] {
			t.Errorf("%s sent %d times (wanted: %v)", id, n, want[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("sent %d distinct articles, want %d", len(got), len(want))
	}
}

// TestAlertsManyWrites: when the writes since the last check are more
// than a range search may expand to, the range is halved until it fits,
// and nothing is lost.
func TestAlertsManyWrites(t *testing.T) {
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	arc := newArchive(t, search.Limits{MaxTermExpansion: 8})
	al := strikeAlert
	al.Webhook = srv.URL
	a, err := New([]Alert{al}, "", Options{BatchSize: 3}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.Check(ctx, arc.svc, arc.settled()); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		arc.write([]string{fmt.Sprintf("s%02d", i)}, "strike at the docks")
	}
	sr := &countingSearcher{Searcher: arc.svc}
	if err := a.Check(ctx, sr, arc.settled()); err != nil {
		t.Fatal(err)
	}
	if got := len(hook.ids()); got != 20 {
		t.Errorf("sent %d of 20: %v", got, hook.ids())
	}
	if sr.tooMany == 0 {
		t.Error("no search expanded too far: the test does not test the halving")
	}
}

// TestRun: writes through the Writer kick the alerts, which post every
// new match without a check being asked for.
func TestRun(t *testing.T) {
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	arc := newArchive(t, search.Limits{})
	al := strikeAlert
	al.Webhook = srv.URL
	a, err := New([]Alert{al}, "", Options{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	kick := make(chan struct{}, 1)
	arc.w.OnWrite = func(indexer.Summary) {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx, arc.svc, arc.w.Settled, kick) }()
	t.Cleanup(func() { cancel(); <-done })
	// Run's first check starts the alert; wait until it has.
	waitFor(t, func() bool { a.mu.Lock(); defer a.mu.Unlock(); return a.state[al.Name] != nil })
	for i := range 5 {
		arc.write([]string{fmt.Sprintf("r%d", i)}, "strike at the docks")
	}
	waitFor(t, func() bool { return len(hook.ids()) == 5 })
}

// countingSearcher counts the searches refused for expanding too far.
type countingSearcher struct {
	Searcher
	tooMany int
}

func (c *countingSearcher) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	res, err := c.Searcher.Search(ctx, req)
	if errors.Is(err, search.ErrTooManyTerms) {
		c.tooMany++
	}
	return res, err
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStateFile: a damaged state file is an error naming it; the layout
// before ingest stamps starts its alerts afresh; a bad stamp is refused.
func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content, wantErr string
	}{
		{"old layout", `{"strikes": ["a", "b"], "alerts": ["c"]}`, ""},
		{"current layout", `{"alerts": {"strikes": {"after": "2026-12-01T10:00:00.000000000Z", "sent": ["a"]}}}`, ""},
		{"truncated", `{"alerts": {"strikes": {"after": "2026-`, "alert state"},
		{"bad stamp", `{"alerts": {"strikes": {"after": "yesterday"}}}`, `bad stamp "yesterday"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			a, err := New([]Alert{strikeAlert}, path, Options{}, testLogger(t))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Errorf("err = %v, want it to name %s and say %q", err, path, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st := a.state["strikes"]; tt.name == "old layout" && st != nil {
				t.Errorf("old layout kept state %+v", st)
			} else if tt.name == "current layout" && (st == nil || st.After != "2026-12-01T10:00:00.000000000Z" || !st.sent["a"]) {
				t.Errorf("state = %+v", st)
			}
		})
	}
	// Check refuses an upper stamp that is not one.
	a, _ := New(nil, "", Options{}, testLogger(t))
	if err := a.Check(context.Background(), nil, "now"); err == nil || !strings.Contains(err.Error(), `bad ingest stamp "now"`) {
		t.Errorf("Check with a bad stamp: %v", err)
	}
}
