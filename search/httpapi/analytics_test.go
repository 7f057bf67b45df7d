package httpapi

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"newsdex/indexer"
	"newsdex/search"
)

// analyticsArticles are dated articles from three outlets naming a few
// people, organisations and places together, for the analytics endpoints.
func analyticsArticles() []indexer.Article {
	people := []string{"Ann Lee", "Bo Chen", "Cy Dorr"}
	orgs := []string{"Harbour Board", "Dock Union"}
	places := []string{"Portsmouth", "Leith"}
	start := time.Date(2019, 1, 3, 9, 0, 0, 0, time.UTC)
	var out []indexer.Article
	for i := range 40 {
		a := indexer.Article{
			ID:     fmt.Sprintf("an%02d", i),
			Title:  fmt.Sprintf("Harbour report %d", i),
			Body:   []string{"The harbour strike went on.", "Dock fees rose at the harbour.", "Election results came late."}[(i/3)%3],
			Source: []string{"Alpha Times", "Beta Post", "Gamma Wire"}[i%3],
		}
		if i%7 != 6 {
			a.Published = start.AddDate(0, 0, i*4)
		}
		for j := range i%3 + 1 {
			a.Persons = append(a.Persons, people[(i/3+j)%len(people)])
		}
		if i%2 == 0 {
			a.Organizations = []string{orgs[i%4/2]}
		}
		a.Places = []string{places[i%5%2]}
		out = append(out, a)
	}
	return out
}

// analyticsServer serves the seed corpus plus analyticsArticles, with a
// public key limited to Alpha Times when keyed is set.
func analyticsServer(t *testing.T, keyed bool) *Server {
	t.Helper()
	svc := uiService(t, nil, analyticsArticles()...)
	opts := Options{MaxBodyBytes: 1 << 16}
	if keyed {
		opts.PublicKeys = []PublicKey{{Key: testPublicKey, Filter: search.Filters{Sources: []string{"Alpha Times"}}}}
	}
	s := New(slog.New(slog.DiscardHandler), opts)
	s.SetSearcher(svc)
	return s
}

func apiURL(path string, params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Add(params[i], params[i+1])
	}
	return path + "?" + v.Encode()
}

// searchTotal is the total of a plain search through the API.
func searchTotal(t *testing.T, h http.Handler, header map[string]string, params ...string) int {
	t.Helper()
	rec := request{target: apiURL("/api/v1/search", params...), header: header}.do(t, h)
	if rec.Code != http.StatusOK {
		t.Fatalf("search %v: %d %s", params, rec.Code, rec.Body)
	}
	var res search.Result
	decode(t, rec, &res)
	return int(res.Total)
}

func TestTimelineAPI(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			h := analyticsServer(t, keyed)
			var header map[string]string
			if keyed {
				header = bearerHeader(testPublicKey)
			}
			rec := request{target: apiURL("/api/v1/timeline", "q", "harbour", "q", "election", "interval", "month", "person", "Ann Lee"), header: header}.do(t, h)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var tl search.Timeline
			decode(t, rec, &tl)
			if len(tl.Series) != 2 || len(tl.All) == 0 {
				t.Fatalf("timeline %+v", tl)
			}
			for i, b := range tl.All {
				from, _ := time.Parse("2006-01", b.Key)
				to := from.AddDate(0, 1, -1).Format(time.DateOnly)
				if got := searchTotal(t, h, header, "person", "Ann Lee", "from_date", from.Format(time.DateOnly), "to_date", to); got != b.Count {
					t.Errorf("all[%s] = %d, search = %d", b.Key, b.Count, got)
				}
				for _, se := range tl.Series {
					if got := searchTotal(t, h, header, "q", se.Query, "person", "Ann Lee", "from_date", from.Format(time.DateOnly), "to_date", to); got != se.Buckets[i].Count {
						t.Errorf("%s[%s] = %d, search = %d", se.Query, b.Key, se.Buckets[i].Count, got)
					}
				}
			}

			// The CSV has the same numbers.
			rec = request{target: apiURL("/api/v1/timeline", "q", "harbour", "q", "=election", "interval", "month", "person", "Ann Lee", "format", "csv"), header: header}.do(t, h)
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
				t.Fatalf("csv: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			rows, err := csv.NewReader(rec.Body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"key", "all", "harbour", "harbour share", "'=election", "'=election share"}; strings.Join(rows[0], "|") != strings.Join(want, "|") {
				t.Errorf("csv header %q, want %q", rows[0], want)
			}
			if len(rows) != len(tl.All)+1 {
				t.Fatalf("csv has %d rows, want %d", len(rows), len(tl.All)+1)
			}
			for i, b := range tl.All {
				if rows[i+1][0] != b.Key || rows[i+1][1] != fmt.Sprint(b.Count) || rows[i+1][2] != fmt.Sprint(tl.Series[0].Buckets[i].Count) {
					t.Errorf("csv row %d = %q, want %s,%d,%d", i+1, rows[i+1], b.Key, b.Count, tl.Series[0].Buckets[i].Count)
				}
			}
		})
	}
}

