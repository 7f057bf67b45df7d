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
}

// ItemState is one item taken from a feed.
type ItemState struct {
	Stamp   string    `json:"stamp,omitempty"` // the feed's date for it when taken
	ID      string    `json:"id,omitempty"`    // the article's ID; "" if the page gave none
	Fetched time.Time `json:"fetched"`
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
