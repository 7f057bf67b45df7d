package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"

	"newsdex/indexer"
	"newsdex/search"
)

func runSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, configPath := newFlagSet("search", stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	asJSON := fs.Bool("json", false, "print the JSON object the HTTP API returns")
	size := fs.Int("size", search.DefaultSize, "hits to show")
	from := fs.Int("from", 0, "offset of the first hit")
	facets := fs.String("facets", "", "comma list of facets to count: source,person,org,place")
	facetSize := fs.Int("facet-size", search.DefaultFacetSize, "values per facet")
	sort := fs.String("sort", "relevance", "relevance, date, -date, ingested or -ingested")
	histogram := fs.String("histogram", "", "counts over time: day, week, month or year")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: newsdex search [flags] QUERY   (QUERY "" matches every article)`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{"search takes one QUERY; quote it: newsdex search 'kim jong un'"}
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fs, "index") {
		cfg.Index.Dir = *dir
	}
	var svc interface {
		Search(context.Context, search.Request) (*search.Result, error)
	}
	if cfg.Index.Backend == backendOpenSearch {
		logger := newLogger(cfg.Log, stderr)
		c, err := openSearchClient(ctx, cfg, logger) // opensearch.go
		if err != nil {
			return err
		}
		defer c.Close()
		if svc, err = openSearchService(cfg, c, logger); err != nil {
			return err
		}
	} else {
		idx, err := indexer.OpenReadOnly(cfg.Index.Dir)
		if err != nil {
			return err
		}
		defer idx.Close()
		aliases, err := loadAliases(cfg)
		if err != nil {
			return err
		}
		if svc, err = search.NewService(idx, searchLimits(cfg), newLogger(cfg.Log, stderr), aliases); err != nil {
			return err
		}
	}
	req := search.Request{
		Query: fs.Arg(0), Size: *size, From: *from, Sort: *sort,
		FacetSize: *facetSize, Histogram: *histogram, Highlight: true,
	}
	for _, f := range strings.Split(*facets, ",") {
		if f = strings.TrimSpace(f); f != "" {
			req.Facets = append(req.Facets, f)
		}
	}
	res, err := svc.Search(ctx, req)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printResult(stdout, req, res)
	return nil
}

// printResult writes a result for a terminal: matches in *stars*.
func printResult(w io.Writer, req search.Request, res *search.Result) {
	fmt.Fprintf(w, "%d matches (%.1f ms)\n", res.Total, res.TookMS)
	for i, h := range res.Hits {
		meta := []string{}
		if h.Source != "" {
			meta = append(meta, h.Source)
		}
		if len(h.Published) >= 10 {
			meta = append(meta, h.Published[:10])
		}
		fmt.Fprintf(w, "\n%3d. %s", req.From+i+1, h.Title)
		if len(meta) > 0 {
			fmt.Fprintf(w, "  [%s]", strings.Join(meta, ", "))
		}
		fmt.Fprintf(w, "  id=%s score=%.3f\n", h.ID, h.Score)
		fmt.Fprintf(w, "     %s\n", terminalSnippet(h.Snippet))
		if names := append(append(append([]string{}, h.Persons...), h.Organizations...), h.Places...); len(names) > 0 {
			fmt.Fprintf(w, "     entities: %s\n", strings.Join(names, "; "))
		}
	}
	for _, f := range req.Facets {
		fmt.Fprintf(w, "\n%s:\n", f)
		vals := res.Facets[f]
		if len(vals) == 0 {
			fmt.Fprintln(w, "  (none)")
		}
		for _, v := range vals {
			fmt.Fprintf(w, "  %6d  %s\n", v.Count, v.Value)
		}
	}
	if len(res.Histogram) > 0 {
		fmt.Fprintf(w, "\nover time (%s):\n", req.Histogram)
		for _, b := range res.Histogram {
			fmt.Fprintf(w, "  %-10s %6d\n", b.Key, b.Count)
		}
	}
}

// terminalSnippet turns the HTML snippet into plain text with *marks*.
func terminalSnippet(s string) string {
	s = strings.ReplaceAll(s, "<mark>", "*")
	s = strings.ReplaceAll(s, "</mark>", "*")
	return html.UnescapeString(s)
}
