package search

import (
	"sort"
	"time"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

const (
	// histogramFacet is the internal facet name for counts over time.
	histogramFacet = "_histogram"
	// maxHistogramDays caps the day buckets read back: 100 years of days.
	maxHistogramDays = 36600
)

// histogram rolls the per-day counts of a terms facet on published_day up
// into day, week (ISO, keyed by its Monday), month or year buckets, in
// time order. One facet serves every interval, and the counts are exact.
func histogram(fr *bsearch.FacetResult, interval string) []Bucket {
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
