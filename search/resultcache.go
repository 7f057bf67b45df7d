package search

import (
	"container/list"
	"encoding/json"
	"sync"
)

// defaultResultCache is how many results the service keeps when Limits
// does not say: at ~30 KB a UI result page, about 8 MB.
const defaultResultCache = 256

// maxCachedSize is the largest page worth keeping; export pages are larger
// and read once.
const maxCachedSize = 100

// resultCache keeps the results of recent first-page searches, keyed by
// the whole request and the version of the index they were computed on.
// Any write or merge changes the version (snapshotVersion), so a cached
// result is only ever served for the exact index content it was computed
// from, counts and all; entries for older versions are never hit again
// and age out. The version is read from the index in this process, which
// is enough: Bleve lets one process at a time open an index for writing,
// and not while others have it open for reading, so every write to the
// index this service searches goes through this process's bleve.Index.
type resultCache struct {
	mu  sync.Mutex
	max int
	ll  *list.List // of *cacheEntry, most recently used first
	m   map[string]*list.Element
}

type cacheEntry struct {
	key string
	res *Result
}

// newResultCache returns a cache of up to max results, or nil (no
// caching) when max is negative.
func newResultCache(max int) *resultCache {
	if max < 0 {
		return nil
	}
	if max == 0 {
		max = defaultResultCache
	}
	return &resultCache{max: max, ll: list.New(), m: map[string]*list.Element{}}
}

// resultKey is the cache key of a validated request on an index version,
// and false when the result should not be cached: no version (not a
// scorch index), later pages of a walk, full texts and export pages.
func resultKey(version string, req Request) (string, bool) {
	if version == "" || req.Cursor != "" || req.FullText || req.Size > maxCachedSize {
		return "", false
	}
	b, err := json.Marshal(req) // every field, so new request options are part of the key
	if err != nil {
		return "", false
	}
	return version + "\x00" + string(b), true
}

// get returns a copy of the cached result for key. The copy shares the
// hits and facets, which callers only read.
func (c *resultCache) get(key string) (*Result, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	res := *e.Value.(*cacheEntry).res
	return &res, true
}

// clear drops every cached result: the entities they count changed.
func (c *resultCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.m)
}

func (c *resultCache) put(key string, res *Result) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		e.Value.(*cacheEntry).res = res
		c.ll.MoveToFront(e)
		return
	}
	c.m[key] = c.ll.PushFront(&cacheEntry{key: key, res: res})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.m, old.Value.(*cacheEntry).key)
	}
}
