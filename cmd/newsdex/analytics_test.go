package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
	"newsdex/search"
)

// analyticsArticles are 48 dated articles over two years from four
// wires, naming people and organisations in a pattern, as JSON Lines.
func analyticsArticles() string {
	persons := []string{"Ann Lee", "Bo Diaz", "Cy Moss", "Di Park"}
	orgs := []string{"Grain Board", "Port Authority"}
	var b strings.Builder
	for i := range 48 {
		topic := []string{"oil", "grain", "oil and grain"}[i%3]
		names := []string{persons[i%4], persons[(i/4)%4]}
		if i%3 == 0 { // named in oil stories only: distinctive of them
			names = append(names, "Ed Stone")
		}
		ps, _ := json.Marshal(names)
		fmt.Fprintf(&b, `{"id":"a%02d","title":"Report %d","body":"The %s market moved again this week, traders said.","source":"Wire %d","published":"%d-%02d-%02dT09:00:00Z","persons":%s,"organizations":[%q]}`+"\n",
			i, i, topic, i%4, 2019+i/24, 1+(i/2)%12, 1+i%27, ps, orgs[i%2])
	}
	return b.String()
}

// analyticsIndex indexes analyticsArticles into a fresh index directory.
func analyticsIndex(t *testing.T) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "articles.jsonl")
	if err := os.WriteFile(src, []byte(analyticsArticles()), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "index")
	if _, _, err := runCmd(t, "index", "--index", dir, "--no-entities", src); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runJSON runs a command and decodes its output into a new T.
func runJSON[T any](t *testing.T, args ...string) *T {
	t.Helper()
	out, errOut, err := runCmd(t, args...)
	if err != nil {
		t.Fatalf("%v: %v (stderr %s)", args, err, errOut)
	}
	v := new(T)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v: output is not its JSON: %v\n%s", args, err, out)
	}
	return v
}

// plainTotal is the total of a plain search on svc.
func plainTotal(t *testing.T, svc *search.Service, req search.Request) int {
	t.Helper()
	res, err := svc.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("search %+v: %v", req, err)
	}
	return int(res.Total)
}