// TestAnalyticsBadInput: every analytics endpoint answers bad input
// with 400 and a message.
func TestAnalyticsBadInput(t *testing.T) {
	h := analyticsServer(t, false)
	many := []string{}
	for i := range 11 {
		many = append(many, "q", fmt.Sprint("w", i))
	}
	tests := []struct {
		name, target, want string
	}{
		{"timeline interval", apiURL("/api/v1/timeline", "interval", "decade"), "interval"},
		{"timeline format", apiURL("/api/v1/timeline", "format", "xml"), "format"},
		{"timeline queries", apiURL("/api/v1/timeline", many...), "at most 10"},
		{"timeline split", apiURL("/api/v1/timeline", "split", "person"), "split"},
		{"timeline size", apiURL("/api/v1/timeline", "split", "source", "size", "11"), "size"},
		{"timeline query", apiURL("/api/v1/timeline", "q", "(harbour"), ""},
		{"timeline date", apiURL("/api/v1/timeline", "from_date", "yesterday"), "from_date"},
		{"network type", apiURL("/api/v1/cooccurrence", "types", "person,source"), "type"},
		{"network size", apiURL("/api/v1/cooccurrence", "size", "201"), "size"},
		{"network format", apiURL("/api/v1/cooccurrence", "format", "graphml"), "format"},
		{"search with", apiURL("/api/v1/search", "with", "Ann Lee"), "with"},
		{"dedup", apiURL("/api/v1/timeline", "dedup", "yes"), "dedup"},
		{"sample size", apiURL("/api/v1/search", "sample", "10001"), "sample"},
		{"sample seed", apiURL("/api/v1/search", "sample", "3", "seed", "-1"), "seed"},
		{"sample stratify", apiURL("/api/v1/export", "format", "csv", "sample", "3", "stratify", "person"), "stratify"},
		{"significant field", apiURL("/api/v1/significant", "field", "title"), "field"},
		{"significant no field", apiURL("/api/v1/significant"), "field"},
		{"significant size", apiURL("/api/v1/significant", "field", "terms", "size", "500"), "size"},
		{"significant format", apiURL("/api/v1/significant", "field", "terms", "format", "csv"), "format"},
		{"significant background", apiURL("/api/v1/significant", "field", "terms", "background", "(x"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := request{target: tt.target}.do(t, h)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("%s: status %d, want 400: %s", tt.target, rec.Code, rec.Body)
			}
			var e apiError
			decode(t, rec, &e)
			if e.Error.Message == "" || !strings.Contains(e.Error.Message, tt.want) {
				t.Errorf("%s: message %q, want it to mention %q", tt.target, e.Error.Message, tt.want)
			}
		})
	}
}

func TestCooccurrenceAPI(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			h := analyticsServer(t, keyed)
			var header map[string]string
			if keyed {
				header = bearerHeader(testPublicKey)
			}
			rec := request{target: apiURL("/api/v1/cooccurrence", "q", "harbour OR election", "types", "person,org", "types", "place", "size", "6"), header: header}.do(t, h)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var nw search.Network
			decode(t, rec, &nw)
			if len(nw.Nodes) == 0 || len(nw.Nodes) > 6 || len(nw.Edges) == 0 {
				t.Fatalf("network %+v", nw)
			}
			for _, n := range nw.Nodes {
				if got := searchTotal(t, h, header, "q", "harbour OR election", n.Type, n.Name); got != n.Count {
					t.Errorf("node %s: %d, search %d", n.ID, n.Count, got)
				}
			}
			for _, e := range nw.Edges {
				if got := searchTotal(t, h, header, "q", "harbour OR election", "with", e.Source, "with", e.Target); got != e.Count {
					t.Errorf("edge %s–%s: %d, search %d", e.Source, e.Target, e.Count, got)
				}
			}

			rec = request{target: apiURL("/api/v1/cooccurrence", "q", "harbour OR election", "size", "6", "format", "gexf"), header: header}.do(t, h)
			var g struct {
				XMLName xml.Name
				Nodes   []struct {
					Label string `xml:"label,attr"`
				} `xml:"graph>nodes>node"`
				Edges []struct {
					Weight int `xml:"weight,attr"`
				} `xml:"graph>edges>edge"`
			}
			if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "gexf") {
				t.Fatalf("gexf: %d %s", rec.Code, rec.Header().Get("Content-Type"))
			}
			if err := xml.Unmarshal(rec.Body.Bytes(), &g); err != nil {
				t.Fatal(err)
			}
			if g.XMLName.Space != "http://gexf.net/1.2" || len(g.Nodes) != len(nw.Nodes) || len(g.Edges) != len(nw.Edges) || g.Edges[0].Weight != nw.Edges[0].Count {
				t.Errorf("gexf %+v, want the JSON's %d nodes and %d edges", g, len(nw.Nodes), len(nw.Edges))
			}

			rec = request{target: apiURL("/api/v1/cooccurrence", "q", "harbour OR election", "size", "6", "format", "csv"), header: header}.do(t, h)
			rows, err := csv.NewReader(rec.Body).ReadAll()
			if err != nil || len(rows) != len(nw.Edges)+1 || rows[0][0] != "source" || rows[1][4] != fmt.Sprint(nw.Edges[0].Count) {
				t.Errorf("csv %q (%v), want %d edges", rows, err, len(nw.Edges))
			}
		})
	}
}

