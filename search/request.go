package search

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"newsdex/indexer"
	"newsdex/search/count"
	"newsdex/search/querylang"
)

// Sentinel errors the HTTP layer maps to status codes.
var (
	// ErrInvalidRequest wraps every problem with what the caller asked.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrNotFound means the article does not exist.
	ErrNotFound = errors.New("not found")
	// ErrTooManyTerms is the ErrInvalidRequest of a search that expands
	// to more index terms than the limit; callers that made the query
	// (alerts over a range of ingests) narrow it and try again.
	ErrTooManyTerms = fmt.Errorf("%w", ErrInvalidRequest)
)

// QueryError says what is wrong with a user's query and where (a byte
// offset); errors from Search that wrap one also wrap ErrInvalidRequest.
type QueryError = querylang.QueryError

// Facet names accepted in Request.Facets, and the index field behind each.
const (
	FacetSource = "source"
	FacetPerson = "person"
	FacetOrg    = "org"
	FacetPlace  = "place"
)

// Sort orders.
const (
	SortRelevance = "relevance"
	SortDate      = "date"  // oldest first
	SortDateDesc  = "-date" // newest first
	// SortIngested and SortIngestedDesc order by when articles entered
	// the index (indexer.FieldIngested), for "what is new" whatever the
	// articles' own dates.
	SortIngested     = "ingested"
	SortIngestedDesc = "-ingested"
)

// Query modes (Request.Mode).
const (
	ModeQuery   = ""        // the query language (default)
	ModeNatural = "natural" // plain words, any of which may match; see NaturalQuery
)

// Filters narrow a search to articles with any of the listed values in each
// field (OR within a field, AND across fields) and within a date range.
type Filters struct {
	Sources  []string  `json:"source,omitempty"`
	Persons  []string  `json:"person,omitempty"`
	Orgs     []string  `json:"org,omitempty"`
	Places   []string  `json:"place,omitempty"`
	FromDate time.Time `json:"from_date,omitzero"`
	ToDate   time.Time `json:"to_date,omitzero"`
}

func (f Filters) empty() bool {
	return len(f.Sources)+len(f.Persons)+len(f.Orgs)+len(f.Places) == 0 && f.FromDate.IsZero() && f.ToDate.IsZero()
}

// Bounds of a filter date: the index stores times as Unix nanoseconds,
// which reach from 1677 to 2262.
func filterDateBounds() (lo, hi time.Time) {
	return time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
}

// clampDates brings dates beyond what the index can hold inside it, with
// the same meaning: a from_date before 1678 is no lower bound, a to_date
// such as 9999-12-31 no upper bound.
func (f *Filters) clampDates() {
	lo, hi := filterDateBounds()
	switch {
	case f.FromDate.IsZero():
	case f.FromDate.Before(lo):
		f.FromDate = time.Time{}
	case f.FromDate.After(hi):
		f.FromDate = hi
	}
	switch {
	case f.ToDate.IsZero():
	case f.ToDate.After(hi):
		f.ToDate = time.Time{}
	case f.ToDate.Before(lo):
		f.ToDate = lo
	}
}

// Request is one search as the API and the CLI ask it.
type Request struct {
	Query string
	// Mode "natural" reads Query as plain text, not query syntax: its words
	// are ORed and ranked, for long natural-language questions (added for
	// relevance evaluation, issue 8).
	Mode      string
	Filters   Filters
	Sort      string // relevance (default), date, -date, ingested, -ingested
	Size      int    // page size; 0 means the default
	From      int    // offset paging
	Cursor    string // opaque, from a previous Result.NextCursor
	Facets    []string
	FacetSize int
	Histogram string // "", day, week, month, year
	Highlight bool
	// FullText returns each hit's whole body, for exports.
	FullText bool
	// Compact leaves out each hit's entity lists, for clients that show
	// only title, outlet, date and snippet, such as the embed widget.
	Compact bool
	// Restrict is a filter the caller cannot widen, such as a public key's
	// fixed outlet. It is ANDed with Filters.
	Restrict Filters
	// With names entities as "type:name" (a network node's id, NodeID)
	// that every match must name, each ANDed with the rest: the articles
	// behind a co-occurrence edge, even of two people (two values of one
	// filter are ORed).
	With []string
	// Sample, when positive, narrows the matches to that many drawn
	// uniformly at random (sample.go); the same Seed, query and index give
	// the same sample. Stratify "source" draws from every outlet in
	// proportion to its matches. Sorting and paging then apply within
	// the sample.
	Sample   int
	Seed     uint64
	Stratify string
	// Dedup counts and returns one article per near-duplicate group among
	// the matches: the earliest matching copy stands for the group, so a
	// story whose earliest copy does not match still appears (dups.go).
	Dedup bool
	// IngestedFrom and IngestedTo, stamps in indexer.IngestStampLayout,
	// narrow the matches to articles written by the ingests between them
	// (both inclusive; "" is no bound): alerts read what came in since
	// they last looked. Undated keeps only articles without a
	// publication date, which feeds order by ingest time instead.
	IngestedFrom, IngestedTo string
	Undated                  bool
}

// MaxSample is the largest sample one request may draw.
const MaxSample = 10000

// DefaultSize is the page size when a request gives none.
const DefaultSize = 10