func openService(t *testing.T, dir string) *search.Service {
	t.Helper()
	idx, err := indexer.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	cfg, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	aliases, err := loadAliases(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := search.NewService(idx, searchLimits(cfg), slog.New(slog.DiscardHandler), aliases)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// monthBounds is the first and last day of a month key (2019-03).
func monthBounds(t *testing.T, key string) (time.Time, time.Time) {
	t.Helper()
	from, err := time.Parse("2006-01", key)
	if err != nil {
		t.Fatal(err)
	}
	return from, from.AddDate(0, 1, -1)
}

// TestAnalyticsCommands runs timeline, significant and cooccurrence
// through run and checks every number against a plain search.
func TestAnalyticsCommands(t *testing.T) {
	dir := analyticsIndex(t)
	timelines := []struct {
		name string
		args []string
	}{
		{"two queries", []string{"timeline", "--index", dir, "", "oil", "grain -oil"}},
		{"filtered", []string{"timeline", "--index", dir, "--source", "Wire 1", "--source", "Wire 2", "--person", "Ann Lee", "--from-date", "2019-04", "oil"}},
		{"by outlet", []string{"timeline", "--index", dir, "--split", "source", "--size", "3", "grain"}},
		{"dedup", []string{"timeline", "--index", dir, "--dedup", "oil"}},
		{"with two names", []string{"timeline", "--index", dir, "--with", "person:Ann Lee", "--with", "person:Ed Stone", "grain"}},
	}
	type timelineOut struct {
		out  *search.Timeline
		args []string
	}
	var tls []timelineOut
	for _, tt := range timelines {
		tls = append(tls, timelineOut{runJSON[search.Timeline](t, tt.args...), tt.args})
	}
	net := runJSON[search.Network](t, "cooccurrence", "--index", dir, "--size", "6", "oil")
	netCSV, _, err := runCmd(t, "cooccurrence", "--index", dir, "--size", "6", "--format", "csv", "oil")
	if err != nil {
		t.Fatal(err)
	}
	gexf, _, err := runCmd(t, "cooccurrence", "--index", dir, "--size", "6", "--format", "gexf", "oil")
	if err != nil {
		t.Fatal(err)
	}
	sig := runJSON[search.Significant](t, "significant", "--index", dir, "--field", "person", "--source", "Wire 0", "--source", "Wire 1", "oil")
	tlCSV, _, err := runCmd(t, "timeline", "--index", dir, "--format", "csv", "", "oil")
	if err != nil {
		t.Fatal(err)
	}

	svc := openService(t, dir)
	for i, tl := range tls {
		t.Run("timeline/"+timelines[i].name, func(t *testing.T) {
			if len(tl.out.Series) == 0 || len(tl.out.All) == 0 {
				t.Fatalf("empty timeline: %+v", tl.out)
			}
			var filters search.Filters
			dedup := false
			var with []string
			for j := 0; j < len(tl.args)-1; j++ {
				switch tl.args[j] {
				case "--source":
					filters.Sources = append(filters.Sources, tl.args[j+1])
				case "--person":
					filters.Persons = append(filters.Persons, tl.args[j+1])
				case "--from-date":
					filters.FromDate, _ = time.Parse("2006-01", tl.args[j+1])
				case "--with":
					with = append(with, tl.args[j+1])
				case "--dedup":
					dedup = true
				}
			}
			for _, se := range tl.out.Series {
				f := filters
				if se.Source != "" {
					f.Sources = []string{se.Source}
				}
				req := search.Request{Query: se.Query, Filters: f, Dedup: dedup, With: with}
				if got := plainTotal(t, svc, req); int(se.Total) != got {
					t.Errorf("series %q %q: total %d, search says %d", se.Query, se.Source, se.Total, got)
				}
				for _, b := range se.Buckets {
					from, to := monthBounds(t, b.Key)
					r := req
					r.Filters.FromDate, r.Filters.ToDate = from, to
					if !filters.FromDate.IsZero() && filters.FromDate.After(from) {
						r.Filters.FromDate = filters.FromDate
					}
					if got := plainTotal(t, svc, r); b.Count != got {
						t.Errorf("series %q %q bucket %s: %d, search of that month says %d", se.Query, se.Source, b.Key, b.Count, got)
					}
				}
			}
		})
	}

	t.Run("timeline csv", func(t *testing.T) {
		rows, err := csv.NewReader(strings.NewReader(tlCSV)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"key", "all", "(all)", "(all) share", "oil", "oil share"}, rows[0]); diff != "" {
			t.Errorf("header (-want +got):\n%s", diff)
		}
		want := tls[0].out // same queries' first two series
		if len(rows)-1 != len(want.All) {
			t.Fatalf("%d rows, want %d buckets", len(rows)-1, len(want.All))
		}
		for i, r := range rows[1:] {
			if r[0] != want.All[i].Key || r[1] != strconv.Itoa(want.All[i].Count) || r[4] != strconv.Itoa(want.Series[1].Buckets[i].Count) {
				t.Errorf("row %d %v, want key %s all %d oil %d", i, r, want.All[i].Key, want.All[i].Count, want.Series[1].Buckets[i].Count)
			}
		}
	})

	t.Run("cooccurrence", func(t *testing.T) {
		if len(net.Nodes) != 6 || len(net.Edges) == 0 {
			t.Fatalf("%d nodes, %d edges", len(net.Nodes), len(net.Edges))
		}
		for _, n := range net.Nodes {
			if got := plainTotal(t, svc, search.Request{Query: "oil", Filters: entityFilter(search.Filters{}, n.Type, n.Name)}); n.Count != got {
				t.Errorf("node %s: %d, search says %d", n.ID, n.Count, got)
			}
		}
		for _, e := range net.Edges {
			// Both names: with= ANDs them (a filter's values are ORed).
			req := search.Request{Query: "oil", With: []string{e.Source, e.Target}}
			if got := plainTotal(t, svc, req); e.Count != got {
				t.Errorf("edge %s–%s: %d, search with both says %d", e.Source, e.Target, e.Count, got)
			}
		}
		rows, err := csv.NewReader(strings.NewReader(netCSV)).ReadAll()
		if err != nil || len(rows) != len(net.Edges)+1 {
			t.Errorf("edge CSV: %d rows (%v), want %d edges and a header", len(rows), err, len(net.Edges))
		}
		var doc struct {
			Nodes []struct{ ID string } `xml:"graph>nodes>node"`
			Edges []struct{ ID string } `xml:"graph>edges>edge"`
		}
		if err := xml.Unmarshal([]byte(gexf), &doc); err != nil || len(doc.Nodes) != 6 || len(doc.Edges) != len(net.Edges) {
			t.Errorf("GEXF: %d nodes, %d edges (%v), want 6 and %d", len(doc.Nodes), len(doc.Edges), err, len(net.Edges))
		}
	})

	t.Run("significant", func(t *testing.T) {
		scope := search.Filters{Sources: []string{"Wire 0", "Wire 1"}}
		if got := plainTotal(t, svc, search.Request{Query: "oil", Filters: scope}); int(sig.ForegroundTotal) != got {
			t.Errorf("foreground %d, search says %d", sig.ForegroundTotal, got)
		}
		if got := plainTotal(t, svc, search.Request{Filters: scope}); int(sig.BackgroundTotal) != got {
			t.Errorf("background %d, search says %d", sig.BackgroundTotal, got)
		}
		if len(sig.Items) == 0 || sig.Method != "jlh" {
			t.Fatalf("no items or method %q", sig.Method)
		}
		for _, it := range sig.Items {
			f := entityFilter(scope, "person", it.Value)
			if got := plainTotal(t, svc, search.Request{Query: "oil", Filters: f}); it.FG != got {
				t.Errorf("%s: fg %d, search says %d", it.Value, it.FG, got)
			}
			if got := plainTotal(t, svc, search.Request{Filters: f}); it.BG != got {
				t.Errorf("%s: bg %d, search says %d", it.Value, it.BG, got)
			}
		}
	})

	// The JSON is the API's: the same type, encoded as the API encodes it.
	t.Run("json is the api's", func(t *testing.T) {
		want, err := svc.Timeline(context.Background(), search.TimelineRequest{Queries: []string{"", "oil", "grain -oil"}, Interval: "month"})
		if err != nil {
			t.Fatal(err)
		}
		got := *tls[0].out
		got.TookMS, want.TookMS = 0, 0
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		if !bytes.Equal(a, b) {
			t.Errorf("CLI JSON differs from the API's:\n%s\n%s", b, a)
		}
	})
}

// entityFilter adds a name filter of the API's type to f.
func entityFilter(f search.Filters, typ, name string) search.Filters {
	switch typ {
	case "person":
		f.Persons = append(f.Persons, name)
	case "org":
		f.Orgs = append(f.Orgs, name)
	case "place":
		f.Places = append(f.Places, name)
	}
	return f
}

// TestAnalyticsCommandsCSVCells: CSV cells a spreadsheet would read as
// formulas get an apostrophe unless --raw.
func TestAnalyticsCommandsCSVCells(t *testing.T) {
	dir := analyticsIndex(t)
	for _, tt := range []struct {
		name string
		args []string
		want string // the first line
	}{
		{"safe", []string{"timeline", "--index", dir, "--format", "csv", "--", "-grain oil"}, "key,all,'-grain oil,'-grain oil share"},
		{"raw", []string{"timeline", "--index", dir, "--format", "csv", "--raw", "--", "-grain oil"}, "key,all,-grain oil,-grain oil share"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if first, _, _ := strings.Cut(out, "\n"); first != tt.want {
				t.Errorf("header %q, want %q", first, tt.want)
			}
		})
	}
}

