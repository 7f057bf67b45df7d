package fetch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// State is what the fetcher remembers between polls and runs: each
// feed's validators and health, and each item it has taken, so a page is
// fetched again only when its feed says it changed.
type State struct {
	mu    sync.Mutex
	path  string
	Feeds map[string]*FeedState `json:"feeds"`
	Items map[string]ItemState  `json:"items"` // by normalised item URL
}

// FeedState is one feed's conditional-GET validators and health.
type FeedState struct {
	Source       string    `json:"source"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastPoll     time.Time `json:"last_poll,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	Failures     int       `json:"failures,omitempty"` // in a row
	NextPoll     time.Time `json:"next_poll,omitzero"`
	Articles     int       `json:"articles"` // indexed from this feed, all time
	LastArticle  time.Time `json:"last_article,omitzero"`
	// Listed is when the feed last answered with its items (not 304):
	// an item seen then is still in the feed.
	Listed time.Time `json:"listed,omitzero"`
	// All-time counts, for /metrics: polls, failed polls, and of the
	// articles indexed those new and those updated.
	Polls   int `json:"polls,omitempty"`
	Failed  int `json:"failed,omitempty"`
	Added   int `json:"added,omitempty"`
	Updated int `json:"updated,omitempty"`
}

// ItemState is one item taken from a feed.
type ItemState struct {
	Stamp   string    `json:"stamp,omitempty"` // the feed's date for it when taken
	ID      string    `json:"id,omitempty"`    // the article's ID; "" if the page gave none
	Source  string    `json:"source,omitempty"`
	Fetched time.Time `json:"fetched"`
	// Feed and Seen are the feed that last listed the item and when
	// (its Listed then): pruning keeps items their feed still lists.
	Feed string    `json:"feed,omitempty"`
	Seen time.Time `json:"seen,omitzero"`
}

// OpenState reads the state file at path, or starts an empty one if
// there is none. path "" keeps the state in memory only.
func OpenState(path string) (*State, error) {
	s := &State{path: path, Feeds: map[string]*FeedState{}, Items: map[string]ItemState{}}
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read fetch state: %w", err)
	}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("fetch state %s: %w", path, err)
	}
	if s.Feeds == nil {
		s.Feeds = map[string]*FeedState{}
	}
	if s.Items == nil {
		s.Items = map[string]ItemState{}
	}
	return s, nil
}

// Save writes the state atomically (temporary file, then rename).
func (s *State) Save() error {
	if s.path == "" {
		return nil
	}
	s.mu.Lock()
	b, err := json.MarshalIndent(s, "", " ")
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode fetch state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".fetch-state-*")
	if err != nil {
		return fmt.Errorf("save fetch state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("save fetch state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save fetch state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("save fetch state: %w", err)
	}
	return nil
}

func (s *State) feed(url, source string) *FeedState {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.Feeds[url]
	if !ok {
		f = &FeedState{Source: source}
		s.Feeds[url] = f
	}
	return f
}

// update runs fn on a feed's state under the lock.
func (s *State) update(fs *FeedState, fn func(*FeedState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(fs)
}

func (s *State) item(key string) (ItemState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.Items[key]
	return it, ok
}

func (s *State) setItem(key string, it ItemState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Items[key] = it
}

// seen records that feed listed the items at keys when it answered at
// listed, so that pruning keeps them however old they are.
func (s *State) seen(feed string, listed time.Time, keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if it, ok := s.Items[k]; ok {
			it.Feed, it.Seen = feed, listed
			s.Items[k] = it
		}
	}
}

// Prune forgets what the fetcher no longer needs, so the state does not
// grow for ever: feeds not in l (their validators, health and backoff),
// and items last seen before before, unless the feed that listed them
// still does. A pruned item that turns up in a feed again is fetched
// again, which updates its article rather than duplicating it. It
// returns how many feeds and items it removed.
func (s *State) Prune(l *SourceList, before time.Time) (feeds, items int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[string]bool{}
	for _, src := range l.Sources {
		for _, u := range src.Feeds {
			want[u] = true
		}
	}
	for u := range s.Feeds {
		if !want[u] {
			delete(s.Feeds, u)
			feeds++
		}
	}
	for k, it := range s.Items {
		last := it.Seen
		if last.IsZero() {
			last = it.Fetched
		}
		if !last.Before(before) {
			continue
		}
		if fs, ok := s.Feeds[it.Feed]; ok && !it.Seen.IsZero() && !it.Seen.Before(fs.Listed) {
			continue // in its feed's latest listing
		}
		delete(s.Items, k)
		items++
	}
	return feeds, items
}

// Health is a snapshot of every feed's state, by feed URL.
func (s *State) Health() map[string]FeedState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]FeedState, len(s.Feeds))
	for k, v := range s.Feeds {
		out[k] = *v
	}
	return out
}

// SourceHealth is how one source has been doing.
type SourceHealth struct {
	Name        string    `json:"name"`
	Feeds       int       `json:"feeds"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"` // of a feed failing now
	FailingFeed string    `json:"failing_feed,omitempty"`
	LastArticle time.Time `json:"last_article,omitzero"`
	LastDay     int       `json:"articles_last_day"`
	Total       int       `json:"articles_total"`
	Stale       bool      `json:"stale"` // no article for staleAfter
	// All-time counts over the source's feeds: polls, failed polls, and
	// articles indexed new or again after an update.
	Fetches  int `json:"fetches"`
	Failures int `json:"failures"`
	Added    int `json:"articles_added"`
	Updated  int `json:"articles_updated"`
}

// Sources summarises the state per source of l, in l's order. A source
// that has produced no article for staleAfter (0: never flag) is stale.
func (s *State) Sources(l *SourceList, now time.Time, staleAfter time.Duration) []SourceHealth {
	s.mu.Lock()
	defer s.mu.Unlock()
	day := map[string]int{}
	for _, it := range s.Items {
		if it.ID != "" && now.Sub(it.Fetched) < 24*time.Hour {
			day[it.Source]++
		}
	}
	var out []SourceHealth
	for _, src := range l.Sources {
		h := SourceHealth{Name: src.Name, Feeds: len(src.Feeds), LastDay: day[src.Name]}
		for _, u := range src.Feeds {
			fs, ok := s.Feeds[u]
			if !ok {
				continue
			}
			if fs.LastSuccess.After(h.LastSuccess) {
				h.LastSuccess = fs.LastSuccess
			}
			if fs.LastArticle.After(h.LastArticle) {
				h.LastArticle = fs.LastArticle
			}
			if fs.LastError != "" && h.LastError == "" {
				h.LastError, h.FailingFeed = fs.LastError, u
			}
			h.Total += fs.Articles
			h.Fetches += fs.Polls
			h.Failures += fs.Failed
			h.Added += fs.Added
			h.Updated += fs.Updated
		}
		first := h.LastArticle
		if first.IsZero() {
			for _, u := range src.Feeds {
				if fs, ok := s.Feeds[u]; ok && !fs.LastPoll.IsZero() && (first.IsZero() || fs.LastPoll.Before(first)) {
					first = fs.LastPoll
				}
			}
		}
		h.Stale = staleAfter > 0 && !first.IsZero() && now.Sub(first) > staleAfter
		out = append(out, h)
	}
	return out
}