func TestSignificantAPI(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		for _, field := range []string{"terms", "person", "place"} {
			t.Run(fmt.Sprintf("keyed=%v/%s", keyed, field), func(t *testing.T) {
				h := analyticsServer(t, keyed)
				var header map[string]string
				if keyed {
					header = bearerHeader(testPublicKey)
				}
				rec := request{target: apiURL("/api/v1/significant", "q", "strike", "field", field, "size", "5"), header: header}.do(t, h)
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				var res search.Significant
				decode(t, rec, &res)
				if res.Method != "jlh" || int(res.ForegroundTotal) != searchTotal(t, h, header, "q", "strike") || int(res.BackgroundTotal) != searchTotal(t, h, header) {
					t.Errorf("method %q, totals %d/%d", res.Method, res.ForegroundTotal, res.BackgroundTotal)
				}
				if len(res.Items) == 0 {
					t.Fatalf("no items: %s", rec.Body)
				}
				for _, it := range res.Items {
					var fg, bg int
					if field == "terms" {
						fg = searchTotal(t, h, header, "q", "strike AND \""+it.Value+"\"")
						bg = searchTotal(t, h, header, "q", "\""+it.Value+"\"")
					} else {
						fg = searchTotal(t, h, header, "q", "strike", field, it.Value)
						bg = searchTotal(t, h, header, field, it.Value)
					}
					if fg != it.FG || bg != it.BG {
						t.Errorf("%q: fg %d bg %d, searches %d and %d", it.Value, it.FG, it.BG, fg, bg)
					}
				}
			})
		}
	}
}

// TestSampleAPI: sample=N&seed=S on search and export draw the same N
// articles, within a public key's part of the archive.
func TestSampleAPI(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			h := analyticsServer(t, keyed)
			var header map[string]string
			if keyed {
				header = bearerHeader(testPublicKey)
			}
			params := []string{"q", "harbour", "sample", "5", "seed", "42", "stratify", "source"}
			rec := request{target: apiURL("/api/v1/search", append(params, "size", "20")...), header: header}.do(t, h)
			if rec.Code != http.StatusOK {
				t.Fatalf("search: %d %s", rec.Code, rec.Body)
			}
			var res search.Result
			decode(t, rec, &res)
			if len(res.Hits) != 5 || res.Total != 5 || int(res.SampleOf) != searchTotal(t, h, header, "q", "harbour") {
				t.Fatalf("sampled search: %d hits, total %d, sample_of %d", len(res.Hits), res.Total, res.SampleOf)
			}
			var ids []string
			for _, hit := range res.Hits {
				ids = append(ids, hit.ID)
				if keyed && hit.Source != "Alpha Times" {
					t.Errorf("hit %s from %q outside the key's outlet", hit.ID, hit.Source)
				}
			}
			rec = request{target: apiURL("/api/v1/export", append(params, "format", "csv")...), header: header}.do(t, h)
			rows, err := csv.NewReader(rec.Body).ReadAll()
			if err != nil || rec.Code != http.StatusOK {
				t.Fatalf("export: %d %v", rec.Code, err)
			}
			var exported []string
			for _, r := range rows[1:] {
				exported = append(exported, r[0])
			}
			slices.Sort(ids)
			slices.Sort(exported)
			if !slices.Equal(ids, exported) {
				t.Errorf("export drew %q, search %q", exported, ids)
			}
		})
	}
}

