package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"newsdex/indexer"
	"newsdex/search"
	"newsdex/search/count"
	"newsdex/search/shape"
)

// The research analytics of issue 13 on the command line: timeline,
// significant and cooccurrence take the API's parameters as flags and
// print what the API returns (the same JSON, CSV and GEXF), so a script
// can use either.

// analysisFlags are the search parameters every analysis takes: the
// filters, with, the query mode and dedup, as the API's q-less parameters.
type analysisFlags struct {
	fs                             *flag.FlagSet
	config, dir                    *string
	sources, persons, orgs, places listFlag
	with                           listFlag
	fromDate, toDate, mode, format *string
	dedup, raw                     *bool
	formats                        []string
}

// listFlag is a flag that may be repeated, as the API's filters are.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	if v = strings.TrimSpace(v); v != "" {
		*l = append(*l, v)
	}
	return nil
}

func newAnalysisFlags(name string, stderr io.Writer, formats ...string) *analysisFlags {
	fs, config := newFlagSet(name, stderr)
	a := &analysisFlags{fs: fs, config: config, formats: append([]string{"json"}, formats...)}
	a.dir = fs.String("index", "", "index directory (default: index.dir from config)")
	fs.Var(&a.sources, "source", "only this outlet (repeat for any of several)")
	fs.Var(&a.persons, "person", "only articles naming this person (repeat for any of several)")
	fs.Var(&a.orgs, "org", "only articles naming this organisation (repeatable)")
	fs.Var(&a.places, "place", "only articles naming this place (repeatable)")
	fs.Var(&a.with, "with", "only articles naming this entity, as type:name (a network node's id; repeat for all of several)")
	a.fromDate = fs.String("from-date", "", "only articles published on or after this date (2019-01-31, 2019-01 or 2019)")
	a.toDate = fs.String("to-date", "", "only articles published on or before this date")
	a.mode = fs.String("mode", "", `query mode: "" (the query language) or natural`)
	a.dedup = fs.Bool("dedup", false, "count each near-duplicate story once")
	a.format = fs.String("format", "json", "output: "+orList(a.formats))
	if slices.Contains(formats, "csv") {
		a.raw = fs.Bool("raw", false, "CSV cells as stored: no apostrophe before a cell a spreadsheet would read as a formula")
	}
	return a
}

// parse parses args and checks the flags that need no index.
func (a *analysisFlags) parse(args []string) error {
	if err := parseFlags(a.fs, args); err != nil {
		return err
	}
	if !slices.Contains(a.formats, *a.format) {
		return usageError{fmt.Sprintf("--format must be %s; got %q", orList(a.formats), *a.format)}
	}
	if a.raw != nil && *a.raw && *a.format != "csv" {
		return usageError{"--raw applies to --format csv only"}
	}
	return nil
}

// orList is "a", "a or b", "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// request is the search request the flags describe (no query).
func (a *analysisFlags) request() (search.Request, error) {
	req := search.Request{Mode: *a.mode, Dedup: *a.dedup, With: a.with}
	req.Filters.Sources, req.Filters.Persons = a.sources, a.persons
	req.Filters.Orgs, req.Filters.Places = a.orgs, a.places
	var err error
	if req.Filters.FromDate, err = dateFlag("from-date", *a.fromDate); err != nil {
		return req, err
	}
	if req.Filters.ToDate, err = dateFlag("to-date", *a.toDate); err != nil {
		return req, err
	}
	return req, nil
}

// dateFlag accepts what the API's from_date and to_date accept.
func dateFlag(name, s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339, "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageError{fmt.Sprintf("--%s must be a date like 2019-01-31, 2019-01 or 2019; got %q", name, s)}
}

// service opens the index read-only, as search does, and returns a
// Service over it and a function closing the index.
func (a *analysisFlags) service(stderr io.Writer) (*search.Service, func(), error) {
	cfg, err := loadConfig(*a.config)
	if err != nil {
		return nil, nil, err
	}
	if flagSet(a.fs, "index") {
		cfg.Index.Dir = *a.dir
	}
	idx, err := indexer.OpenReadOnly(cfg.Index.Dir)
	if err != nil {
		return nil, nil, err
	}
	aliases, err := loadAliases(cfg)
	if err != nil {
		idx.Close()
		return nil, nil, err
	}
	svc, err := search.NewService(idx, searchLimits(cfg), newLogger(cfg.Log, stderr), aliases)
	if err != nil {
		idx.Close()
		return nil, nil, err
	}
	return svc, func() { idx.Close() }, nil
}