// DefaultFacetSize is the number of values per facet when none is given.
const DefaultFacetSize = 10

// Validate checks a request against the service's limits and fills in
// defaults. Errors wrap ErrInvalidRequest and say which parameter is wrong.
func (r *Request) Validate(lim Limits) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, a...))
	}
	if r.Size == 0 {
		r.Size = DefaultSize
	}
	if r.Size < 0 || r.Size > lim.MaxSize {
		return bad("size must be between 1 and %d, got %d", lim.MaxSize, r.Size)
	}
	if r.From < 0 {
		return bad("from must not be negative, got %d", r.From)
	}
	if r.Cursor != "" && r.From != 0 {
		return bad("use either from or cursor, not both")
	}
	if r.From+r.Size > lim.MaxOffset {
		return bad("from+size must be at most %d (got %d); page further with cursor", lim.MaxOffset, r.From+r.Size)
	}
	if r.Mode != ModeQuery && r.Mode != ModeNatural {
		return bad("unknown mode %q (want natural, or none for the query language)", r.Mode)
	}
	switch r.Sort {
	case "":
		r.Sort = SortRelevance
	case SortRelevance, SortDate, SortDateDesc, SortIngested, SortIngestedDesc:
	default:
		return bad("unknown sort %q (want relevance, date, -date, ingested or -ingested)", r.Sort)
	}
	for _, st := range []string{r.IngestedFrom, r.IngestedTo} {
		if _, err := time.Parse(indexer.IngestStampLayout, st); st != "" && err != nil {
			return bad("ingest stamp %q is not in the form %s", truncate(st, 40), indexer.IngestStampLayout)
		}
	}
	seen := map[string]bool{}
	for _, f := range r.Facets {
		if facetField(f) == "" {
			return bad("unknown facet %q (want source, person, org or place)", f)
		}
		if seen[f] {
			return bad("facet %q asked for twice", f)
		}
		seen[f] = true
	}
	if r.FacetSize == 0 {
		r.FacetSize = DefaultFacetSize
	}
	if r.FacetSize < 0 || r.FacetSize > lim.MaxFacetSize {
		return bad("facet_size must be between 1 and %d, got %d", lim.MaxFacetSize, r.FacetSize)
	}
	if r.Histogram != "" && !slices.Contains(count.Intervals, r.Histogram) {
		return bad("unknown histogram interval %q (want day, week, month or year)", r.Histogram)
	}
	for _, f := range []Filters{r.Filters, r.Restrict} {
		if !f.FromDate.IsZero() && !f.ToDate.IsZero() && f.ToDate.Before(f.FromDate) {
			return bad("to_date %s is before from_date %s", f.ToDate.Format(time.DateOnly), f.FromDate.Format(time.DateOnly))
		}
		for _, vals := range [][]string{f.Sources, f.Persons, f.Orgs, f.Places} {
			if len(vals) > lim.MaxClauses {
				return bad("too many filter values (%d); the limit is %d", len(vals), lim.MaxClauses)
			}
		}
	}
	if r.Sample < 0 || r.Sample > MaxSample {
		return bad("sample must be between 1 and %d, got %d", MaxSample, r.Sample)
	}
	if r.Stratify != "" && r.Stratify != FacetSource {
		return bad("unknown stratify %q (want source)", r.Stratify)
	}
	if r.Sample == 0 && (r.Stratify != "" || r.Seed != 0) {
		return bad("seed and stratify apply only with sample")
	}
	if len(r.With) > lim.MaxClauses {
		return bad("too many with values (%d); the limit is %d", len(r.With), lim.MaxClauses)
	}
	for _, w := range r.With {
		if _, _, err := withFilter(w); err != nil {
			return err
		}
	}
	r.Filters.clampDates()
	r.Restrict.clampDates()
	return nil
}

// withFilter reads one With value, "type:name", as a filter.
func withFilter(w string) (Filters, string, error) {
	typ, name, ok := strings.Cut(w, ":")
	name = strings.TrimSpace(name)
	var f Filters
	switch {
	case !ok || name == "":
		return f, "", fmt.Errorf("%w: with must be type:name (person:Ann Lee), got %q", ErrInvalidRequest, truncate(w, 60))
	case typ == FacetPerson:
		f.Persons = []string{name}
	case typ == FacetOrg:
		f.Orgs = []string{name}
	case typ == FacetPlace:
		f.Places = []string{name}
	case typ == FacetSource:
		f.Sources = []string{name}
	default:
		return f, "", fmt.Errorf("%w: with: unknown type %q (want person, org, place or source)", ErrInvalidRequest, truncate(typ, 20))
	}
	return f, name, nil
}

// LogValue keeps request logs structured and short.
func (r Request) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("q", truncate(r.Query, 200)), slog.String("sort", r.Sort), slog.Int("size", r.Size)}
	if r.From > 0 {
		attrs = append(attrs, slog.Int("from", r.From))
	}
	if len(r.Facets) > 0 {
		attrs = append(attrs, slog.String("facets", strings.Join(r.Facets, ",")))
	}
	if !r.Filters.empty() {
		attrs = append(attrs, slog.Any("filters", r.Filters))
	}
	return slog.GroupValue(attrs...)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