// copyArticles are three stories and two copies of the first, one from
// the keyed outlet.
func copyArticles() []indexer.Article {
	vocab := strings.Fields("pier road storm repairs council budget river police court minister school hospital election market price rain bridge festival museum factory airport train islands farmers fishing tourism housing water energy wind solar")
	story := func(seed string) string {
		r := rand.New(rand.NewPCG(uint64(len(seed)), uint64(seed[0])))
		var ps []string
		for range 4 {
			w := []string{seed}
			for range 16 {
				w = append(w, vocab[r.IntN(len(vocab))])
			}
			ps = append(ps, strings.Join(w, " ")+".")
		}
		return strings.Join(ps, "\n\n")
	}
	day := func(d int) time.Time { return time.Date(2021, 3, d, 9, 0, 0, 0, time.UTC) }
	orig := story("Harbourside ferry")
	ps := strings.Split(orig, "\n\n")
	return []indexer.Article{
		{ID: "dup-a", Title: "Ferry resumes", Body: orig, Source: "Beta Post", Published: day(1)},
		{ID: "dup-b", Title: "Islands ferry back", Body: "By Staff\n\n" + orig, Source: "Alpha Times", Published: day(2)},
		{ID: "dup-c", Title: "Ferry back", Body: strings.Join(ps[:3], "\n\n"), Source: "Gamma Wire", Published: day(3)},
		{ID: "uniq-d", Title: "Museum opens", Body: story("Museum opening"), Source: "Alpha Times", Published: day(4)},
		{ID: "uniq-e", Title: "Bridge closes", Body: story("Bridgetown"), Source: "Beta Post", Published: day(5)},
	}
}

func TestCopiesAPI(t *testing.T) {
	svc := uiService(t, nil, copyArticles()...)
	for _, keyed := range []bool{false, true} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			opts := Options{MaxBodyBytes: 1 << 16}
			var header map[string]string
			if keyed {
				opts.PublicKeys = []PublicKey{{Key: testPublicKey, Filter: search.Filters{Sources: []string{"Alpha Times"}}}}
				header = bearerHeader(testPublicKey)
			}
			h := New(slog.New(slog.DiscardHandler), opts)
			h.SetSearcher(svc)
			rec := request{target: apiURL("/api/v1/search", "q", "ferry OR museum OR bridge", "size", "20"), header: header}.do(t, h)
			var res search.Result
			decode(t, rec, &res)
			for _, hit := range res.Hits {
				wantCopies, wantGroup := 1, hit.ID
				if strings.HasPrefix(hit.ID, "dup-") {
					wantCopies, wantGroup = 3, "dup-a"
				}
				if hit.Copies != wantCopies || hit.Group != wantGroup {
					t.Errorf("%s: copies %d group %q, want %d %q", hit.ID, hit.Copies, hit.Group, wantCopies, wantGroup)
				}
			}
			all := searchTotal(t, h, header, "q", "ferry OR museum OR bridge")
			dedup := searchTotal(t, h, header, "q", "ferry OR museum OR bridge", "dedup", "true")
			want := 3
			if keyed {
				// dup-b is a later copy, but the earliest the key may see:
				// it stands for its story (dedup chooses among the
				// matches); uniq-d stays.
				want = 2
			}
			if dedup != want || (!keyed && all != 5) {
				t.Errorf("dedup total %d (of %d), want %d", dedup, all, want)
			}
			rec = request{target: apiURL("/api/v1/export", "q", "ferry OR museum OR bridge", "dedup", "true", "format", "csv"), header: header}.do(t, h)
			rows, _ := csv.NewReader(rec.Body).ReadAll()
			if len(rows) != want+1 {
				t.Errorf("dedup export: %d rows, want %d", len(rows)-1, want)
			}

			rec = request{target: "/api/v1/articles/dup-b/copies", header: header}.do(t, h)
			if rec.Code != http.StatusOK {
				t.Fatalf("copies: %d %s", rec.Code, rec.Body)
			}
			var cp search.Copies
			decode(t, rec, &cp)
			wantIDs, wantGroup := []string{"dup-a", "dup-b", "dup-c"}, "dup-a"
			if keyed {
				wantIDs, wantGroup = []string{"dup-b"}, "dup-b"
			}
			var got []string
			for _, c := range cp.Copies {
				got = append(got, c.ID)
			}
			if cp.Group != wantGroup || !slices.Equal(got, wantIDs) {
				t.Errorf("copies of dup-b: group %q %q, want %q %q", cp.Group, got, wantGroup, wantIDs)
			}
			missing := "/api/v1/articles/nope/copies"
			if keyed {
				missing = "/api/v1/articles/dup-a/copies" // outside the key's outlet
			}
			if rec := (request{target: missing, header: header}).do(t, h); rec.Code != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", missing, rec.Code)
			}
		})
	}
}
