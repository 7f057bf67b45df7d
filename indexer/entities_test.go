package indexer

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"newsdex/data"
	"newsdex/indexer/ner"
)

// newTestExtractor loads the built-in model and alias table.
func newTestExtractor(t testing.TB) *EntityExtractor {
	t.Helper()
	tagger, err := ner.Load(bytes.NewReader(data.NERModel))
	if err != nil {
		t.Fatal(err)
	}
	aliases, err := ParseAliases(data.Aliases)
	if err != nil {
		t.Fatal(err)
	}
	return NewEntityExtractor(tagger, aliases)
}

// seedArticles parses the built-in corpus.
func seedArticles(t testing.TB) []Article {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "data", "articles.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var arts []Article
	err = Parse(bytes.NewReader(src), "articles.txt", FormatArchive, func(r Record) error {
		if r.Err != nil {
			t.Fatalf("seed record %s: %v", r.Location(), r.Err)
		}
		arts = append(arts, r.Article)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 10 {
		t.Fatalf("seed corpus has %d articles, want 10", len(arts))
	}
	return arts
}

// seedEntities is what Extract found in one seed article.
type seedEntities struct {
	Title         string   `json:"title"`
	Persons       []string `json:"persons"`
	Organizations []string `json:"organizations"`
	Places        []string `json:"places"`
}

func extractSeed(t testing.TB, ex *EntityExtractor) []seedEntities {
	t.Helper()
	var out []seedEntities
	for _, a := range seedArticles(t) {
		e := ex.Extract(a.Title, a.Body)
		out = append(out, seedEntities{Title: a.Title, Persons: e.Persons, Organizations: e.Organizations, Places: e.Places})
	}
	return out
}

// TestExtractSeedGolden pins the entities of every seed article; run with
// -update after an intended change to the model or the rules.
func TestExtractSeedGolden(t *testing.T) {
	got, err := json.MarshalIndent(extractSeed(t, newTestExtractor(t)), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "entities", "seed.golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// TestExtractSeedFacets checks the person, organisation and place
// buckets the issue asks for over the 10 built-in articles.
func TestExtractSeedFacets(t *testing.T) {
	got := extractSeed(t, newTestExtractor(t))
	articles := map[string]map[string]int{} // kind -> name -> articles
	for _, k := range []string{KindPerson, KindOrganization, KindPlace} {
		articles[k] = map[string]int{}
	}
	for _, a := range got {
		for _, n := range a.Persons {
			articles[KindPerson][n]++
		}
		for _, n := range a.Organizations {
			articles[KindOrganization][n]++
		}
		for _, n := range a.Places {
			articles[KindPlace][n]++
		}
	}
	for _, tt := range []struct {
		kind, name string
		want       int
	}{
		{KindPerson, "Jo Song Gil", 5},
		{KindPerson, "Kim Jong Un", 4},
		{KindPerson, "Thae Yong Ho", 2},
		{KindPerson, "Jo", 0},
		{KindPerson, "Thae", 0},
		{KindPerson, "Trump", 2},
		{KindPerson, "Pyongyang", 0},
		{KindOrganization, "Pyongyang", 0},
		{KindPlace, "Unification Ministry", 0},
		{KindPerson, "Unification Ministry", 0},
	} {
		t.Run(tt.kind+"/"+tt.name, func(t *testing.T) {
			if got := articles[tt.kind][tt.name]; got != tt.want {
				t.Errorf("%s %q in %d articles, want %d", tt.kind, tt.name, got, tt.want)
			}
		})
	}
	if articles[KindPlace]["Pyongyang"] == 0 {
		t.Errorf("Pyongyang is in no article's places")
	}
	if articles[KindOrganization]["Unification Ministry"] == 0 {
		t.Errorf("Unification Ministry is in no article's organisations")
	}
	// One bucket per person: no person name is another's bare surname
	// or a different spelling of it.
	for n := range articles[KindPerson] {
		for m := range articles[KindPerson] {
			if n != m && NameKey(n) == NameKey(m) {
				t.Errorf("persons %q and %q are one name", n, m)
			}
		}
	}
}

// TestExtractConcurrent runs the extractor from several goroutines, as
// the ingest lanes do, and expects the sequential results.
func TestExtractConcurrent(t *testing.T) {
	ex := newTestExtractor(t)
	arts := seedArticles(t)
	want := extractSeed(t, ex)
	errs := make(chan string, 8*len(arts))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i, a := range arts {
				e := ex.Extract(a.Title, a.Body)
				got := seedEntities{Title: a.Title, Persons: e.Persons, Organizations: e.Organizations, Places: e.Places}
				if diff := cmp.Diff(want[i], got); diff != "" {
					errs <- diff
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for d := range errs {
		t.Errorf("concurrent Extract differs (-want +got):\n%s", d)
	}
}

func BenchmarkExtract(b *testing.B) {
	ex := newTestExtractor(b)
	arts := seedArticles(b)
	n := 0
	for _, a := range arts {
		n += len(a.Title) + len(a.Body)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, a := range arts {
			ex.Extract(a.Title, a.Body)
		}
	}
}

func TestResolveMentions(t *testing.T) {
	aliases, err := ParseAliases(data.Aliases)
	if err != nil {
		t.Fatal(err)
	}
	per := func(s string) mention { return mention{typ: ner.PER, text: s} }
	org := func(s string) mention { return mention{typ: ner.ORG, text: s} }
	loc := func(s string) mention { return mention{typ: ner.LOC, text: s} }
	misc := func(s string) mention { return mention{typ: ner.MISC, text: s} }
	type want struct{ Persons, Orgs, Places []string }
	tests := []struct {
		name string
		in   []mention
		want want
	}{
		{"spellings of one person",
			[]mention{per("Kim Jong-un"), per("Kim Jong Un"), per("KIM JONG UN")},
			want{Persons: []string{"Kim Jong Un"}}},
		{"Korean surname resolves to the earlier full name",
			[]mention{per("Jo Song Gil"), loc("Italy"), per("Jo"), loc("Jo")},
			want{Persons: []string{"Jo Song Gil"}, Places: []string{"Italy"}}},
		{"titled surname",
			[]mention{per("Thae Yong Ho"), per("Mr Thae"), per("Thae’s")},
			want{Persons: []string{"Thae Yong Ho"}}},
		{"Korean given name alone",
			[]mention{per("Jo Song Gil"), per("Song Gil")},
			want{Persons: []string{"Jo Song Gil"}}},
		{"Western surname is the last word",
			[]mention{per("Giuseppe Conte"), per("Conte"), per("Giuseppe")},
			want{Persons: []string{"Giuseppe Conte", "Giuseppe"}}},
		{"surname without a full name stays",
			[]mention{per("President Trump"), per("Trump")},
			want{Persons: []string{"Trump"}}},
		{"surname before the only full name",
			[]mention{per("Jo"), per("Jo Song Gil")},
			want{Persons: []string{"Jo Song Gil"}}},
		{"ambiguous surname is not resolved",
			[]mention{per("Kim Jong Un"), per("Kim Myong Song"), per("Kim")},
			want{Persons: []string{"Kim Jong Un", "Kim Myong Song", "Kim"}}},
		{"surname resolves to the one given earlier",
			[]mention{per("Kim Jong Un"), per("Kim"), per("Kim Min-ki")},
			want{Persons: []string{"Kim Jong Un", "Kim Min Ki"}}},
		{"majority type",
			[]mention{loc("Hoeryong"), per("Hoeryong"), loc("Hoeryong")},
			want{Places: []string{"Hoeryong"}}},
		{"tie goes to the first mention",
			[]mention{org("Hana"), loc("Hana")},
			want{Orgs: []string{"Hana"}}},
		{"alias table decides the type",
			[]mention{org("Kim Jong Un"), org("Kim Jong Un"), per("Kim Jong-un")},
			want{Persons: []string{"Kim Jong Un"}}},
		{"alias canonical names merge variants",
			[]mention{loc("U.S."), loc("United States"), loc("US"), org("UN"), org("South Korean Unification Ministry"), org("Unification Ministry")},
			want{Orgs: []string{"United Nations", "Unification Ministry"}, Places: []string{"United States"}}},
		{"honorific on an organisation span",
			[]mention{org("Ambassador Jo Song Gil"), per("Jo")},
			want{Persons: []string{"Jo Song Gil"}}},
		{"title word inside an organisation name stays",
			[]mention{org("General Motors")},
			want{Orgs: []string{"General Motors"}}},
		{"organisation and titled person in one span",
			[]mention{org("NPR Senior European Correspondent Sylvia Poggioli"), per("Poggioli")},
			want{Persons: []string{"Sylvia Poggioli"}, Orgs: []string{"NPR"}}},
		{"unknown hyphenated given name shown without hyphens, the same in every article",
			[]mention{per("Kim Min-ki"), per("Kim Min Ki"), per("Kim Min Ki")},
			want{Persons: []string{"Kim Min Ki"}}},
		{"capitals only if nothing else",
			[]mention{per("CHOI KYONG HUI"), per("Choi Kyong Hui")},
			want{Persons: []string{"Choi Kyong Hui"}}},
		{"capitals in title case",
			[]mention{per("CHOI KYONG HUI")},
			want{Persons: []string{"Choi Kyong Hui"}}},
		{"MISC and compass points are not facets",
			[]mention{misc("North Korean"), org("North"), loc("South")},
			want{}},
		{"MISC mention of a known person",
			[]mention{misc("Kim Jong-un")},
			want{Persons: []string{"Kim Jong Un"}}},
		{"order of first mention",
			[]mention{loc("Seoul"), per("Thae"), per("Kim Il-sung"), loc("Pyongyang"), per("Thae Yong Ho")},
			want{Persons: []string{"Thae Yong Ho", "Kim Il Sung"}, Places: []string{"Seoul", "Pyongyang"}}},
		{"acronym of a name in the article",
			[]mention{org("Associated Press"), org("AP"), org("Christian Solidarity Worldwide"), org("CSW")},
			want{Orgs: []string{"Associated Press", "Christian Solidarity Worldwide"}}},
		{"acronym of two names stays",
			[]mention{org("Air Force"), org("Asia Foundation"), org("AF")},
			want{Orgs: []string{"Air Force", "Asia Foundation", "AF"}}},
		{"people of a place are not a place",
			[]mention{loc("North Koreans"), loc("Italy"), loc("South Koreans"), loc("Italians"), loc("Texas")},
			want{Places: []string{"Italy", "Texas"}}},
		{"nothing", nil, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got want
			e := resolveMentions(tt.in, aliases, articleText{})
			got.Persons, got.Orgs, got.Places = e.Persons, e.Organizations, e.Places
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resolveMentions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
