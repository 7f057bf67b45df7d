package count

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Intervals are the bucket widths of a timeline, as keys are written:
// day 2006-01-02, week the Monday 2006-01-02 (ISO weeks), month 2006-01,
// year 2006.
var Intervals = []string{"day", "week", "month", "year"}

// keyLayout is the time layout of an interval's keys.
func keyLayout(interval string) (string, error) {
	switch interval {
	case "day", "week":
		return time.DateOnly, nil
	case "month":
		return "2006-01", nil
	case "year":
		return "2006", nil
	}
	return "", fmt.Errorf("unknown interval %q (want day, week, month or year)", interval)
}

// step advances t by one interval.
func step(t time.Time, interval string) time.Time {
	switch interval {
	case "week":
		return t.AddDate(0, 0, 7)
	case "month":
		return t.AddDate(0, 1, 0)
	case "year":
		return t.AddDate(1, 0, 0)
	}
	return t.AddDate(0, 0, 1)
}

// MaxKeys bounds how many buckets Keys returns: a century of days.
const MaxKeys = 36600

// Keys returns every bucket key from first to last inclusive, ascending,
// so that a timeline shows the empty periods between its dated articles.
// first and last must be keys of the interval, first ≤ last; at most
// MaxKeys keys are returned.
func Keys(first, last, interval string) ([]string, error) {
	layout, err := keyLayout(interval)
	if err != nil {
		return nil, err
	}
	from, err := time.Parse(layout, first)
	if err != nil {
		return nil, fmt.Errorf("bucket key %q: %w", first, err)
	}
	to, err := time.Parse(layout, last)
	if err != nil {
		return nil, fmt.Errorf("bucket key %q: %w", last, err)
	}
	if to.Before(from) {
		return nil, fmt.Errorf("bucket %s is after %s", first, last)
	}
	var out []string
	for t := from; !t.After(to); t = step(t, interval) {
		if len(out) == MaxKeys {
			return nil, fmt.Errorf("more than %d %s buckets from %s to %s; use a wider interval", MaxKeys, interval, first, last)
		}
		out = append(out, t.Format(layout))
	}
	return out, nil
}

// Share is count as a fraction of all, 0 when all is 0.
func Share(count, all int) float64 {
	if all <= 0 {
		return 0
	}
	return float64(count) / float64(all)
}

// ShareBucket is one period of a series: its matches and their share of
// all articles in the filters' scope that period.
type ShareBucket struct {
	Key   string  `json:"key"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

// Series is the attention one query (or one outlet's part of it) got.
type Series struct {
	Query   string        `json:"query"`
	Source  string        `json:"source,omitempty"` // with split=source
	Total   uint64        `json:"total"`            // matches, dated or not
	Buckets []ShareBucket `json:"buckets"`
}

// Part is one series as counted: its matches and their nonzero buckets.
type Part struct {
	Query, Source string
	Total         uint64
	Buckets       []Bucket
}

// Shares lays every part out on the same keys, from the first to the
// last bucket of all (every article in scope, the parts' matches among
// them, so no key is missed), with zeros filled in and each count's share
// of all's. It returns all on those keys and one series per part, in
// order. An error means the keys could not be listed (an unknown
// interval, too many buckets).
func Shares(interval string, all []Bucket, parts []Part) ([]Bucket, []Series, error) {
	var keys []string
	if len(all) > 0 {
		var err error
		if keys, err = Keys(all[0].Key, all[len(all)-1].Key, interval); err != nil {
			return nil, nil, err
		}
	}
	allCounts := bucketMap(all)
	outAll := make([]Bucket, 0, len(keys))
	for _, k := range keys {
		outAll = append(outAll, Bucket{Key: k, Count: allCounts[k]})
	}
	series := make([]Series, 0, len(parts))
	for _, p := range parts {
		counts := bucketMap(p.Buckets)
		se := Series{Query: p.Query, Source: p.Source, Total: p.Total, Buckets: make([]ShareBucket, 0, len(keys))}
		for _, k := range keys {
			se.Buckets = append(se.Buckets, ShareBucket{Key: k, Count: counts[k], Share: Share(counts[k], allCounts[k])})
		}
		series = append(series, se)
	}
	return outAll, series, nil
}

func bucketMap(bs []Bucket) map[string]int {
	m := make(map[string]int, len(bs))
	for _, b := range bs {
		m[b.Key] = b.Count
	}
	return m
}

// WriteTimelineCSV writes a timeline as CSV: a header (key, all, then a
// count and a share column per series, named by its query or outlet,
// "(all)" for the empty query) and a row per bucket. cell is applied to
// the series' names, the only cells that come from users (a
// spreadsheet's formula guard); nil writes them as they are.
func WriteTimelineCSV(w io.Writer, all []Bucket, series []Series, cell func(string) string) error {
	if cell == nil {
		cell = func(s string) string { return s }
	}
	cw := csv.NewWriter(w)
	h := []string{"key", "all"}
	for _, se := range series {
		name := se.Query
		if se.Source != "" {
			name = se.Source
		}
		if name == "" {
			name = "(all)"
		}
		name = cell(name)
		h = append(h, name, name+" share")
	}
	if err := cw.Write(h); err != nil {
		return err
	}
	for i, b := range all {
		row := []string{b.Key, strconv.Itoa(b.Count)}
		for _, se := range series {
			sb := se.Buckets[i]
			row = append(row, strconv.Itoa(sb.Count), strconv.FormatFloat(sb.Share, 'g', 6, 64))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