// cell is how CSV cells are written: formula-safe unless --raw.
func (a *analysisFlags) cell() func(string) string {
	if a.raw != nil && *a.raw {
		return func(s string) string { return s }
	}
	return shape.SafeCell
}

// writeJSON writes v as the API does (encoding/json, one line).
func writeJSON(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

func runTimeline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a := newAnalysisFlags("timeline", stderr, "csv")
	interval := a.fs.String("interval", "month", "bucket width: day, week, month or year")
	split := a.fs.String("split", "", "source: one series per outlet, for a single QUERY")
	size := a.fs.Int("size", 0, "outlets with --split source (default 10)")
	a.fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: newsdex timeline [flags] [--] [QUERY...]   (up to %d queries; none or \"\" counts every article in the filters' scope; -- before a QUERY starting with -)\n", search.MaxSeries)
		a.fs.PrintDefaults()
	}
	if err := a.parse(args); err != nil {
		return err
	}
	if a.fs.NArg() > search.MaxSeries {
		return usageError{fmt.Sprintf("timeline compares at most %d queries, got %d", search.MaxSeries, a.fs.NArg())}
	}
	req, err := a.request()
	if err != nil {
		return err
	}
	svc, closeIdx, err := a.service(stderr)
	if err != nil {
		return err
	}
	defer closeIdx()
	res, err := svc.Timeline(ctx, search.TimelineRequest{Request: req, Queries: a.fs.Args(), Interval: *interval, Split: *split, Size: *size})
	if err != nil {
		return err
	}
	if *a.format == "csv" {
		return count.WriteTimelineCSV(stdout, res.All, res.Series, a.cell())
	}
	return writeJSON(stdout, res)
}

func runSignificant(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a := newAnalysisFlags("significant", stderr)
	field := a.fs.String("field", "", "what to rank: terms, person, org or place")
	size := a.fs.Int("size", 0, fmt.Sprintf("items (default %d)", search.DefaultAnalysisSize))
	background := a.fs.String("background", "", "a query whose matches are the background (default: every article in the filters' scope)")
	a.fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: newsdex significant --field terms|person|org|place [flags] QUERY   (QUERY "" matches every article)`)
		a.fs.PrintDefaults()
	}
	if err := a.parse(args); err != nil {
		return err
	}
	if a.fs.NArg() > 1 {
		return usageError{"significant takes one QUERY; quote it: newsdex significant --field person 'oil prices'"}
	}
	if *field == "" {
		return usageError{"significant needs --field: terms, person, org or place"}
	}
	req, err := a.request()
	if err != nil {
		return err
	}
	req.Query = a.fs.Arg(0)
	svc, closeIdx, err := a.service(stderr)
	if err != nil {
		return err
	}
	defer closeIdx()
	res, err := svc.Significant(ctx, search.SignificantRequest{Request: req, Field: *field, Size: *size, Background: *background})
	if err != nil {
		return err
	}
	return writeJSON(stdout, res)
}

func runCooccurrence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a := newAnalysisFlags("cooccurrence", stderr, "csv", "gexf")
	types := a.fs.String("types", "", "comma list of entity types to include: person,org,place (default all)")
	size := a.fs.Int("size", 0, fmt.Sprintf("nodes: the most frequent entities (default %d)", search.DefaultAnalysisSize))
	a.fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: newsdex cooccurrence [flags] QUERY   (QUERY "" matches every article)`)
		a.fs.PrintDefaults()
	}
	if err := a.parse(args); err != nil {
		return err
	}
	if a.fs.NArg() > 1 {
		return usageError{"cooccurrence takes one QUERY; quote it: newsdex cooccurrence 'oil prices'"}
	}
	req, err := a.request()
	if err != nil {
		return err
	}
	req.Query = a.fs.Arg(0)
	cr := search.CooccurrenceRequest{Request: req, Size: *size}
	for _, typ := range strings.Split(*types, ",") {
		if typ = strings.TrimSpace(typ); typ != "" {
			cr.Types = append(cr.Types, typ)
		}
	}
	svc, closeIdx, err := a.service(stderr)
	if err != nil {
		return err
	}
	defer closeIdx()
	res, err := svc.Cooccurrence(ctx, cr)
	if err != nil {
		return err
	}
	switch *a.format {
	case "gexf":
		return count.WriteGEXF(stdout, res.Nodes, res.Edges)
	case "csv":
		return count.WriteEdgeCSV(stdout, res.Nodes, res.Edges, a.cell())
	}
	return writeJSON(stdout, res)
}
