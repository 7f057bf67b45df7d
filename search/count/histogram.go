package count

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"

	"newsdex/indexer"
)

const (
	// HistogramFacet is the internal facet name for counts over time.
	HistogramFacet = "_histogram"
	// maxHistogramDays caps the day buckets read back: 100 years of days.
	maxHistogramDays = 36600
)

// Bucket is one interval of the counts over time.
type Bucket struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// DaysFacet is the facet request whose day counts Histogram rolls up.
func DaysFacet() *bleve.FacetRequest {
	return bleve.NewFacetRequest(indexer.FieldPublishedDay, maxHistogramDays)
}

// Histogram rolls the per-day counts of a terms facet on published_day up
// into day, week (ISO, keyed by its Monday), month or year buckets, in
// time order. One facet serves every interval, and the counts are exact.
func Histogram(fr *bsearch.FacetResult, interval string) []Bucket {
	out := []Bucket{}
	if fr == nil || fr.Terms == nil {
		return out
	}
	counts := map[string]int{}
	for _, t := range fr.Terms.Terms() {
		day, err := time.Parse(time.DateOnly, t.Term)
		if err != nil {
			continue
		}
		counts[bucketKey(day, interval)] += t.Count
	}
	for k, c := range counts {
		out = append(out, Bucket{Key: k, Count: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func bucketKey(day time.Time, interval string) string {
	switch interval {
	case "year":
		return day.Format("2006")
	case "month":
		return day.Format("2006-01")
	case "week":
		wd := (int(day.Weekday()) + 6) % 7 // Monday = 0
		return day.AddDate(0, 0, -wd).Format(time.DateOnly)
	}
	return day.Format(time.DateOnly)
}

// dayBuckets maps each day value (by its number) to its bucket in each
// histogram interval, so counting over time needs no date parsing per
// search; the table grows as new days are numbered.
type dayBuckets struct {
	mu   sync.Mutex
	keys [4][]string         // per interval: bucket key by bucket number
	ids  [4]map[string]int32 // per interval: bucket number by key
	of   [4][]int32          // per interval: bucket number by day number; -1 not a date
}

func (b *dayBuckets) init() {
	for i := range b.ids {
		b.ids[i] = map[string]int32{}
	}
}

// table returns, for the interval, the bucket of every day in days and the
// bucket keys. The returned slices are read without a lock: later calls
// only append.
func (b *dayBuckets) table(interval int, days []string) ([]int32, []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for v := len(b.of[interval]); v < len(days); v++ {
		day, err := time.Parse(time.DateOnly, days[v])
		if err != nil {
			b.of[interval] = append(b.of[interval], -1)
			continue
		}
		key := bucketKey(day, Intervals[interval])
		id, ok := b.ids[interval][key]
		if !ok {
			id = int32(len(b.keys[interval]))
			b.ids[interval][key] = id
			b.keys[interval] = append(b.keys[interval], key)
		}
		b.of[interval] = append(b.of[interval], id)
	}
	return b.of[interval], b.keys[interval]
}

// Histogram is the counts over time of the search: from the counted days
// when the hook counted them, else from Bleve's day facet fr, as the
// function Histogram does. fc may be nil. The buckets are the same
// either way.
func (fc *Counter) Histogram(fr *bsearch.FacetResult, interval string) []Bucket {
	iv := slices.Index(Intervals, interval)
	if fc == nil || fc.counts[SlotDay] == nil || iv < 0 {
		return Histogram(fr, interval)
	}
	of, keys := fc.cache.days.table(iv, fc.terms[SlotDay])
	counts := make([]int, len(keys))
	for v, n := range fc.counts[SlotDay] {
		if n > 0 && of[v] >= 0 {
			counts[of[v]] += int(n)
		}
	}
	out := []Bucket{}
	for b, n := range counts {
		if n > 0 {
			out = append(out, Bucket{Key: keys[b], Count: n})
		}
	}
	slices.SortFunc(out, func(a, b Bucket) int { return strings.Compare(a.Key, b.Key) })
	return out
}
