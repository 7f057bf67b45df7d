package rank

import (
	"context"
	"math"
	"time"

	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"newsdex/indexer"
)

// recencyHalfLife is how fast the recency boost fades: an article a month
// old gets half the boost of one published today.
const recencyHalfLife = 30 * 24 * time.Hour

// recencyFactor is the multiplier of a relevance score for an article
// published at t: 1 + boost * 2^(-age/halfLife). Undated articles and
// articles dated after now are not boosted beyond a new one.
func recencyFactor(boost float64, t, now time.Time) float64 {
	age := now.Sub(t)
	if age < 0 {
		age = 0
	}
	return 1 + boost*math.Exp2(-float64(age)/float64(recencyHalfLife))
}

// WithRecency wraps q so that newer articles rank a little higher under
// sort=relevance (Limits.RecencyBoost, config search.recency_boost): the
// score is multiplied by recencyFactor, between 1 (undated, or old) and
// 1+boost (published today). now is truncated to the day so that scores,
// and with them cursors, stay the same all day.
func WithRecency(q query.Query, boost float64, now time.Time) query.Query {
	now = now.UTC().Truncate(24 * time.Hour)
	return query.NewCustomScoreQueryWithScorer(q, func(_ context.Context, d *bsearch.DocumentMatch) (float64, error) {
		t, ok := publishedOf(d)
		if !ok {
			return d.Score, nil
		}
		return d.Score * recencyFactor(boost, t, now), nil
	}, []string{indexer.FieldPublished}, nil)
}

// publishedOf reads the published doc value, which Bleve v2.6.3 hands the
// callback as an RFC 3339 string (not the epoch float its docs describe).
func publishedOf(d *bsearch.DocumentMatch) (time.Time, bool) {
	v := d.Fields[indexer.FieldPublished]
	if vs, ok := v.([]any); ok && len(vs) > 0 {
		v = vs[0]
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