// TestAnalyticsCommandErrors: bad flags and parameters are errors saying
// what to change, never a panic or empty output.
func TestAnalyticsCommandErrors(t *testing.T) {
	dir := analyticsIndex(t)
	many := make([]string, 11)
	for i := range many {
		many[i] = fmt.Sprintf("q%d", i)
	}
	tests := []struct {
		name  string
		args  []string
		want  string
		usage bool // exit status 2
	}{
		{"timeline format", []string{"timeline", "--index", dir, "--format", "gexf"}, "--format must be json or csv", true},
		{"timeline interval", []string{"timeline", "--index", dir, "--interval", "fortnight"}, `unknown interval "fortnight" (want day, week, month or year)`, false},
		{"timeline split", []string{"timeline", "--index", dir, "--split", "person"}, `unknown split "person" (want source)`, false},
		{"timeline queries", append([]string{"timeline", "--index", dir}, many...), "at most 10 queries", true},
		{"timeline raw json", []string{"timeline", "--index", dir, "--raw"}, "--raw applies to --format csv only", true},
		{"timeline date", []string{"timeline", "--index", dir, "--from-date", "yesterday"}, "--from-date must be a date like 2019-01-31", true},
		{"timeline query", []string{"timeline", "--index", dir, `"unclosed`}, "unclosed quote", false},
		{"significant field missing", []string{"significant", "--index", dir, "oil"}, "significant needs --field", true},
		{"significant field", []string{"significant", "--index", dir, "--field", "colour", "oil"}, `unknown field "colour"`, false},
		{"significant size", []string{"significant", "--index", dir, "--field", "terms", "--size", "100000", "oil"}, "size must be between 1 and", false},
		{"significant format", []string{"significant", "--index", dir, "--field", "terms", "--format", "csv", "oil"}, "--format must be json; got", true},
		{"significant two queries", []string{"significant", "--index", dir, "--field", "terms", "oil", "grain"}, "significant takes one QUERY", true},
		{"cooccurrence types", []string{"cooccurrence", "--index", dir, "--types", "person,people", "oil"}, `unknown type "people"`, false},
		{"cooccurrence size", []string{"cooccurrence", "--index", dir, "--size", "-3", "oil"}, "size must be between 1 and", false},
		{"cooccurrence format", []string{"cooccurrence", "--index", dir, "--format", "xml", "oil"}, "--format must be json, csv or gexf", true},
		{"with", []string{"cooccurrence", "--index", dir, "--with", "Ann Lee", "oil"}, "type:name", false},
		{"no index", []string{"cooccurrence", "--index", filepath.Join(t.TempDir(), "none"), "oil"}, "none", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q (output %q)", err, tt.want, out)
			}
			if got := exitCode(err) == 2; got != tt.usage {
				t.Errorf("usage error = %v, want %v: %v", got, tt.usage, err)
			}
		})
	}
}
